"""Type checking of expressions: each gets a type (recorded in `Env.types`) or an error.

Types are strict: no implicit conversions between int and bool, or bytes and Address.
Map entries, tuples, builtins, environment attributes, internal and cross-contract calls and
event constructions are all resolved here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vmchain.lang import model as m
from vmchain.lang.api import EXPORTS
from vmchain.lang.builtins import ATTRIBUTES, PYTHON_BUILTINS_HINTS
from vmchain.lang.check_call import check_call
from vmchain.lang.scope import ERROR, Env, Scope, same
from vmchain.vm.limits import INT_MAX, INT_MIN

ORDER = frozenset({"<", "<=", ">", ">="})


@dataclass
class ExprChecker:
    env: Env
    scope: Scope

    def error(self, pos: m.Pos, message: str, hint: str = "") -> m.Type:
        self.env.diag.error(pos, message, hint)
        return ERROR

    def expr(self, expr: m.Expr) -> m.Type:
        typ = _RULES[type(expr)](self, expr)
        self.env.types[id(expr)] = typ
        return typ

    def value(self, expr: m.Expr, what: str = "value") -> m.Type:
        """An expression that must be a value (not a Map, None or text)."""
        typ = self.expr(expr)
        if typ.kind == "map":
            return self.error(expr.pos, f"a whole Map is not a {what}", "index it: self.m[key]")
        if typ.kind == "none":
            return self.error(expr.pos, f"this call returns nothing, it is not a {what}")
        return typ

    def expect(self, expr: m.Expr, want: m.Type, what: str) -> None:
        got = self.value(expr, what)
        if not same(got, want):
            hint = conversion_hint(got, want)
            self.error(expr.pos, f"{what} must be {want}, got {got}", hint)

    # -- leaves ----------------------------------------------------------------------------

    def _const(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.Const)
        value = expr.value
        if isinstance(value, str):
            return self.error(expr.pos, "text is not a value", "use a bytes literal: b'...'")
        if isinstance(value, bool):
            return m.BOOL
        if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            return self.error(expr.pos, "integer literal outside -2**255..2**255-1", "")
        return m.BYTES if isinstance(value, bytes) else m.INT

    def _name(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.Name)
        name = expr.id
        if name in self.scope.locals:
            return self.scope.locals[name]
        if name in self.env.constants:
            value = self.env.constants[name].value
            return (
                m.BOOL
                if isinstance(value, bool)
                else m.BYTES
                if isinstance(value, bytes)
                else m.INT
            )
        if name == "self":
            return self.error(expr.pos, "self is not a value", "use self.field or self.method()")
        return self.unknown(expr.pos, name)

    def unknown(self, pos: m.Pos, name: str) -> m.Type:
        if name in EXPORTS and name not in self.env.imports:
            return self.error(
                pos, f"unknown name {name!r}", f"import it: from vmchain.lang import {name}"
            )
        hint = PYTHON_BUILTINS_HINTS.get(name, "")
        if name in ("msg", "block") or name in self.env.events or name in self.env.interfaces:
            return self.error(pos, f"{name} is not a value", hint)
        return self.error(pos, f"unknown name {name!r}", hint or "assign a local before using it")

    def _attr(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.Attr)
        base = expr.obj.id if isinstance(expr.obj, m.Name) else None
        if base in ("msg", "block") and base not in self.env.imports:
            return self.unknown(expr.obj.pos, base)
        if base is not None and (base, expr.attr) in ATTRIBUTES:
            return ATTRIBUTES[(base, expr.attr)][0]
        if base == "self":
            found = self.env.fields.get(expr.attr)
            if found is not None:
                return found.type
            if expr.attr in self.env.methods:
                return self.error(
                    expr.pos, f"method {expr.attr} must be called", f"self.{expr.attr}(...)"
                )
            return self.error(
                expr.pos,
                f"unknown storage field {expr.attr!r}",
                f"declare it in the contract class: {expr.attr}: int",
            )
        if base in ("msg", "block"):
            names = sorted(a for (o, a) in ATTRIBUTES if o == base)
            return self.error(
                expr.pos, f"{base} has no attribute {expr.attr!r}", f"{base} has {', '.join(names)}"
            )
        return self.error(
            expr.pos,
            f"unsupported attribute {expr.attr!r}",
            "attributes are self.x, msg.x, block.x",
        )

    # -- operators -------------------------------------------------------------------------

    def _binop(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.BinOp)
        left, right = self.value(expr.left), self.value(expr.right)
        if ERROR in (left, right):
            return ERROR
        if expr.op == "+" and left == right == m.BYTES:
            return m.BYTES
        if left == right == m.INT:
            return m.INT
        return self.error(
            expr.pos,
            f"unsupported operand types for {expr.op}: {left} and {right}",
            "arithmetic works on ints; + also joins bytes",
        )

    def _unary(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.UnaryOp)
        want = m.BOOL if expr.op == "not" else m.INT
        self.expect(expr.operand, want, f"the operand of {expr.op!r}")
        return want

    def _boolop(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.BoolOp)
        for item in expr.values:
            self.expect(item, m.BOOL, f"an operand of {expr.op!r}")
        return m.BOOL

    def _compare(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.Compare)
        left, right = self.value(expr.left), self.value(expr.right)
        if ERROR in (left, right):
            return m.BOOL
        if expr.op in ORDER and not left == right == m.INT:
            return self.error(expr.pos, f"{expr.op} compares ints, got {left} and {right}", "")
        if left != right:
            self.error(
                expr.pos, f"cannot compare {left} with {right}", conversion_hint(right, left)
            )
        elif left.kind == "tuple":
            self.error(expr.pos, "tuples cannot be compared", "compare their items")
        return m.BOOL

    def _ifexp(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.IfExp)
        self.expect(expr.test, m.BOOL, "a condition")
        body, orelse = self.value(expr.body), self.value(expr.orelse)
        if not same(body, orelse):
            return self.error(
                expr.pos, f"both branches must have one type, got {body} and {orelse}"
            )
        return body if body != ERROR else orelse

    # -- subscripts, slices, tuples --------------------------------------------------------

    def _subscript(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.Subscript)
        base = self.expr(expr.obj)
        if base.kind == "map":
            self.map_key(expr.index, base)
            assert base.value is not None
            return base.value
        if base == m.BYTES:
            self.expect(expr.index, m.INT, "a bytes index")
            return m.INT
        if base.kind == "tuple":
            return self.tuple_item(expr, base)
        if base == ERROR:
            return ERROR
        return self.error(expr.pos, f"{base} cannot be indexed", "index Maps, bytes and tuples")

    def map_key(self, index: m.Expr, typ: m.Type) -> None:
        keys = typ.items
        if len(keys) == 1:
            self.expect(index, keys[0], "the map key")
            return
        want = m.Type("tuple", keys)
        if isinstance(index, m.TupleExpr) and len(index.items) == len(keys):
            for item, key in zip(index.items, keys, strict=True):
                self.expect(item, key, "a map key item")
            self.env.types[id(index)] = want
            return
        self.expect(index, want, "the map key")

    def tuple_item(self, expr: m.Subscript, base: m.Type) -> m.Type:
        index = expr.index
        if not (isinstance(index, m.Const) and type(index.value) is int):
            return self.error(index.pos, "a tuple index must be an int literal", "t[0]")
        self.expr(index)
        if not 0 <= index.value < len(base.items):
            return self.error(index.pos, f"tuple index {index.value} out of range for {base}")
        return base.items[index.value]

    def _slice(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.Slice)
        self.expect(expr.obj, m.BYTES, "a sliced value")
        for bound in (expr.lower, expr.upper):
            if bound is not None:
                self.expect(bound, m.INT, "a slice bound")
        return m.BYTES

    def _tuple(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.TupleExpr)
        items = tuple(self.value(item, "tuple item") for item in expr.items)
        if len(items) < 2:
            return self.error(expr.pos, "a tuple needs at least two items")
        for item, typ in zip(expr.items, items, strict=True):
            if typ.kind == "tuple":
                self.error(item.pos, "tuples cannot be nested", "flatten the items")
        return m.Type("tuple", items)

    def _call(self, expr: m.Expr) -> m.Type:
        assert isinstance(expr, m.Call)
        return check_call(self, expr)


def conversion_hint(got: m.Type, want: m.Type) -> str:
    if got == m.ADDRESS and want == m.BYTES:
        return "convert with bytes(address)"
    if got == m.BYTES and want == m.ADDRESS:
        return "convert with Address(data) (it must be 20 bytes)"
    if got == m.INT and want == m.BOOL:
        return "compare explicitly: x != 0"
    if got == m.BOOL and want == m.INT:
        return "use 1 if flag else 0"
    return ""


_RULES: dict[type, Callable[[ExprChecker, m.Expr], m.Type]] = {
    m.Const: ExprChecker._const,
    m.Name: ExprChecker._name,
    m.Attr: ExprChecker._attr,
    m.BinOp: ExprChecker._binop,
    m.UnaryOp: ExprChecker._unary,
    m.BoolOp: ExprChecker._boolop,
    m.Compare: ExprChecker._compare,
    m.IfExp: ExprChecker._ifexp,
    m.Subscript: ExprChecker._subscript,
    m.Slice: ExprChecker._slice,
    m.TupleExpr: ExprChecker._tuple,
    m.Call: ExprChecker._call,
}
