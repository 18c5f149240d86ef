"""Step 3: lower the checked contract to VM instructions (`lower_contract`).

Each method becomes one VM function of the same name (the constructor `__init__`, flagged
init); internal methods are plain functions reached by CALL. Public entry points first check
their Address (20 bytes) and bool (0 or 1) arguments. Helpers (helpers.py) are appended
when used. Function order: constructor, methods in source order, helpers by first use.
"""

from __future__ import annotations

from collections.abc import Callable

from vmchain.lang import model as m
from vmchain.lang.check import Checked, MethodInfo
from vmchain.lang.errors import Diagnostics
from vmchain.lang.fold import try_fold
from vmchain.lang.helpers import HELPERS
from vmchain.lang.ir import FnBuilder, FunctionIR
from vmchain.lang.lower_ctx import ZERO_ADDRESS, Ctx, vm_type
from vmchain.lang.lower_expr import BINOPS, expr, load, push_literal
from vmchain.lang.lower_storage import decode_value, encode_value, push_key, stored_literal
from vmchain.vm.module import FLAG_INIT, FLAG_PAYABLE, FLAG_PUBLIC, FLAG_VIEW
from vmchain.vm.values import ValueType

MAX_LOCALS = 64


def lower_contract(checked: Checked) -> tuple[FunctionIR, ...]:
    """The contract's functions, then the helpers it needs; CompileErrors past VM limits."""
    diag = Diagnostics(checked.source.path)
    helpers: list[str] = []
    ordered = sorted(checked.methods, key=lambda info: not info.method.is_init)
    functions = [_function(checked, info, helpers, diag) for info in ordered]
    done: list[str] = []
    while len(done) < len(helpers):  # helpers may use helpers
        name = helpers[len(done)]
        functions.append(HELPERS[name]())
        done.append(name)
    diag.raise_if_any()
    return tuple(functions)


def flags_of(method: m.Method) -> int:
    if method.is_init:
        return FLAG_INIT | (FLAG_PAYABLE if method.payable else 0)
    if not method.public:
        return 0
    return FLAG_PUBLIC | (FLAG_VIEW if method.view else 0) | (FLAG_PAYABLE if method.payable else 0)


def _function(
    checked: Checked, info: MethodInfo, helpers: list[str], diag: Diagnostics
) -> FunctionIR:
    method = info.method
    params = tuple(vm_type(p.type) for p in method.params)
    fb = FnBuilder(params)
    slots = {p.name: i for i, p in enumerate(method.params)}
    for name, typ in info.locals:
        slots[name] = fb.new_local(vm_type(typ))
    ctx = Ctx(checked.env, fb, slots, helpers)
    if method.public or method.is_init:
        _check_arguments(ctx, method)
    block(ctx, method.body)
    if not fb.terminated():
        fb.op("RET" if method.returns == m.NONE else "INVALID")
    count = len(params) + len(fb.local_types)
    if count > MAX_LOCALS:
        diag.error(
            method.pos,
            f"{method.name} needs {count} locals, the VM allows {MAX_LOCALS}",
            "split it into smaller methods",
        )
    results = () if method.returns == m.NONE else (vm_type(method.returns),)
    return FunctionIR(
        method.name, flags_of(method), params, results, tuple(fb.local_types), tuple(fb.code)
    )


def _check_arguments(ctx: Ctx, method: m.Method) -> None:
    for index, param in enumerate(method.params):
        if param.type == m.ADDRESS:
            ctx.fb.op("LGET", index)
            ctx.check_address(f"argument {param.name!r}")
            ctx.fb.op("POP")
        elif param.type == m.BOOL:
            ctx.fb.op("LGET", index)
            ctx.fb.op("PUSHI", -2)
            ctx.fb.op("AND")
            ctx.fb.op("LNOT")
            ctx.revert_unless(f"argument {param.name!r} must be a bool (0 or 1)")


def block(ctx: Ctx, body: tuple[m.Stmt, ...]) -> None:
    for stmt in body:
        _RULES[type(stmt)](ctx, stmt)


def _assign(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.Assign)
    if isinstance(stmt.target, m.Name):
        expr(ctx, stmt.value)
        ctx.fb.op("LSET", ctx.slots[stmt.target.id])
        return
    push_key(ctx, stmt.target, expr)
    folded = try_fold(stmt.value, ctx.env.constants)
    if folded is not None:
        ctx.fb.op("CONST", stored_literal(folded, ctx.type_of(stmt.target)))
    else:
        expr(ctx, stmt.value)
        encode_value(ctx, ctx.type_of(stmt.target))
    ctx.fb.op("SSTORE")


def _unpack(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.Unpack)
    fb = ctx.fb
    if isinstance(stmt.value, m.TupleExpr):  # a, b = b, a: all values first, then assign
        for value in stmt.value.items:
            expr(ctx, value)
        for target in reversed(stmt.targets):
            fb.op("LSET", ctx.slots[target.id])
        return
    typ = ctx.type_of(stmt.value)
    blob = fb.temp(ValueType.BYTES)
    expr(ctx, stmt.value)
    fb.op("LSET", blob)
    for index, (name, item) in enumerate(zip(stmt.targets, typ.items, strict=True)):
        fb.op("LGET", blob)
        ctx.tuple_item(index, item)
        fb.op("LSET", ctx.slots[name.id])
    fb.release(blob)


def _ann_assign(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.AnnAssign)
    if stmt.value is not None:
        expr(ctx, stmt.value)
    else:
        push_literal(
            ctx, ZERO_ADDRESS if stmt.type == m.ADDRESS else b"" if stmt.type == m.BYTES else 0
        )
    ctx.fb.op("LSET", ctx.slots[stmt.target.id])


def _aug_assign(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.AugAssign)
    fb = ctx.fb
    operator = m.BinOp(stmt.pos, stmt.op, stmt.target, stmt.value)
    ctx.env.types[id(operator)] = ctx.type_of(stmt.target)
    if isinstance(stmt.target, m.Name):
        expr(ctx, operator)
        fb.op("LSET", ctx.slots[stmt.target.id])
        return
    key = fb.temp(ValueType.BYTES)
    push_key(ctx, stmt.target, expr)
    fb.op("DUP")
    fb.op("LSET", key)
    fb.op("SLOAD")
    decode_value(ctx, ctx.type_of(stmt.target))
    expr(ctx, stmt.value)
    _apply(ctx, stmt.op, ctx.type_of(stmt.target))
    encode_value(ctx, ctx.type_of(stmt.target))
    fb.op("LGET", key)
    fb.op("SWAP")
    fb.op("SSTORE")
    fb.release(key)


def _apply(ctx: Ctx, op: str, typ: m.Type) -> None:
    if typ == m.BYTES:
        ctx.fb.op("CONCAT")
    elif op == "**":
        ctx.fb.op("CALL", ctx.need("__pow"))
    else:
        ctx.fb.op(BINOPS[op])


def _expr_stmt(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.ExprStmt)
    expr(ctx, stmt.value)
    if ctx.type_of(stmt.value) != m.NONE:
        ctx.fb.op("POP")


def _if(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.If)
    fb = ctx.fb
    folded = try_fold(stmt.test, ctx.env.constants)
    if folded is not None:
        block(ctx, stmt.body if folded else stmt.orelse)
        return
    orelse, end = fb.label(), fb.label()
    expr(ctx, stmt.test)
    fb.op("JZ", orelse if stmt.orelse else end)
    block(ctx, stmt.body)
    if stmt.orelse:
        if not fb.terminated():
            fb.op("JMP", end)
        fb.place(orelse)
        block(ctx, stmt.orelse)
    fb.place(end)


def _while(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.While)
    fb = ctx.fb
    top, end = fb.label(), fb.label()
    fb.place(top)
    if try_fold(stmt.test, ctx.env.constants) is not True:
        expr(ctx, stmt.test)
        fb.op("JZ", end)
    ctx.loops.append((top, end))
    block(ctx, stmt.body)
    ctx.loops.pop()
    fb.op("JMP", top)
    fb.place(end)


def _for(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.For)
    fb = ctx.fb
    var = ctx.slots[stmt.var.id]
    stop = fb.temp(ValueType.INT)
    top, step, end = fb.label(), fb.label(), fb.label()
    expr(ctx, stmt.start)
    fb.op("LSET", var)
    expr(ctx, stmt.stop)
    fb.op("LSET", stop)
    fb.place(top)
    fb.op("LGET", var)
    fb.op("LGET", stop)
    fb.op("LT" if stmt.step > 0 else "GT")
    fb.op("JZ", end)
    ctx.loops.append((step, end))
    block(ctx, stmt.body)
    ctx.loops.pop()
    fb.place(step)
    fb.op("LGET", var)
    fb.push_int(stmt.step)
    fb.op("ADD")
    fb.op("LSET", var)
    fb.op("JMP", top)
    fb.place(end)
    fb.release(stop)


def _return(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.Return)
    if stmt.value is not None:
        expr(ctx, stmt.value)
    ctx.fb.op("RET")


def _delete(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.Delete)
    push_key(ctx, stmt.target, expr)
    ctx.fb.op("SDEL")


def _jump(ctx: Ctx, stmt: m.Stmt) -> None:
    assert isinstance(stmt, m.Jump)
    if stmt.kind == "break":
        ctx.fb.op("JMP", ctx.loops[-1][1])
    elif stmt.kind == "continue":
        ctx.fb.op("JMP", ctx.loops[-1][0])


_RULES: dict[type, Callable[[Ctx, m.Stmt], None]] = {
    m.Assign: _assign,
    m.Unpack: _unpack,
    m.AnnAssign: _ann_assign,
    m.AugAssign: _aug_assign,
    m.ExprStmt: _expr_stmt,
    m.If: _if,
    m.While: _while,
    m.For: _for,
    m.Return: _return,
    m.Delete: _delete,
    m.Jump: _jump,
}

__all__ = ["block", "flags_of", "load", "lower_contract"]
