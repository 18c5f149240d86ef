"""Step 2: check the model (`check_source`): declarations, decorators, storage, types, effects.

Answers a `Checked` holding the model, every expression's type and each method's locals.
Reports (all at once): duplicate or reserved names, bad decorators, storage and event field
types, type errors, writes in views (also through internal calls), recursion, missing
returns, `msg.value` read in a public method that is not payable, a contract without public
methods.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmchain.lang import model as m
from vmchain.lang.check_expr import ExprChecker
from vmchain.lang.check_stmt import StmtChecker
from vmchain.lang.errors import Diagnostics
from vmchain.lang.scope import Env, Scope, article
from vmchain.lang.walk import attributes_in
from vmchain.vm.limits import MAX_NAME, MAX_PARAMS

RESERVED_FIELDS = frozenset({"balance", "address"})
MAX_EVENT_FIELDS = 255


@dataclass(frozen=True, slots=True)
class MethodInfo:
    method: m.Method
    locals: tuple[tuple[str, m.Type], ...]  # declared locals beyond the params, in order


@dataclass(frozen=True, slots=True)
class Checked:
    source: m.SourceFile
    env: Env
    methods: tuple[MethodInfo, ...]  # in source order

    @property
    def name(self) -> str:
        return self.source.contract.name


def check_source(source: m.SourceFile) -> Checked:
    """Type and rule check a parsed file; raises CompileErrors listing every problem."""
    diag = Diagnostics(source.path)
    env = _env(diag, source)
    _declarations(env)
    scopes = [_check_method(env, method) for method in source.contract.methods]
    _effects(env, scopes)
    diag.raise_if_any()
    infos = tuple(MethodInfo(s.method, tuple(s.declared)) for s in scopes)
    return Checked(source, env, infos)


def _unique(diag: Diagnostics, items: list[tuple[m.Pos, str]], what: str) -> dict[str, int]:
    seen: dict[str, int] = {}
    for index, (pos, name) in enumerate(items):
        if name in seen:
            diag.error(pos, f"{what} {name!r} is declared twice")
        else:
            seen[name] = index
    return seen


def _env(diag: Diagnostics, source: m.SourceFile) -> Env:
    contract = source.contract
    _unique(
        diag,
        [(f.pos, f.name) for f in contract.fields] + [(x.pos, x.name) for x in contract.methods],
        "name",
    )
    _unique(
        diag,
        [(e.pos, e.name) for e in source.events] + [(i.pos, i.name) for i in source.interfaces],
        "class",
    )
    return Env(
        diag=diag,
        source=source,
        fields={f.name: f for f in contract.fields},
        methods={x.name: x for x in contract.methods},
        events={e.name: e for e in source.events},
        interfaces={i.name: i for i in source.interfaces},
        constants={c.name: c for c in source.constants},
        imports=frozenset(source.imports),
    )


def _declarations(env: Env) -> None:
    for fld in env.source.contract.fields:
        _field(env, fld)
    for event in env.source.events:
        _event(env, event)
    for iface in env.source.interfaces:
        _unique(env.diag, [(x.pos, x.name) for x in iface.methods], "interface method")
        for method in iface.methods:
            _decorators(env, method)
            _params(env, method, external=True)
    for method in env.source.contract.methods:
        _decorators(env, method)
        _params(env, method, external=method.public)
    if not any(x.public for x in env.source.contract.methods):
        env.diag.error(
            env.source.contract.pos,
            f"contract {env.source.contract.name} has no public method",
            "mark entry points with @public, @view or @payable",
        )


def _field(env: Env, fld: m.Field) -> None:
    if fld.name in RESERVED_FIELDS:
        env.diag.error(fld.pos, f"self.{fld.name} is built in", "name the field differently")
    if fld.type.kind == "tuple":
        env.diag.error(fld.pos, "a storage field cannot be a tuple", "store each item in a field")
    if "Map" not in env.imports and fld.type.kind == "map":
        env.diag.error(fld.pos, "unknown name 'Map'", "import it: from vmchain.lang import Map")


def _event(env: Env, event: m.EventDecl) -> None:
    _name(env, event.pos, event.name, "event")
    _unique(env.diag, [(f.pos, f.name) for f in event.fields], "event field")
    if len(event.fields) > MAX_EVENT_FIELDS:
        env.diag.error(event.pos, f"an event has at most {MAX_EVENT_FIELDS} fields")
    for fld in event.fields:
        if not fld.type.is_scalar:
            env.diag.error(
                fld.pos,
                f"an event field cannot be {fld.type}",
                "fields are int, bool, bytes, Address",
            )


def _name(env: Env, pos: m.Pos, name: str, what: str) -> None:
    """Names that become VM function names or event names: ASCII, at most MAX_NAME long."""
    if not name.isascii() or len(name) > MAX_NAME:
        env.diag.error(pos, f"{what} name {name!r} must be ASCII, at most {MAX_NAME} characters")


def _decorators(env: Env, method: m.Method) -> None:
    diag = env.diag
    _name(env, method.pos, method.name, "method")
    decorators = method.decorators
    if len(set(decorators)) != len(decorators):
        diag.error(method.pos, f"a decorator of {method.name} is repeated")
    if method.view and method.payable:
        diag.error(
            method.pos, f"{method.name} cannot be both @view and @payable", "a view gets no value"
        )
    for name in decorators:
        if name not in env.imports:
            diag.error(
                method.pos,
                f"unknown decorator {name!r}",
                f"import it: from vmchain.lang import {name}",
            )
    if method.is_init and ("public" in decorators or "view" in decorators):
        diag.error(
            method.pos, "the constructor cannot be @public or @view", "it runs once, at deploy"
        )
    if method.name.startswith("__") and not method.is_init:
        diag.error(method.pos, f"method names starting with __ are reserved: {method.name}")


def _params(env: Env, method: m.Method, *, external: bool) -> None:
    diag = env.diag
    if method.is_init and method.returns != m.NONE:
        diag.error(method.pos, "the constructor returns nothing", "-> None")
    if len(method.params) > MAX_PARAMS:
        diag.error(method.pos, f"{method.name} has more than {MAX_PARAMS} parameters")
    _unique(diag, [(p.pos, p.name) for p in method.params], "parameter")
    for param in method.params:
        if param.name in ("self", "msg", "block"):
            diag.error(param.pos, f"a parameter cannot be named {param.name!r}")
        if param.name in env.constants:
            diag.error(param.pos, f"parameter {param.name!r} hides the constant of that name")
        if not param.type.is_value:
            diag.error(
                param.pos, f"a parameter cannot be {param.type}", "use int, bool, bytes, Address"
            )
        elif param.type.kind == "tuple" and (external or method.is_init):
            diag.error(param.pos, "tuple parameters are not supported", "pass the items one by one")
    if method.returns != m.NONE and not method.returns.is_value:
        diag.error(method.pos, f"{method.name} cannot return {method.returns}")


def _check_method(env: Env, method: m.Method) -> Scope:
    scope = Scope(method, {p.name: p.type for p in method.params})
    checker = StmtChecker(ExprChecker(env, scope))
    checker.block(method.body)
    if method.returns != m.NONE and not always_returns(method.body):
        env.diag.error(
            method.pos,
            f"{method.name} may end without returning {article(method.returns)}",
            "add a return at the end",
        )
    return scope


def always_returns(body: tuple[m.Stmt, ...]) -> bool:
    """Whether every path through body ends in a return (or a revert by require(False))."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, m.Return):
        return True
    if isinstance(last, m.If):
        return always_returns(last.body) and always_returns(last.orelse)
    return _is_require_false(last)


def _is_require_false(stmt: m.Stmt) -> bool:
    if not (isinstance(stmt, m.ExprStmt) and isinstance(stmt.value, m.Call)):
        return False
    call = stmt.value
    return (
        isinstance(call.func, m.Name)
        and call.func.id == "require"
        and bool(call.args)
        and isinstance(call.args[0], m.Const)
        and call.args[0].value is False
    )


def _effects(env: Env, scopes: list[Scope]) -> None:
    by_name = {s.method.name: s for s in scopes}
    _recursion(env, by_name)
    for scope in scopes:
        method = scope.method
        if method.view:
            for pos, what in scope.effects:
                env.diag.error(
                    pos,
                    f"{method.name} is a view but {what}",
                    "a view only reads: drop @view or the write",
                )
            for pos, callee in scope.calls:
                effect = _first_effect(by_name, callee, [])
                if effect:
                    env.diag.error(
                        pos,
                        f"{method.name} is a view but calls {callee}, which {effect}",
                        "a view only reads",
                    )
        if method.public and not method.payable:
            _msg_value(env, method)


def _first_effect(by_name: dict[str, Scope], name: str, seen: list[str]) -> str:
    scope = by_name.get(name)
    if scope is None or name in seen:
        return ""
    if scope.effects:
        return scope.effects[0][1]
    seen.append(name)
    for _, callee in scope.calls:
        found = _first_effect(by_name, callee, seen)
        if found:
            return found
    return ""


def _recursion(env: Env, by_name: dict[str, Scope]) -> None:
    for scope in by_name.values():
        for pos, callee in scope.calls:
            if _reaches(by_name, callee, scope.method.name, []):
                env.diag.error(
                    pos,
                    f"recursion is not supported: {scope.method.name} calls {callee}, "
                    "which leads back to it",
                    "write it as a loop (the VM bounds call depth)",
                )


def _reaches(by_name: dict[str, Scope], start: str, goal: str, seen: list[str]) -> bool:
    if start == goal:
        return True
    if start in seen or start not in by_name:
        return False
    seen.append(start)
    return any(_reaches(by_name, callee, goal, seen) for _, callee in by_name[start].calls)


def _msg_value(env: Env, method: m.Method) -> None:
    for attr in attributes_in(method.body):
        if isinstance(attr.obj, m.Name) and attr.obj.id == "msg" and attr.attr == "value":
            env.diag.error(
                attr.pos,
                f"msg.value is always 0 in {method.name}: it is not @payable",
                "add @payable to accept value",
            )
