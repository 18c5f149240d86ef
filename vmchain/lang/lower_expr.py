"""Lowering expressions: each leaves exactly one value on the operand stack (calls to
functions that return nothing leave none). Literal subexpressions are folded first."""

from __future__ import annotations

from collections.abc import Callable

from vmchain.lang import model as m
from vmchain.lang.builtins import ATTRIBUTES, BUILTINS
from vmchain.lang.check_call import event_field_order
from vmchain.lang.fold import try_fold
from vmchain.lang.lower_ctx import Ctx, vm_type
from vmchain.lang.lower_storage import decode_value, push_key
from vmchain.vm.module import selector
from vmchain.vm.values import ValueType

BINOPS = {
    "+": "ADD",
    "-": "SUB",
    "*": "MUL",
    "//": "DIV",
    "%": "MOD",
    "&": "AND",
    "|": "OR",
    "^": "XOR",
    "<<": "SHL",
    ">>": "SHR",
}
COMPARES = {"<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "==": "EQ", "!=": "NE"}


def push_literal(ctx: Ctx, value: int | bool | bytes) -> None:
    if isinstance(value, bytes):
        ctx.fb.op("CONST", value)
    else:
        ctx.fb.push_int(int(value))


def expr(ctx: Ctx, node: m.Expr) -> None:
    folded = try_fold(node, ctx.env.constants)
    if folded is not None:
        push_literal(ctx, folded)
        return
    _RULES[type(node)](ctx, node)


def _name(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.Name)
    ctx.fb.op("LGET", ctx.slots[node.id])


def _attr(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.Attr)
    if isinstance(node.obj, m.Name) and (node.obj.id, node.attr) in ATTRIBUTES:
        ctx.fb.ops(*ATTRIBUTES[(node.obj.id, node.attr)][1])
        return
    load(ctx, node)


def load(ctx: Ctx, target: m.Expr) -> None:
    """Read a storage field or map entry."""
    push_key(ctx, target, expr)
    ctx.fb.op("SLOAD")
    decode_value(ctx, ctx.type_of(target))


def _binop(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.BinOp)
    expr(ctx, node.left)
    expr(ctx, node.right)
    if ctx.type_of(node) == m.BYTES:
        ctx.fb.op("CONCAT")
    elif node.op == "**":
        ctx.fb.op("CALL", ctx.need("__pow"))
    else:
        ctx.fb.op(BINOPS[node.op])


def _unary(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.UnaryOp)
    expr(ctx, node.operand)
    if node.op == "-":
        ctx.fb.op("NEG")
    elif node.op == "not":
        ctx.fb.op("LNOT")
    elif node.op == "~":
        ctx.fb.op("PUSHI", -1)
        ctx.fb.op("XOR")


def _boolop(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.BoolOp)
    end = ctx.fb.label()
    jump = "JZ" if node.op == "and" else "JNZ"
    for item in node.values[:-1]:
        expr(ctx, item)
        ctx.fb.op("DUP")
        ctx.fb.op(jump, end)
        ctx.fb.op("POP")
    expr(ctx, node.values[-1])
    ctx.fb.place(end)


def _compare(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.Compare)
    expr(ctx, node.left)
    expr(ctx, node.right)
    ctx.fb.op(COMPARES[node.op])


def _ifexp(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.IfExp)
    orelse, end = ctx.fb.label(), ctx.fb.label()
    expr(ctx, node.test)
    ctx.fb.op("JZ", orelse)
    expr(ctx, node.body)
    ctx.fb.op("JMP", end)
    ctx.fb.place(orelse)
    expr(ctx, node.orelse)
    ctx.fb.place(end)


def _subscript(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.Subscript)
    base = ctx.type_of(node.obj)
    if base.kind == "map":
        load(ctx, node)
    elif base.kind == "tuple":
        expr(ctx, node.obj)
        assert isinstance(node.index, m.Const) and type(node.index.value) is int
        ctx.tuple_item(node.index.value, base.items[node.index.value])
    else:
        _byte_at(ctx, node)


def _byte_at(ctx: Ctx, node: m.Subscript) -> None:
    """data[i]: the byte as an int 0..255 (out of range traps OUT_OF_BOUNDS)."""
    fb = ctx.fb
    index = fb.temp(ValueType.INT)
    fb.op("CONST", b"\x00")
    expr(ctx, node.obj)
    expr(ctx, node.index)
    fb.op("DUP")
    fb.op("LSET", index)
    fb.op("LGET", index)
    fb.op("PUSHI", 1)
    fb.op("ADD")
    fb.op("SLICE")
    fb.op("CONCAT")
    fb.op("BTOI")
    fb.release(index)


def _slice(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.Slice)
    fb = ctx.fb
    data = fb.temp(ValueType.BYTES)
    expr(ctx, node.obj)
    fb.op("DUP")
    fb.op("LSET", data)
    if node.lower is None:
        fb.op("PUSHI", 0)
    else:
        expr(ctx, node.lower)
    if node.upper is None:
        fb.op("LGET", data)
        fb.op("LEN")
    else:
        expr(ctx, node.upper)
    fb.op("SLICE")
    fb.release(data)


def _tuple(ctx: Ctx, node: m.Expr) -> None:
    """A tuple value is the ABI encoding of its items (one bytes value)."""
    assert isinstance(node, m.TupleExpr)
    for index, item in enumerate(node.items):
        expr(ctx, item)
        helper = "__abi_int" if vm_type(ctx.type_of(item)) is ValueType.INT else "__abi_bytes"
        ctx.fb.op("CALL", ctx.need(helper))
        if index:
            ctx.fb.op("CONCAT")


# -- calls ---------------------------------------------------------------------------------


def _call(ctx: Ctx, node: m.Expr) -> None:
    assert isinstance(node, m.Call)
    func = node.func
    if isinstance(func, m.Name):
        _builtin(ctx, node, func.id)
    elif isinstance(func, m.Attr) and isinstance(func.obj, m.Name) and func.obj.id == "self":
        for arg in node.args:
            expr(ctx, arg)
        ctx.fb.op("CALL", func.attr)
    elif isinstance(func, m.Attr) and func.attr == "to_bytes":
        _to_bytes(ctx, node, func.obj)
    else:
        assert isinstance(func, m.Attr) and isinstance(func.obj, m.Call)
        external_call(ctx, node, func.obj, func.attr)


def _builtin(ctx: Ctx, node: m.Call, name: str) -> None:
    special = _SPECIAL.get(name)
    if special is not None:
        special(ctx, node)
        return
    for arg in node.args:
        expr(ctx, arg)
    ctx.fb.ops(*BUILTINS[name].ops)


def _require(ctx: Ctx, node: m.Call) -> None:
    message = node.args[1] if len(node.args) > 1 else None
    text = message.value if isinstance(message, m.Const) else "requirement failed"
    assert isinstance(text, str | bytes)
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    condition = try_fold(node.args[0], ctx.env.constants)
    if condition is True:
        return
    if condition is None:
        ok = ctx.fb.label()
        expr(ctx, node.args[0])
        ctx.fb.op("JNZ", ok)
        ctx.fb.op("CONST", raw)
        ctx.fb.op("REVERT")
        ctx.fb.place(ok)
        return
    ctx.fb.op("CONST", raw)
    ctx.fb.op("REVERT")


def _emit(ctx: Ctx, node: m.Call) -> None:
    event = node.args[0]
    assert isinstance(event, m.Call) and isinstance(event.func, m.Name)
    decl = ctx.env.events[event.func.id]
    ctx.fb.op("CONST", decl.name.encode("ascii"))
    for value in event_field_order(event, decl):
        assert value is not None
        expr(ctx, value)
    ctx.fb.op("EMIT", len(decl.fields))


def _min_max(ctx: Ctx, node: m.Call) -> None:
    fb = ctx.fb
    assert isinstance(node.func, m.Name)
    first, second = fb.temp(ValueType.INT), fb.temp(ValueType.INT)
    other, end = fb.label(), fb.label()
    expr(ctx, node.args[0])
    fb.op("LSET", first)
    expr(ctx, node.args[1])
    fb.op("LSET", second)
    fb.op("LGET", first)
    fb.op("LGET", second)
    fb.op("LE" if node.func.id == "min" else "GE")
    fb.op("JZ", other)
    fb.op("LGET", first)
    fb.op("JMP", end)
    fb.place(other)
    fb.op("LGET", second)
    fb.place(end)
    fb.release(first)
    fb.release(second)


def _address(ctx: Ctx, node: m.Call) -> None:
    expr(ctx, node.args[0])
    ctx.check_address("Address(...)")


def _to_bytes(ctx: Ctx, node: m.Call, value: m.Expr) -> None:
    fb = ctx.fb
    size = node.args[0]
    assert isinstance(size, m.Const) and isinstance(size.value, int)
    count = size.value
    held = fb.temp(ValueType.INT)
    expr(ctx, value)
    fb.op("DUP")
    fb.op("LSET", held)
    fb.op("PUSHI", 0)
    fb.op("GE")
    if count < 32:
        fb.op("LGET", held)
        fb.push_int(256**count)
        fb.op("LT")
        fb.op("AND")
    ctx.revert_unless(f"to_bytes: the value does not fit in {count} unsigned bytes")
    fb.op("LGET", held)
    fb.op("ITOB")
    if count < 32:
        fb.op("PUSHI", 32 - count)
        fb.op("PUSHI", 32)
        fb.op("SLICE")
    fb.release(held)


def external_call(ctx: Ctx, node: m.Call, target: m.Call, name: str) -> None:
    """I(addr, value=v).name(args): XCALL; a failed callee reverts this call with its message."""
    fb = ctx.fb
    assert isinstance(target.func, m.Name)
    iface = ctx.env.interfaces[target.func.id]
    method = next(f for f in iface.methods if f.name == name)
    expr(ctx, target.args[0])
    fb.op("CONST", selector(name))
    value = next((kw.value for kw in target.keywords if kw.name == "value"), None)
    if value is None:
        fb.op("PUSHI", 0)
    else:
        expr(ctx, value)
    for arg in node.args:
        expr(ctx, arg)
    fb.op("XCALL", len(node.args))
    data = fb.temp(ValueType.BYTES)
    fb.op("LSET", data)
    ok = fb.label()
    fb.op("JNZ", ok)
    fb.op("LGET", data)
    fb.op("REVERT")
    fb.place(ok)
    if method.returns != m.NONE:
        fb.op("LGET", data)
        ctx.tuple_item(0, method.returns if method.returns.kind != "tuple" else m.BYTES)
    fb.release(data)


_SPECIAL: dict[str, Callable[[Ctx, m.Call], None]] = {
    "require": _require,
    "emit": _emit,
    "min": _min_max,
    "max": _min_max,
    "Address": _address,
}

_RULES: dict[type, Callable[[Ctx, m.Expr], None]] = {
    m.Name: _name,
    m.Attr: _attr,
    m.BinOp: _binop,
    m.UnaryOp: _unary,
    m.BoolOp: _boolop,
    m.Compare: _compare,
    m.IfExp: _ifexp,
    m.Subscript: _subscript,
    m.Slice: _slice,
    m.TupleExpr: _tuple,
    m.Call: _call,
}
