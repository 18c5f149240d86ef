"""Storage: slot keys of fields and map entries, and how each type is stored.

Slot keys (the state hashes them again, so they stay short):
- a scalar field: its name in UTF-8, e.g. b"owner";
- a map entry: name || 0x00 || enc(k1) || enc(k2) ..., one enc per key component, outer map
  first, a tuple key contributing its items in order: int and bool as 32-byte two's
  complement (ITOB), an Address as its 20 bytes, bytes as ITOB(length) || bytes.
Every field's keys are prefix-free, so no two slots collide. Values: int as ITOB (32 bytes),
bool as 0x01, bytes as they are, Address as its 20 bytes; the zero value of every type is
stored as "absent" (a delete), and absent reads as the zero value.
"""

from __future__ import annotations

from collections.abc import Callable

from vmchain.lang import model as m
from vmchain.lang.fold import try_fold
from vmchain.lang.lower_ctx import ZERO_ADDRESS, Ctx
from vmchain.vm.values import ValueType

Lower = Callable[[Ctx, m.Expr], None]

MAP_SEPARATOR = b"\x00"


def field_root(target: m.Expr) -> tuple[str, list[m.Expr]]:
    """The field name and the key expressions (outer first) of self.f[k1][k2]..."""
    keys: list[m.Expr] = []
    node = target
    while isinstance(node, m.Subscript):
        keys.append(node.index)
        node = node.obj
    assert isinstance(node, m.Attr)
    return node.attr, keys[::-1]


def _components(ctx: Ctx, keys: list[m.Expr]) -> list[tuple[m.Expr, m.Type]]:
    out: list[tuple[m.Expr, m.Type]] = []
    for key in keys:
        if isinstance(key, m.TupleExpr):
            out += [(item, ctx.type_of(item)) for item in key.items]
        else:
            out.append((key, ctx.type_of(key)))
    return out


def encode_key_literal(value: int | bool | bytes, typ: m.Type) -> bytes:
    if typ.kind in ("int", "bool"):
        return int(value).to_bytes(32, "big", signed=True)
    assert isinstance(value, bytes)
    if typ.kind == "Address":
        return value
    return len(value).to_bytes(32, "big") + value


def push_key(ctx: Ctx, target: m.Expr, expr: Lower) -> None:
    """Push the slot key of a field or map entry (`expr` lowers the key expressions)."""
    name, keys = field_root(target)
    prefix = name.encode("utf-8")
    if not keys:
        ctx.fb.op("CONST", prefix)
        return
    literal = prefix + MAP_SEPARATOR
    parts = _components(ctx, keys)
    index = 0
    while index < len(parts):  # fold a constant head of the key into the prefix
        item, typ = parts[index]
        folded = try_fold(item, ctx.env.constants) if typ.kind != "tuple" else None
        if folded is None:
            break
        literal += encode_key_literal(folded, typ)
        index += 1
    ctx.fb.op("CONST", literal)
    for item, typ in parts[index:]:
        expr(ctx, item)
        if typ.kind == "tuple":
            _tuple_key(ctx, typ)
        else:
            encode_key(ctx, typ)
        ctx.fb.op("CONCAT")


def encode_key(ctx: Ctx, typ: m.Type) -> None:
    """A key component on the stack -> its key encoding."""
    fb = ctx.fb
    if typ.kind in ("int", "bool"):
        fb.op("ITOB")
    elif typ.kind == "bytes":
        fb.op("DUP")
        fb.op("LEN")
        fb.op("ITOB")
        fb.op("SWAP")
        fb.op("CONCAT")


def _tuple_key(ctx: Ctx, typ: m.Type) -> None:
    """A tuple value (its ABI blob) on the stack -> its items' key encodings, joined."""
    fb = ctx.fb
    blob = fb.temp(ValueType.BYTES)
    fb.op("LSET", blob)
    for index, item in enumerate(typ.items):
        fb.op("LGET", blob)
        ctx.tuple_item(index, item)
        encode_key(ctx, item)
        if index:
            fb.op("CONCAT")
    fb.release(blob)


def decode_value(ctx: Ctx, typ: m.Type) -> None:
    """Stored bytes on the stack -> the value."""
    fb = ctx.fb
    if typ.kind in ("int", "bool"):
        fb.op("BTOI")
    elif typ.kind == "Address":
        present = fb.label()
        fb.op("DUP")
        fb.op("LEN")
        fb.op("JNZ", present)
        fb.op("POP")
        fb.op("CONST", ZERO_ADDRESS)
        fb.place(present)


def encode_value(ctx: Ctx, typ: m.Type) -> None:
    """A value on the stack -> the bytes to store (empty for the zero value)."""
    fb = ctx.fb
    done, zero = fb.label(), fb.label()
    if typ.kind == "int":
        fb.op("DUP")
        fb.op("JZ", zero)
        fb.op("ITOB")
        fb.op("JMP", done)
        fb.place(zero)
        fb.op("POP")
        fb.op("CONST", b"")
        fb.place(done)
    elif typ.kind == "bool":
        fb.op("JZ", zero)
        fb.op("CONST", b"\x01")
        fb.op("JMP", done)
        fb.place(zero)
        fb.op("CONST", b"")
        fb.place(done)
    elif typ.kind == "Address":
        fb.op("DUP")
        fb.op("CONST", ZERO_ADDRESS)
        fb.op("EQ")
        fb.op("JZ", done)
        fb.op("POP")
        fb.op("CONST", b"")
        fb.place(done)


def stored_literal(value: int | bool | bytes, typ: m.Type) -> bytes:
    """What `encode_value` would store for a literal value, computed now."""
    if typ.kind == "int":
        return int(value).to_bytes(32, "big", signed=True) if value else b""
    if typ.kind == "bool":
        return b"\x01" if value else b""
    assert isinstance(value, bytes)
    return b"" if typ.kind == "Address" and value == ZERO_ADDRESS else value
