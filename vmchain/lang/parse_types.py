"""Type annotations to model types: int, bool, bytes, Address, tuple[...], Map[K, V], None."""

from __future__ import annotations

import ast

from vmchain.lang.errors import Diagnostics
from vmchain.lang.model import NONE, SCALARS, Pos, Type
from vmchain.lang.whitelist import FLOAT_HINT

_NOT_TYPES: dict[str, tuple[str, str]] = {
    "float": ("floats are not supported", FLOAT_HINT),
    "str": ("str is not a value type", "use bytes (text is UTF-8 bytes)"),
    "list": ("lists are not supported", "use a Map[int, V] storage field"),
    "dict": ("dict is not a storage type", "declare a Map[K, V] storage field"),
    "set": ("sets are not supported", "use a Map[K, bool] storage field"),
}
TYPE_HINT = "types are int, bool, bytes, Address, tuple[...] and Map[K, V]"


def pos_of(node: ast.AST) -> Pos:
    return Pos(getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)


def parse_type(diag: Diagnostics, node: ast.expr | None, *, allow_none: bool = False) -> Type:
    """The model type of an annotation; reports an error and answers int when it has none."""
    if node is None:
        diag.error(Pos(1, 1), "missing type annotation", TYPE_HINT)
        return SCALARS["int"]
    pos = pos_of(node)
    if isinstance(node, ast.Constant) and node.value is None:
        if not allow_none:
            diag.error(pos, "None is not a value type", TYPE_HINT)
        return NONE
    if isinstance(node, ast.Name):
        return _named(diag, node.id, pos)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id == "Map":
            return _map(diag, node.slice, pos)
        if node.value.id == "tuple":
            return Type("tuple", _tuple_items(diag, node.slice))
    diag.error(pos, f"unsupported type annotation {ast.unparse(node)!r}", TYPE_HINT)
    return SCALARS["int"]


def _named(diag: Diagnostics, name: str, pos: Pos) -> Type:
    found = SCALARS.get(name)
    if found is not None:
        return found
    message, hint = _NOT_TYPES.get(name, (f"unknown type {name!r}", TYPE_HINT))
    diag.error(pos, message, hint)
    return SCALARS["int"]


def _tuple_items(diag: Diagnostics, node: ast.expr) -> tuple[Type, ...]:
    elements = node.elts if isinstance(node, ast.Tuple) else [node]
    items = tuple(parse_type(diag, e) for e in elements)
    for element, item in zip(elements, items, strict=True):
        if not item.is_scalar:
            diag.error(pos_of(element), f"a tuple cannot hold {item}", "tuple items are scalars")
    if len(items) < 2:
        diag.error(pos_of(node), "a tuple type needs at least two items", "tuple[int, Address]")
    return items


def _map(diag: Diagnostics, node: ast.expr, pos: Pos) -> Type:
    if not isinstance(node, ast.Tuple) or len(node.elts) != 2:
        diag.error(pos, "Map takes a key and a value type", "Map[Address, int]")
        return Type("map", (SCALARS["int"],), SCALARS["int"])
    key = parse_type(diag, node.elts[0])
    value = parse_type(diag, node.elts[1])
    keys = key.items if key.kind == "tuple" else (key,)
    if not all(k.is_scalar for k in keys):
        diag.error(pos_of(node.elts[0]), f"a Map key cannot be {key}", "keys are scalars or tuples")
    if not (value.is_scalar or value.kind == "map"):
        diag.error(pos_of(node.elts[1]), f"a Map value cannot be {value}", TYPE_HINT)
    return Type("map", keys, value)
