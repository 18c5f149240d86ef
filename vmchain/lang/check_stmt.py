"""Type checking of statements: locals, storage writes, control flow, returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vmchain.lang import model as m
from vmchain.lang.check_expr import ExprChecker
from vmchain.lang.scope import ERROR, Scope, article, same

RESERVED_NAMES = frozenset({"self", "msg", "block", "True", "False", "None"})


@dataclass
class StmtChecker:
    ex: ExprChecker

    @property
    def scope(self) -> Scope:
        return self.ex.scope

    def block(self, body: tuple[m.Stmt, ...]) -> None:
        for stmt in body:
            _RULES[type(stmt)](self, stmt)

    # -- assignment targets ----------------------------------------------------------------

    def bind(self, target: m.Name, typ: m.Type) -> None:
        """Assign a value of `typ` to a local, declaring it on first assignment."""
        name = target.id
        env = self.ex.env
        if (
            name in RESERVED_NAMES
            or name in env.constants
            or name in env.events
            or name in env.interfaces
        ):
            self.ex.error(target.pos, f"cannot assign to {name!r}", "pick another local name")
            return
        if name in self.scope.loop_vars:
            self.ex.error(
                target.pos, f"cannot assign to the loop variable {name!r}", "use another local"
            )
            return
        current = self.scope.locals.get(name)
        if current is None:
            self.scope.declare(name, typ)  # an ERROR type too: no cascade of unknown names
        elif not same(typ, current):
            self.ex.error(
                target.pos, f"local {name!r} is {current}, cannot assign {typ}", "use a new name"
            )
        self.ex.env.types[id(target)] = current or typ

    def store(self, target: m.Expr, what: str) -> m.Type:
        """The type a storage target (self.field or a map entry) holds; records the write."""
        typ = self.ex.expr(target)
        if typ.kind == "map":
            return self.ex.error(target.pos, f"cannot {what} a whole Map", "index it: self.m[key]")
        root = target
        while isinstance(root, m.Subscript):
            root = root.obj
        is_storage = (
            isinstance(root, m.Attr) and isinstance(root.obj, m.Name) and root.obj.id == "self"
        )
        if not is_storage or (isinstance(root, m.Attr) and root.attr not in self.ex.env.fields):
            if typ != ERROR:
                self.ex.error(
                    target.pos, f"cannot {what} this", "targets are locals, self.field, self.m[key]"
                )
            return ERROR
        if target is not root and not _is_map_entry(target, self.ex):
            return self.ex.error(target.pos, f"cannot {what} part of a value", "")
        self.scope.effects.append((target.pos, "writes storage"))
        return typ

    # -- statements ------------------------------------------------------------------------

    def _assign(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.Assign)
        value = self.ex.value(stmt.value)
        if isinstance(stmt.target, m.Name):
            self.bind(stmt.target, value)
            return
        want = self.store(stmt.target, "assign to")
        if not same(value, want):
            self.ex.error(stmt.value.pos, f"cannot store {value} in {article(want)} field", "")

    def _unpack(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.Unpack)
        value = self.ex.value(stmt.value)
        if value == ERROR:
            return
        if value.kind != "tuple" or len(value.items) != len(stmt.targets):
            self.ex.error(stmt.pos, f"cannot unpack {value} into {len(stmt.targets)} names")
            return
        for target, typ in zip(stmt.targets, value.items, strict=True):
            self.bind(target, typ)

    def _ann_assign(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.AnnAssign)
        if not stmt.type.is_value:
            self.ex.error(
                stmt.pos,
                f"a local cannot be a {stmt.type}",
                "locals are int, bool, bytes, Address or tuples",
            )
            return
        if stmt.target.id in self.scope.locals:
            self.ex.error(stmt.target.pos, f"local {stmt.target.id!r} is already declared")
            return
        if stmt.value is not None:
            self.ex.expect(stmt.value, stmt.type, f"the value of {stmt.target.id}")
        elif stmt.type.kind == "tuple":
            self.ex.error(stmt.pos, "a tuple local needs a value", "x: tuple[int, int] = (0, 0)")
        self.bind(stmt.target, stmt.type)

    def _aug_assign(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.AugAssign)
        if isinstance(stmt.target, m.Name):
            current = self.ex.value(stmt.target)
        else:
            current = self.store(stmt.target, "update")
        value = self.ex.value(stmt.value)
        if ERROR in (current, value):
            return
        ok = current == value == m.INT or (stmt.op == "+" and current == value == m.BYTES)
        if not ok:
            self.ex.error(
                stmt.pos, f"unsupported operand types for {stmt.op}=: {current} and {value}"
            )

    def _expr_stmt(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.ExprStmt)
        if not isinstance(stmt.value, m.Call):
            self.ex.error(stmt.pos, "this expression does nothing", "assign it or remove it")
        self.ex.expr(stmt.value)

    def _if(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.If)
        self.ex.expect(stmt.test, m.BOOL, "a condition")
        self.block(stmt.body)
        self.block(stmt.orelse)

    def _while(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.While)
        self.ex.expect(stmt.test, m.BOOL, "a condition")
        self.loop(stmt.body)

    def _for(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.For)
        self.ex.expect(stmt.start, m.INT, "the start of range()")
        self.ex.expect(stmt.stop, m.INT, "the end of range()")
        self.bind(stmt.var, m.INT)
        self.scope.loop_vars.append(stmt.var.id)
        self.loop(stmt.body)
        self.scope.loop_vars.pop()

    def loop(self, body: tuple[m.Stmt, ...]) -> None:
        self.scope.loop_depth += 1
        self.block(body)
        self.scope.loop_depth -= 1

    def _return(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.Return)
        want = self.scope.method.returns
        if stmt.value is None:
            if want != m.NONE:
                self.ex.error(stmt.pos, f"return needs {article(want)} value")
            return
        if want == m.NONE:
            self.ex.error(
                stmt.pos,
                f"{self.scope.method.name} returns nothing",
                "declare a return type: -> int",
            )
            self.ex.expr(stmt.value)
            return
        self.ex.expect(stmt.value, want, "the return value")

    def _delete(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.Delete)
        if not isinstance(stmt.target, m.Subscript) or not _is_map_entry(
            stmt.target, self.ex, typed=False
        ):
            self.ex.error(stmt.pos, "only map entries can be deleted", "del self.m[key]")
            return
        self.store(stmt.target, "delete")

    def _jump(self, stmt: m.Stmt) -> None:
        assert isinstance(stmt, m.Jump)
        if stmt.kind != "pass" and self.scope.loop_depth == 0:
            self.ex.error(stmt.pos, f"{stmt.kind} outside a loop")


def _is_map_entry(target: m.Expr, ex: ExprChecker, typed: bool = True) -> bool:
    """Whether target is self.field[k]... with every level a Map."""
    node = target
    while isinstance(node, m.Subscript):
        node = node.obj
        if typed and ex.env.types.get(id(node), ERROR).kind not in ("map", "error"):
            return False
    return isinstance(node, m.Attr)


_RULES: dict[type, Callable[[StmtChecker, m.Stmt], None]] = {
    m.Assign: StmtChecker._assign,
    m.Unpack: StmtChecker._unpack,
    m.AnnAssign: StmtChecker._ann_assign,
    m.AugAssign: StmtChecker._aug_assign,
    m.ExprStmt: StmtChecker._expr_stmt,
    m.If: StmtChecker._if,
    m.While: StmtChecker._while,
    m.For: StmtChecker._for,
    m.Return: StmtChecker._return,
    m.Delete: StmtChecker._delete,
    m.Jump: StmtChecker._jump,
}
