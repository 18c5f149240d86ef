"""Step 1: source text to the model (`parse_source`), whitelisting the Python subset.

A contract file holds: an optional docstring, `from vmchain.lang import ...` (and
`from __future__ import annotations`), module constants `NAME = <int, bool or bytes literal
expression>`, event classes `class E(Event)`, interface classes `class I(Interface)` and
exactly one `class C(Contract)`. Everything else is reported, all errors at once.
"""

from __future__ import annotations

import ast

from vmchain.lang import model as m
from vmchain.lang.api import EXPORTS
from vmchain.lang.errors import Diagnostics
from vmchain.lang.fold import fold_constant
from vmchain.lang.parse_body import BodyParser
from vmchain.lang.parse_types import parse_type, pos_of
from vmchain.lang.whitelist import REJECTED

LANG_MODULE = "vmchain.lang"
DECORATORS = ("public", "view", "payable")
BASES = ("Contract", "Event", "Interface")
IMPORT_HINT = "a contract may import only from vmchain.lang: " + ", ".join(EXPORTS)


class _FileParser:
    def __init__(self, diag: Diagnostics) -> None:
        self.diag = diag
        self.body = BodyParser(diag)
        self.imports: list[str] = []
        self.constants: dict[str, m.Constant] = {}
        self.contracts: list[m.ContractDecl] = []
        self.events: list[m.EventDecl] = []
        self.interfaces: list[m.InterfaceDecl] = []

    def module(self, tree: ast.Module) -> None:
        for index, node in enumerate(tree.body):
            if index == 0 and _is_docstring(node):
                continue
            if isinstance(node, ast.ImportFrom | ast.Import):
                self.import_(node)
            elif isinstance(node, ast.Assign):
                self.constant(node)
            elif isinstance(node, ast.ClassDef):
                self.class_(node)
            else:
                message, hint = REJECTED.get(type(node), ("", ""))
                self.diag.error(
                    pos_of(node),
                    message or f"{type(node).__name__} is not allowed at the top of a contract",
                    hint or "the top level holds imports, constants and classes",
                )

    def import_(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            return
        if not isinstance(node, ast.ImportFrom) or node.module != LANG_MODULE or node.level:
            names = ", ".join(a.name for a in node.names)
            what = getattr(node, "module", None) or names
            self.diag.error(pos_of(node), f"cannot import {what!r}", IMPORT_HINT)
            return
        for alias in node.names:
            if alias.name not in EXPORTS:
                self.diag.error(pos_of(node), f"vmchain.lang has no {alias.name!r}", IMPORT_HINT)
            elif alias.asname not in (None, alias.name):
                self.diag.error(pos_of(node), "imported names cannot be renamed", IMPORT_HINT)
            else:
                self.imports.append(alias.name)

    def constant(self, node: ast.Assign) -> None:
        target = node.targets[0]
        if len(node.targets) != 1 or not isinstance(target, ast.Name):
            self.diag.error(pos_of(node), "a module constant is NAME = literal", "DAY = 86400")
            return
        value = fold_constant(self.diag, self.body.expr(node.value), self.constants)
        if value is not None:
            self.constants[target.id] = m.Constant(pos_of(node), target.id, value)

    def class_(self, node: ast.ClassDef) -> None:
        base = _base_of(node)
        if base is None or node.keywords or node.decorator_list:
            self.diag.error(
                pos_of(node),
                f"class {node.name} must derive from exactly one of Contract, Event, Interface",
                "class Parking(Contract): ... / class Paid(Event): ...",
            )
            return
        if base == "Contract":
            self.contracts.append(self.contract(node))
        elif base == "Event":
            self.events.append(m.EventDecl(pos_of(node), node.name, self.fields(node, "event")))
        else:
            self.interfaces.append(self.interface(node))

    def fields(self, node: ast.ClassDef, kind: str) -> tuple[m.Param, ...]:
        out: list[m.Param] = []
        for item in _members(node):
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                if item.value is not None:
                    self.diag.error(pos_of(item), f"{kind} fields have no default", "who: Address")
                out.append(
                    m.Param(pos_of(item), item.target.id, parse_type(self.diag, item.annotation))
                )
            else:
                self.diag.error(
                    pos_of(item), f"an {kind} class holds only annotated fields", "amount: int"
                )
        return tuple(out)

    def contract(self, node: ast.ClassDef) -> m.ContractDecl:
        fields: list[m.Field] = []
        methods: list[m.Method] = []
        for item in _members(node):
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                if item.value is not None:
                    self.diag.error(
                        pos_of(item),
                        "storage fields have no initial value",
                        "declare `count: int` and set it in __init__ (every field starts at zero)",
                    )
                typ = parse_type(self.diag, item.annotation)
                fields.append(m.Field(pos_of(item), item.target.id, typ))
            elif isinstance(item, ast.FunctionDef):
                methods.append(self.method(item))
            else:
                self.diag.error(
                    pos_of(item),
                    "a contract class holds storage fields and methods only",
                    "constants go at the top of the file: NAME = 10",
                )
        return m.ContractDecl(pos_of(node), node.name, tuple(fields), tuple(methods))

    def interface(self, node: ast.ClassDef) -> m.InterfaceDecl:
        methods: list[m.Method] = []
        for item in _members(node):
            if not isinstance(item, ast.FunctionDef):
                self.diag.error(
                    pos_of(item), "an interface holds method stubs only", "def f(self) -> int: ..."
                )
                continue
            if not all(_is_stub_line(s) for s in item.body):
                self.diag.error(
                    pos_of(item), "an interface method has no body", "write `...` as its body"
                )
            methods.append(self.signature(item, ()))
        return m.InterfaceDecl(pos_of(node), node.name, tuple(methods))

    def method(self, node: ast.FunctionDef) -> m.Method:
        return self.signature(node, self.body.block(node.body))

    def signature(self, node: ast.FunctionDef, body: tuple[m.Stmt, ...]) -> m.Method:
        args = node.args
        pos = pos_of(node)
        if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs or args.defaults:
            self.diag.error(
                pos, "methods take plain positional parameters only", "no defaults, *args or **kw"
            )
        params = list(args.args)
        if not params or params[0].arg != "self":
            self.diag.error(pos, f"method {node.name} must take self first", "def f(self, x: int)")
        else:
            params = params[1:]
        typed = tuple(
            m.Param(
                pos_of(p),
                p.arg,
                parse_type(self.diag, p.annotation) if p.annotation else self._missing(p),
            )
            for p in params
        )
        if node.returns is None:
            self.diag.error(
                pos, f"method {node.name} needs a return annotation", "-> None, -> int, ..."
            )
        returns = (
            m.NONE if node.returns is None else parse_type(self.diag, node.returns, allow_none=True)
        )
        return m.Method(pos, node.name, typed, returns, self.decorators(node), body)

    def _missing(self, param: ast.arg) -> m.Type:
        self.diag.error(
            pos_of(param), f"parameter {param.arg} needs a type annotation", "amount: int"
        )
        return m.INT

    def decorators(self, node: ast.FunctionDef) -> tuple[str, ...]:
        names: list[str] = []
        for deco in node.decorator_list:
            if isinstance(deco, ast.Name) and deco.id in DECORATORS:
                names.append(deco.id)
            else:
                self.diag.error(
                    pos_of(deco),
                    f"unknown decorator {ast.unparse(deco)!r}",
                    "methods take @public, @view or @payable",
                )
        return tuple(names)


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_stub_line(node: ast.stmt) -> bool:
    if isinstance(node, ast.Pass):
        return True
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and (node.value.value is Ellipsis or isinstance(node.value.value, str))
    )


def _members(node: ast.ClassDef) -> list[ast.stmt]:
    """The class body without its docstring and `pass`."""
    body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
    return [item for item in body if not isinstance(item, ast.Pass)]


def _base_of(node: ast.ClassDef) -> str | None:
    if len(node.bases) != 1 or not isinstance(node.bases[0], ast.Name):
        return None
    name = node.bases[0].id
    return name if name in BASES else None


def parse_source(path: str, text: str) -> m.SourceFile:
    """Parse and whitelist a contract file; raises CompileErrors listing every problem."""
    diag = Diagnostics(path)
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        diag.error(m.Pos(exc.lineno or 1, exc.offset or 1), f"syntax error: {exc.msg}", "")
        diag.raise_if_any()
        raise
    except (ValueError, RecursionError, MemoryError) as exc:
        diag.error(m.Pos(1, 1), f"the source cannot be parsed: {exc}", "")
        diag.raise_if_any()
        raise
    parser = _FileParser(diag)
    parser.module(tree)
    if len(parser.contracts) != 1:
        where = parser.contracts[1].pos if len(parser.contracts) > 1 else m.Pos(1, 1)
        diag.error(
            where,
            f"a contract file holds exactly one Contract class, found {len(parser.contracts)}",
            "class Name(Contract): with storage fields and methods",
        )
    diag.raise_if_any()
    return m.SourceFile(
        path,
        parser.contracts[0],
        tuple(parser.events),
        tuple(parser.interfaces),
        tuple(parser.constants.values()),
        tuple(parser.imports),
    )
