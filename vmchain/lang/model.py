"""The contract model: frozen dataclasses for types, expressions, statements and declarations.

`parse` builds it from Python's `ast` (only the whitelisted syntax has a node here), `check`
types it, `lower` turns it into VM instructions. Positions are 1-based line and column.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- positions and types -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pos:
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Type:
    """A language type. `items`: a tuple's element types or a map's key components."""

    kind: str  # "int" "bool" "bytes" "Address" "tuple" "map" "none"
    items: tuple[Type, ...] = ()
    value: Type | None = None  # a map's value type

    def __str__(self) -> str:
        if self.kind == "tuple":
            return "tuple[" + ", ".join(str(t) for t in self.items) + "]"
        if self.kind == "map":
            key = str(self.items[0]) if len(self.items) == 1 else str(Type("tuple", self.items))
            return f"Map[{key}, {self.value}]"
        return "None" if self.kind == "none" else self.kind

    @property
    def is_value(self) -> bool:
        """A type a local, argument, result or event field can have."""
        return self.kind in ("int", "bool", "bytes", "Address", "tuple")

    @property
    def is_scalar(self) -> bool:
        """A single VM value (not a tuple, map or None)."""
        return self.kind in ("int", "bool", "bytes", "Address")


INT = Type("int")
BOOL = Type("bool")
BYTES = Type("bytes")
ADDRESS = Type("Address")
NONE = Type("none")
SCALARS = {"int": INT, "bool": BOOL, "bytes": BYTES, "Address": ADDRESS}

# -- expressions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    pos: Pos
    id: str


@dataclass(frozen=True, slots=True)
class Const:
    pos: Pos
    value: int | bool | bytes | str


@dataclass(frozen=True, slots=True)
class Attr:
    pos: Pos
    obj: Expr
    attr: str


@dataclass(frozen=True, slots=True)
class Keyword:
    pos: Pos
    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class Call:
    pos: Pos
    func: Expr
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...] = ()


@dataclass(frozen=True, slots=True)
class BinOp:
    pos: Pos
    op: str  # + - * // % ** & | ^ << >>
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class UnaryOp:
    pos: Pos
    op: str  # - not ~
    operand: Expr


@dataclass(frozen=True, slots=True)
class BoolOp:
    pos: Pos
    op: str  # and or
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    pos: Pos
    op: str  # < <= > >= == !=
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Subscript:
    pos: Pos
    obj: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Slice:
    pos: Pos
    obj: Expr
    lower: Expr | None
    upper: Expr | None


@dataclass(frozen=True, slots=True)
class TupleExpr:
    pos: Pos
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class IfExp:
    pos: Pos
    test: Expr
    body: Expr
    orelse: Expr


Expr = (
    Name | Const | Attr | Call | BinOp | UnaryOp | BoolOp | Compare | Subscript | Slice | TupleExpr
) | IfExp

# -- statements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assign:
    pos: Pos
    target: Expr  # Name, self.field, or a subscript of a map
    value: Expr


@dataclass(frozen=True, slots=True)
class Unpack:
    pos: Pos
    targets: tuple[Name, ...]
    value: Expr


@dataclass(frozen=True, slots=True)
class AnnAssign:
    pos: Pos
    target: Name
    type: Type
    value: Expr | None


@dataclass(frozen=True, slots=True)
class AugAssign:
    pos: Pos
    target: Expr
    op: str
    value: Expr


@dataclass(frozen=True, slots=True)
class ExprStmt:
    pos: Pos
    value: Expr


@dataclass(frozen=True, slots=True)
class If:
    pos: Pos
    test: Expr
    body: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class While:
    pos: Pos
    test: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class For:
    """`for var in range(start, stop, step)`; step is a non-zero int literal."""

    pos: Pos
    var: Name
    start: Expr
    stop: Expr
    step: int
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class Return:
    pos: Pos
    value: Expr | None


@dataclass(frozen=True, slots=True)
class Delete:
    pos: Pos
    target: Expr


@dataclass(frozen=True, slots=True)
class Jump:
    """`break`, `continue` or `pass` (kind names which)."""

    pos: Pos
    kind: str


Stmt = (
    Assign | Unpack | AnnAssign | AugAssign | ExprStmt | If | While | For | Return | Delete | Jump
)

# -- declarations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    pos: Pos
    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class Method:
    pos: Pos
    name: str
    params: tuple[Param, ...]
    returns: Type
    decorators: tuple[str, ...]  # in source order: public view payable
    body: tuple[Stmt, ...]

    @property
    def is_init(self) -> bool:
        return self.name == "__init__"

    @property
    def view(self) -> bool:
        return "view" in self.decorators

    @property
    def payable(self) -> bool:
        return "payable" in self.decorators

    @property
    def public(self) -> bool:
        return bool(self.decorators) and not self.is_init


@dataclass(frozen=True, slots=True)
class Field:
    pos: Pos
    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class EventDecl:
    pos: Pos
    name: str
    fields: tuple[Param, ...]


@dataclass(frozen=True, slots=True)
class InterfaceDecl:
    """Another contract's functions, callable as `Name(address).f(...)`."""

    pos: Pos
    name: str
    methods: tuple[Method, ...]


@dataclass(frozen=True, slots=True)
class Constant:
    """A module-level `NAME = literal` (int, bool or bytes), folded at compile time."""

    pos: Pos
    name: str
    value: int | bool | bytes


@dataclass(frozen=True, slots=True)
class ContractDecl:
    pos: Pos
    name: str
    fields: tuple[Field, ...]
    methods: tuple[Method, ...]


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    contract: ContractDecl
    events: tuple[EventDecl, ...]
    interfaces: tuple[InterfaceDecl, ...]
    constants: tuple[Constant, ...]
    imports: tuple[str, ...]  # the names imported from vmchain.lang
