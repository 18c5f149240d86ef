"""Method bodies: Python `ast` statements and expressions to model nodes, whitelisted.

Every node without a rule here is reported with the message and hint of whitelist.py and
parsing goes on (a placeholder takes its place), so all problems of a file are found at once.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from vmchain.lang import model as m
from vmchain.lang.errors import Diagnostics
from vmchain.lang.parse_types import parse_type, pos_of
from vmchain.lang.whitelist import (
    COMPARISONS,
    FLOAT_HINT,
    OPERATORS,
    REJECTED,
    REJECTED_COMPARISONS,
    REJECTED_OPERATORS,
    UNARY,
)


@dataclass
class BodyParser:
    """Converts one method body; reports into `diag`."""

    diag: Diagnostics

    def reject(self, node: ast.AST, message: str = "", hint: str = "") -> None:
        if not message:
            name = type(node).__name__
            message, hint = REJECTED.get(type(node), (f"{name} is not supported", ""))
        self.diag.error(pos_of(node), message, hint)

    # -- statements ------------------------------------------------------------------------

    def block(self, nodes: list[ast.stmt]) -> tuple[m.Stmt, ...]:
        out: list[m.Stmt] = []
        for node in nodes:
            stmt = self.stmt(node)
            if stmt is not None:
                out.append(stmt)
        return tuple(out)

    def stmt(self, node: ast.stmt) -> m.Stmt | None:
        rule = _STMT_RULES.get(type(node))
        if rule is None:
            self.reject(node)
            return None
        return rule(self, node)

    def _assign(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.Assign)
        pos = pos_of(node)
        if len(node.targets) != 1:
            self.reject(node, "chained assignment is not supported", "assign one target a line")
            return None
        target, value = node.targets[0], self.expr(node.value)
        if isinstance(target, ast.Tuple):
            names = [t for t in target.elts if isinstance(t, ast.Name)]
            if len(names) != len(target.elts):
                self.reject(target, "only names can be unpacked into", "a, b = self.pair()")
                return None
            return m.Unpack(pos, tuple(m.Name(pos_of(n), n.id) for n in names), value)
        return m.Assign(pos, self.target(target), value)

    def target(self, node: ast.expr) -> m.Expr:
        if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
                self.reject(node, "cannot assign to a slice", "build new bytes with + instead")
            return self.expr(node)
        self.reject(node, f"cannot assign to {type(node).__name__}", "assign to a name or field")
        return m.Name(pos_of(node), "_")

    def _ann_assign(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.AnnAssign)
        if not isinstance(node.target, ast.Name):
            self.reject(node, "only local variables can be declared with a type", "x: int = 0")
            return None
        typ = parse_type(self.diag, node.annotation)
        value = None if node.value is None else self.expr(node.value)
        return m.AnnAssign(pos_of(node), m.Name(pos_of(node.target), node.target.id), typ, value)

    def _aug_assign(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.AugAssign)
        op = self.operator(node, node.op)
        return m.AugAssign(pos_of(node), self.target(node.target), op, self.expr(node.value))

    def _expr_stmt(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.Expr)
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None  # a docstring or a comment string
        return m.ExprStmt(pos_of(node), self.expr(node.value))

    def _if(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.If)
        return m.If(
            pos_of(node), self.expr(node.test), self.block(node.body), self.block(node.orelse)
        )

    def _while(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.While)
        if node.orelse:
            self.reject(node.orelse[0], "loop else clauses are not supported", "use a flag")
        return m.While(pos_of(node), self.expr(node.test), self.block(node.body))

    def _for(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.For)
        hint = "loop over an index: for i in range(n)"
        if node.orelse:
            self.reject(node.orelse[0], "loop else clauses are not supported", "use a flag")
        call = node.iter
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "range"
            and 1 <= len(call.args) <= 3
            and not call.keywords
        ):
            self.reject(node.iter, "for loops only iterate over range(...)", hint)
            return None
        if not isinstance(node.target, ast.Name):
            self.reject(node.target, "the loop variable must be a plain name", hint)
            return None
        args = [self.expr(a) for a in call.args]
        start, stop = (m.Const(pos_of(call), 0), args[0]) if len(args) == 1 else (args[0], args[1])
        step = 1
        if len(args) == 3:
            folded = _literal_int(call.args[2])
            if folded is None or folded == 0:
                self.reject(call.args[2], "range's step must be a non-zero integer literal", hint)
            else:
                step = folded
        var = m.Name(pos_of(node.target), node.target.id)
        return m.For(pos_of(node), var, start, stop, step, self.block(node.body))

    def _return(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.Return)
        value = None if node.value is None else self.expr(node.value)
        return m.Return(pos_of(node), value)

    def _delete(self, node: ast.stmt) -> m.Stmt | None:
        assert isinstance(node, ast.Delete)
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Subscript):
            self.reject(node)
            return None
        return m.Delete(pos_of(node), self.expr(node.targets[0]))

    def _jump(self, node: ast.stmt) -> m.Stmt | None:
        kind = {ast.Break: "break", ast.Continue: "continue", ast.Pass: "pass"}[type(node)]
        return m.Jump(pos_of(node), kind)

    # -- expressions -----------------------------------------------------------------------

    def expr(self, node: ast.expr) -> m.Expr:
        rule = _EXPR_RULES.get(type(node))
        if rule is None:
            self.reject(node)
            return m.Const(pos_of(node), 0)
        return rule(self, node)

    def operator(self, node: ast.AST, op: ast.operator) -> str:
        found = OPERATORS.get(type(op))
        if found is None:
            message, hint = REJECTED_OPERATORS.get(type(op), ("unsupported operator", ""))
            self.reject(node, message, hint)
            return "+"
        return found

    def _name(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.Name)
        return m.Name(pos_of(node), node.id)

    def _constant(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.Constant)
        value = node.value
        if isinstance(value, bool | int | bytes | str):
            return m.Const(pos_of(node), value)
        if isinstance(value, float):
            self.reject(node, "floats are not supported", FLOAT_HINT)
        elif isinstance(value, complex):
            self.reject(node, "complex numbers are not supported", FLOAT_HINT)
        elif value is None:
            self.reject(node, "None is not a value", "to return nothing, write `return`")
        else:
            self.reject(node, "... is allowed only as the body of an interface method", "")
        return m.Const(pos_of(node), 0)

    def _attribute(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.Attribute)
        return m.Attr(pos_of(node), self.expr(node.value), node.attr)

    def _call(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.Call)
        keywords: list[m.Keyword] = []
        for kw in node.keywords:
            if kw.arg is None:
                self.reject(kw.value, "** arguments are not supported", "pass each value by name")
                continue
            keywords.append(m.Keyword(pos_of(kw.value), kw.arg, self.expr(kw.value)))
        args = tuple(self.expr(a) for a in node.args)
        return m.Call(pos_of(node), self.expr(node.func), args, tuple(keywords))

    def _binop(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.BinOp)
        op = self.operator(node, node.op)
        return m.BinOp(pos_of(node), op, self.expr(node.left), self.expr(node.right))

    def _unary(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.UnaryOp)
        return m.UnaryOp(pos_of(node), UNARY[type(node.op)], self.expr(node.operand))

    def _boolop(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.BoolOp)
        op = "and" if isinstance(node.op, ast.And) else "or"
        return m.BoolOp(pos_of(node), op, tuple(self.expr(v) for v in node.values))

    def _compare(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.Compare)
        if len(node.ops) != 1:
            self.reject(node, "chained comparisons are not supported", "write a < b and b < c")
        op_node = node.ops[0]
        op = COMPARISONS.get(type(op_node))
        if op is None:
            message, hint = REJECTED_COMPARISONS[type(op_node)]
            self.reject(node, message, hint)
            op = "=="
        return m.Compare(pos_of(node), op, self.expr(node.left), self.expr(node.comparators[0]))

    def _subscript(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.Subscript)
        obj = self.expr(node.value)
        index = node.slice
        if isinstance(index, ast.Slice):
            if index.step is not None:
                self.reject(index.step, "slices cannot have a step", "b[start:stop]")
            lower = None if index.lower is None else self.expr(index.lower)
            upper = None if index.upper is None else self.expr(index.upper)
            return m.Slice(pos_of(node), obj, lower, upper)
        return m.Subscript(pos_of(node), obj, self.expr(index))

    def _tuple(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.Tuple)
        return m.TupleExpr(pos_of(node), tuple(self.expr(e) for e in node.elts))

    def _ifexp(self, node: ast.expr) -> m.Expr:
        assert isinstance(node, ast.IfExp)
        test, body, orelse = self.expr(node.test), self.expr(node.body), self.expr(node.orelse)
        return m.IfExp(pos_of(node), test, body, orelse)


def _literal_int(node: ast.expr) -> int | None:
    """An int literal, possibly negated (for range steps)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal_int(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


_STMT_RULES: dict[type[ast.AST], Callable[[BodyParser, ast.stmt], m.Stmt | None]] = {
    ast.Assign: BodyParser._assign,
    ast.AnnAssign: BodyParser._ann_assign,
    ast.AugAssign: BodyParser._aug_assign,
    ast.Expr: BodyParser._expr_stmt,
    ast.If: BodyParser._if,
    ast.While: BodyParser._while,
    ast.For: BodyParser._for,
    ast.Return: BodyParser._return,
    ast.Delete: BodyParser._delete,
    ast.Break: BodyParser._jump,
    ast.Continue: BodyParser._jump,
    ast.Pass: BodyParser._jump,
}
_EXPR_RULES: dict[type[ast.AST], Callable[[BodyParser, ast.expr], m.Expr]] = {
    ast.Name: BodyParser._name,
    ast.Constant: BodyParser._constant,
    ast.Attribute: BodyParser._attribute,
    ast.Call: BodyParser._call,
    ast.BinOp: BodyParser._binop,
    ast.UnaryOp: BodyParser._unary,
    ast.BoolOp: BodyParser._boolop,
    ast.Compare: BodyParser._compare,
    ast.Subscript: BodyParser._subscript,
    ast.Tuple: BodyParser._tuple,
    ast.IfExp: BodyParser._ifexp,
}
