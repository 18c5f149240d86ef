"""Type checking of calls: builtins, internal methods, other contracts, events, to_bytes.

Called by `ExprChecker` for every `Call`; records what a view may not do (storage writes,
events, transfers, non-view calls) and internal calls (for the recursion check).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vmchain.lang import model as m
from vmchain.lang.builtins import BUILTINS, IMPORTED
from vmchain.lang.scope import ERROR

if TYPE_CHECKING:
    from vmchain.lang.check_expr import ExprChecker

MAX_TO_BYTES = 32


def check_call(ck: ExprChecker, call: m.Call) -> m.Type:
    func = call.func
    if isinstance(func, m.Name):
        return _named_call(ck, call, func.id)
    if isinstance(func, m.Attr):
        obj = func.obj
        if isinstance(obj, m.Name) and obj.id == "self":
            return _internal(ck, call, func.attr)
        if (
            isinstance(obj, m.Call)
            and isinstance(obj.func, m.Name)
            and obj.func.id in ck.env.interfaces
        ):
            return _external(ck, call, obj, func.attr)
        if func.attr == "to_bytes":
            return _to_bytes(ck, call, obj)
    return ck.error(
        call.pos, "this cannot be called", "call builtins, self.method(...) or I(addr).f(...)"
    )


def _no_keywords(ck: ExprChecker, call: m.Call, what: str) -> None:
    for kw in call.keywords:
        ck.error(kw.pos, f"{what} takes no keyword arguments", "pass arguments by position")


def _arguments(ck: ExprChecker, call: m.Call, params: tuple[m.Type, ...], what: str) -> None:
    _no_keywords(ck, call, what)
    if len(call.args) != len(params):
        ck.error(call.pos, f"{what} takes {len(params)} arguments, got {len(call.args)}")
        for arg in call.args:
            ck.expr(arg)
        return
    for index, (arg, want) in enumerate(zip(call.args, params, strict=True)):
        ck.expect(arg, want, f"argument {index + 1} of {what}")


def _named_call(ck: ExprChecker, call: m.Call, name: str) -> m.Type:
    env = ck.env
    if name in BUILTINS and (name not in IMPORTED or name in env.imports):
        rule = _SPECIAL.get(name)
        if rule is not None:
            return rule(ck, call)
        builtin = BUILTINS[name]
        _arguments(ck, call, builtin.params, f"{name}()")
        if builtin.effect:
            ck.scope.effects.append((call.pos, builtin.effect))
        return builtin.result
    if name in env.events:
        return ck.error(
            call.pos, f"event {name} can only be built inside emit(...)", f"emit({name}(...))"
        )
    if name in env.interfaces:
        return ck.error(
            call.pos, f"{name}(address) is called through a method", f"{name}(addr).method(...)"
        )
    if name == "range":
        return ck.error(call.pos, "range(...) is allowed only in a for loop", "for i in range(n):")
    for arg in call.args:
        ck.expr(arg)
    return ck.unknown(call.func.pos, name)


def _require(ck: ExprChecker, call: m.Call) -> m.Type:
    _no_keywords(ck, call, "require()")
    if not 1 <= len(call.args) <= 2:
        return ck.error(call.pos, "require takes a condition and a message", 'require(ok, "why")')
    ck.expect(call.args[0], m.BOOL, "the condition of require()")
    if len(call.args) == 2:
        message = call.args[1]
        if not (isinstance(message, m.Const) and isinstance(message.value, str | bytes)):
            ck.error(
                message.pos,
                "the message of require() must be a string literal",
                'require(ok, "why")',
            )
    return m.NONE


def _emit(ck: ExprChecker, call: m.Call) -> m.Type:
    _no_keywords(ck, call, "emit()")
    event = call.args[0] if len(call.args) == 1 else None
    name = event.func.id if isinstance(event, m.Call) and isinstance(event.func, m.Name) else ""
    decl = ck.env.events.get(name)
    if event is None or decl is None:
        return ck.error(
            call.pos, "emit takes one event: emit(Name(...))", "declare class Name(Event)"
        )
    assert isinstance(event, m.Call)
    ck.scope.effects.append((call.pos, "emits an event"))
    _event_fields(ck, event, decl)
    ck.env.types[id(event)] = m.NONE
    return m.NONE


def event_field_order(event: m.Call, decl: m.EventDecl) -> list[m.Expr | None]:
    """The event's field expressions in declaration order (positional, then by keyword)."""
    values: list[m.Expr | None] = [*event.args[: len(decl.fields)]]
    values += [None] * (len(decl.fields) - len(values))
    names = [f.name for f in decl.fields]
    for kw in event.keywords:
        if kw.name in names:
            values[names.index(kw.name)] = kw.value
    return values


def _event_fields(ck: ExprChecker, event: m.Call, decl: m.EventDecl) -> None:
    names = [f.name for f in decl.fields]
    if len(event.args) > len(names):
        ck.error(event.pos, f"{decl.name} has {len(names)} fields, got {len(event.args)} values")
    for kw in event.keywords:
        if kw.name not in names:
            ck.error(
                kw.pos, f"{decl.name} has no field {kw.name!r}", f"its fields: {', '.join(names)}"
            )
        elif names.index(kw.name) < len(event.args):
            ck.error(kw.pos, f"field {kw.name!r} of {decl.name} is given twice")
    for fld, value in zip(decl.fields, event_field_order(event, decl), strict=True):
        if value is None:
            ck.error(event.pos, f"field {fld.name!r} of {decl.name} is missing", "give every field")
        else:
            ck.expect(value, fld.type, f"field {fld.name!r} of {decl.name}")


def _min_max(ck: ExprChecker, call: m.Call) -> m.Type:
    name = call.func.id if isinstance(call.func, m.Name) else "min"
    _arguments(ck, call, (m.INT, m.INT), f"{name}()")
    return m.INT


def _address(ck: ExprChecker, call: m.Call) -> m.Type:
    _arguments(ck, call, (m.BYTES,), "Address()")
    return m.ADDRESS


def _internal(ck: ExprChecker, call: m.Call, name: str) -> m.Type:
    method = ck.env.methods.get(name)
    if method is None or method.is_init:
        for arg in call.args:
            ck.expr(arg)
        what = (
            "the constructor cannot be called" if method else f"the contract has no method {name!r}"
        )
        return ck.error(call.pos, what, "")
    ck.scope.calls.append((call.pos, name))
    _arguments(ck, call, tuple(p.type for p in method.params), f"{name}()")
    return method.returns


def _external(ck: ExprChecker, call: m.Call, target: m.Call, name: str) -> m.Type:
    assert isinstance(target.func, m.Name)
    iface = ck.env.interfaces[target.func.id]
    if len(target.args) != 1:
        ck.error(
            target.pos, f"{iface.name}(...) takes the contract's address", f"{iface.name}(addr)"
        )
    for arg in target.args[:1]:
        ck.expect(arg, m.ADDRESS, f"the address of {iface.name}")
    value = None
    for kw in target.keywords:
        if kw.name != "value":
            ck.error(
                kw.pos, f"{iface.name}(...) takes only value=", f"{iface.name}(addr, value=amount)"
            )
        else:
            value = kw.value
            ck.expect(kw.value, m.INT, "the value sent")
    ck.env.types[id(target)] = ERROR
    method = next((f for f in iface.methods if f.name == name), None)
    if method is None:
        return ck.error(call.pos, f"interface {iface.name} has no method {name!r}")
    if value is not None and not method.payable:
        ck.error(
            call.pos,
            f"{iface.name}.{name} is not payable: it cannot receive value",
            "mark it @payable",
        )
    if value is not None:
        ck.scope.effects.append((call.pos, "sends value"))
    if not method.view:
        ck.scope.effects.append((call.pos, f"calls {iface.name}.{name}, which is not a view"))
    _arguments(ck, call, tuple(p.type for p in method.params), f"{iface.name}.{name}()")
    return method.returns


def _to_bytes(ck: ExprChecker, call: m.Call, obj: m.Expr) -> m.Type:
    ck.expect(obj, m.INT, "the value of to_bytes")
    _no_keywords(ck, call, "to_bytes()")
    size = call.args[0] if call.args else None
    order = call.args[1] if len(call.args) > 1 else None
    if not (
        isinstance(size, m.Const) and type(size.value) is int and 1 <= size.value <= MAX_TO_BYTES
    ):
        return ck.error(call.pos, "to_bytes takes a literal size 1..32", 'n.to_bytes(32, "big")')
    if len(call.args) != 2 or not (isinstance(order, m.Const) and order.value == "big"):
        return ck.error(call.pos, 'to_bytes needs the byte order "big"', 'n.to_bytes(32, "big")')
    return m.BYTES


_SPECIAL = {
    "require": _require,
    "emit": _emit,
    "min": _min_max,
    "max": _min_max,
    "Address": _address,
}
