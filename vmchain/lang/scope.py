"""What the checker knows while it walks a file: its declarations and one method's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from vmchain.lang import model as m
from vmchain.lang.errors import Diagnostics

ERROR = m.Type("error")  # the type of an expression already reported


def article(typ: m.Type) -> str:
    """The type with its indefinite article: "an int", "a bool", "an Address"."""
    text = str(typ)
    return ("an " if text[0] in "aeiouAEIOU" else "a ") + text


def same(a: m.Type, b: m.Type) -> bool:
    """Whether a value of type a fits where b is expected (an error type fits anything)."""
    return a == b or ERROR in (a, b)


@dataclass
class Env:
    """The file's declarations, and the type of every expression checked so far."""

    diag: Diagnostics
    source: m.SourceFile
    fields: dict[str, m.Field]
    methods: dict[str, m.Method]
    events: dict[str, m.EventDecl]
    interfaces: dict[str, m.InterfaceDecl]
    constants: dict[str, m.Constant]
    imports: frozenset[str]
    types: dict[int, m.Type] = field(default_factory=dict)  # id(expr) -> its type

    def type_of(self, expr: m.Expr) -> m.Type:
        return self.types[id(expr)]


@dataclass
class Scope:
    """One method being checked: its locals, what it does and whom it calls."""

    method: m.Method
    locals: dict[str, m.Type]
    declared: list[tuple[str, m.Type]] = field(default_factory=list)  # beyond the params
    effects: list[tuple[m.Pos, str]] = field(default_factory=list)  # what a view may not do
    calls: list[tuple[m.Pos, str]] = field(default_factory=list)  # internal calls
    loop_vars: list[str] = field(default_factory=list)
    loop_depth: int = 0

    def declare(self, name: str, typ: m.Type) -> None:
        self.locals[name] = typ
        self.declared.append((name, typ))
