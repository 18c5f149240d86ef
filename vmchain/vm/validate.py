"""Deploy-time validation: a module that passes can run; one that fails never does.

Checks the limits (limits.py), decodes every function's code into instructions, then
walks every reachable path with the types on the operand stack: jumps land on
instruction starts, stack heights and types agree wherever paths join, operands have the
types an opcode takes, locals / constants / functions are in range, no path falls off the
end of the code, and no function needs more than MAX_STACK slots. Each error names the
function, the byte offset and the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from vmchain.vm import limits
from vmchain.vm.errors import UnknownOpcode, ValidationError
from vmchain.vm.module import FLAG_INIT, FLAG_PAYABLE, FLAG_PUBLIC, FLAG_VIEW, Function, Module
from vmchain.vm.opcodes import BY_BYTE, JUMPS, TERMINATORS, OpSpec
from vmchain.vm.values import ValueType, type_of

Types = tuple[ValueType, ...]
_CONCRETE = {"i": ValueType.INT, "b": ValueType.BYTES}


@dataclass(frozen=True, slots=True)
class Instr:
    """One decoded instruction."""

    offset: int
    op: OpSpec
    imm: int

    @property
    def end(self) -> int:
        return self.offset + self.op.size


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """What validation learnt about one function; the interpreter and translator use it."""

    instrs: tuple[Instr, ...]
    index_of: MappingProxyType[int, int]  # byte offset -> instruction index
    stacks: tuple[Types | None, ...]  # operand types before each instruction; None: unreachable
    max_stack: int
    targets: frozenset[int]  # instruction indices some jump lands on


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    functions: tuple[FunctionInfo, ...]


def _fail(fn: Function | None, offset: int, rule: str, detail: str) -> ValidationError:
    return ValidationError(fn.name if fn else "", offset, rule, detail)


def _check_flags(fn: Function) -> None:
    flags = fn.flags
    if flags & FLAG_VIEW and flags & FLAG_PAYABLE:
        raise _fail(fn, 0, "flags", "a function cannot be both view and payable")
    if flags & FLAG_INIT and flags & (FLAG_VIEW | FLAG_PUBLIC):
        raise _fail(fn, 0, "flags", "the init function is neither public nor view")


def _check_limits(module: Module) -> None:
    if len(module.functions) > limits.MAX_FUNCTIONS:
        raise _fail(None, 0, "limit", f"{len(module.functions)} functions > MAX_FUNCTIONS")
    if len(module.constants) > limits.MAX_CONSTANTS:
        raise _fail(None, 0, "limit", f"{len(module.constants)} constants > MAX_CONSTANTS")
    for index, const in enumerate(module.constants):
        if isinstance(const, bytes) and len(const) > limits.MAX_BYTES:
            raise _fail(None, 0, "limit", f"constant {index} is longer than MAX_BYTES")
    if sum(1 for fn in module.functions if fn.init) > 1:
        raise _fail(None, 0, "flags", "more than one init function")
    for fn in module.functions:
        checks = (
            (len(fn.name) <= limits.MAX_NAME, "name longer than MAX_NAME"),
            (len(fn.params) <= limits.MAX_PARAMS, "more than MAX_PARAMS params"),
            (len(fn.results) <= limits.MAX_RESULTS, "more than MAX_RESULTS results"),
            (len(fn.local_types) <= limits.MAX_LOCALS, "more than MAX_LOCALS locals"),
            (len(fn.code) <= limits.MAX_FUNCTION_CODE, "code longer than MAX_FUNCTION_CODE"),
            (len(fn.code) > 0, "empty code"),
        )
        for ok, detail in checks:
            if not ok:
                raise _fail(fn, 0, "limit", detail)
        _check_flags(fn)


def decode_code(fn: Function) -> tuple[Instr, ...]:
    """Split a function's code into instructions; unknown bytes and cut immediates fail."""
    code = fn.code
    out: list[Instr] = []
    pos = 0
    while pos < len(code):
        op = BY_BYTE.get(code[pos])
        if op is None:
            raise UnknownOpcode(fn.name, pos, "opcode", f"0x{code[pos]:02x} is not an opcode")
        width = op.imm_bytes
        if pos + 1 + width > len(code):
            raise _fail(fn, pos, "truncated", f"{op.name} immediate runs past the end of code")
        imm = int.from_bytes(code[pos + 1 : pos + 1 + width], "big", signed=op.imm == "i16")
        out.append(Instr(pos, op, imm))
        pos += 1 + width
    return tuple(out)


class _Checker:
    """Type-checks one function's reachable instructions."""

    def __init__(self, module: Module, fn: Function, instrs: tuple[Instr, ...]) -> None:
        self.module = module
        self.fn = fn
        self.instrs = instrs
        self.index_of = {ins.offset: i for i, ins in enumerate(instrs)}
        self.stacks: list[Types | None] = [None] * len(instrs)
        self.max_stack = 0
        self.targets: set[int] = set()

    def fail(self, ins: Instr, rule: str, detail: str) -> ValidationError:
        return _fail(self.fn, ins.offset, rule, detail)

    def pop(self, ins: Instr, stack: Types, want: Sequence[ValueType | str]) -> Types:
        """Pop ``want`` (deepest first; str entries are type variables) off ``stack``."""
        if len(stack) < len(want):
            raise self.fail(ins, "stack-underflow", f"{ins.op.name} needs {len(want)} operands")
        bound: dict[str, ValueType] = {}
        base = len(stack) - len(want)
        for i, expected in enumerate(want):
            actual = stack[base + i]
            if isinstance(expected, str):
                expected = bound.setdefault(expected, actual)
            if actual is not expected:
                raise self.fail(
                    ins,
                    "type",
                    f"{ins.op.name} operand {i + 1} is {actual.text}, expected {expected.text}",
                )
        return stack[:base]

    def generic(self, ins: Instr, stack: Types) -> Types:
        spec = ins.op
        want = [_CONCRETE.get(c, c) for c in spec.ins]
        base = self.pop(ins, stack, want)
        bound = {c: stack[len(base) + i] for i, c in enumerate(spec.ins) if c not in _CONCRETE}
        return base + tuple(_CONCRETE[c] if c in _CONCRETE else bound[c] for c in spec.outs)

    def local(self, ins: Instr) -> ValueType:
        types = self.fn.local_types
        if ins.imm >= len(types):
            raise self.fail(ins, "local-index", f"local {ins.imm} of {len(types)}")
        return types[ins.imm]

    def callee(self, ins: Instr) -> Function:
        if ins.imm >= len(self.module.functions):
            raise self.fail(ins, "function-index", f"function {ins.imm} does not exist")
        return self.module.functions[ins.imm]

    def effect(self, ins: Instr, stack: Types) -> Types:
        """The operand types after ``ins`` runs with ``stack`` before it."""
        special = _SPECIAL.get(ins.op.name)
        return special(self, ins, stack) if special else self.generic(ins, stack)

    def successors(self, index: int, ins: Instr) -> list[int]:
        out: list[int] = []
        if ins.op.name in JUMPS:
            target = self.index_of.get(ins.imm)
            if target is None:
                raise self.fail(ins, "jump-target", f"{ins.imm} is not an instruction start")
            self.targets.add(target)
            out.append(target)
        if ins.op.name not in TERMINATORS:
            if index + 1 >= len(self.instrs):
                raise self.fail(ins, "falls-off-end", "execution can run past the last instruction")
            out.append(index + 1)
        return out

    def run(self) -> FunctionInfo:
        self.stacks[0] = ()
        work = [0]
        while work:
            index = work.pop()
            ins = self.instrs[index]
            before = self.stacks[index]
            assert before is not None
            after = self.effect(ins, before)
            if len(after) > limits.MAX_STACK:
                raise self.fail(ins, "stack-limit", f"needs more than {limits.MAX_STACK} slots")
            self.max_stack = max(self.max_stack, len(after))
            for succ in self.successors(index, ins):
                known = self.stacks[succ]
                if known is None:
                    self.stacks[succ] = after
                    work.append(succ)
                elif known != after:
                    raise self.fail(
                        self.instrs[succ],
                        "stack-mismatch",
                        f"paths join with stacks {_show(known)} and {_show(after)}",
                    )
        return FunctionInfo(
            self.instrs,
            MappingProxyType(self.index_of),
            tuple(self.stacks),
            self.max_stack,
            frozenset(self.targets),
        )


def _show(types: Types) -> str:
    return "[" + ", ".join(t.text for t in types) + "]"


def _const(c: _Checker, ins: Instr, stack: Types) -> Types:
    if ins.imm >= len(c.module.constants):
        raise c.fail(ins, "const-index", f"constant {ins.imm} of {len(c.module.constants)}")
    return (*stack, type_of(c.module.constants[ins.imm]))


def _lget(c: _Checker, ins: Instr, stack: Types) -> Types:
    return (*stack, c.local(ins))


def _lset(c: _Checker, ins: Instr, stack: Types) -> Types:
    return c.pop(ins, stack, [c.local(ins)])


def _call(c: _Checker, ins: Instr, stack: Types) -> Types:
    callee = c.callee(ins)
    return c.pop(ins, stack, callee.params) + callee.results


def _ret(c: _Checker, ins: Instr, stack: Types) -> Types:
    return c.pop(ins, stack, c.fn.results)


def _emit(c: _Checker, ins: Instr, stack: Types) -> Types:
    return c.pop(ins, stack, [ValueType.BYTES] + [f"v{i}" for i in range(ins.imm)])


def _xcall(c: _Checker, ins: Instr, stack: Types) -> Types:
    head = [ValueType.BYTES, ValueType.BYTES, ValueType.INT]
    base = c.pop(ins, stack, head + [f"v{i}" for i in range(ins.imm)])
    return (*base, ValueType.INT, ValueType.BYTES)


_SPECIAL: dict[str, Callable[[_Checker, Instr, Types], Types]] = {
    "CONST": _const,
    "LGET": _lget,
    "LSET": _lset,
    "CALL": _call,
    "RET": _ret,
    "EMIT": _emit,
    "XCALL": _xcall,
}


def validate(module: Module) -> ModuleInfo:
    """Check every deploy rule; return what the interpreter needs, or raise ValidationError."""
    _check_limits(module)
    infos = []
    for fn in module.functions:
        infos.append(_Checker(module, fn, decode_code(fn)).run())
    return ModuleInfo(tuple(infos))


def check_size(code: bytes) -> None:
    """The encoded module must fit MAX_MODULE_SIZE (checked before decoding)."""
    if len(code) > limits.MAX_MODULE_SIZE:
        raise _fail(None, 0, "limit", f"module of {len(code)} bytes > MAX_MODULE_SIZE")
