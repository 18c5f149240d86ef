"""The reference interpreter: a plain dispatch loop over pre-decoded instructions.

This is the VM's definition; the translator (fastpath.py) must agree with it on
results, gas and traps. Code is decoded once per module (``prepare``) into one list
per function of ``(handler, arg, static_gas)`` tuples indexed by instruction number,
with jump targets, constants and immediates already resolved. The hot loop charges the
static gas from the opcode table, then either calls a light handler, which returns the
next pc, or (handler None) an op that needs the machine: effects, calls, returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vmchain.vm.context import ExecContext
from vmchain.vm.errors import InvalidOpcode, OutOfGas, StackOverflow
from vmchain.vm.limits import MAX_CALL_DEPTH
from vmchain.vm.module import Function, Module
from vmchain.vm.ops import EFFECTS, LIGHT, Effect, LightHandler
from vmchain.vm.ops.common import Locals, Stack
from vmchain.vm.validate import FunctionInfo, Instr, ModuleInfo
from vmchain.vm.values import DEFAULTS, Value

MachineOp = Callable[["Machine"], None]
# (light handler, its argument, static gas) or (None, machine op, static gas)
Step = tuple[LightHandler | None, Any, int]

OUT_OF_GAS = "out of gas"


class RefFunction:
    """One function, decoded for the loop."""

    __slots__ = ("code", "defaults", "name", "nparams", "nresults", "offsets")

    def __init__(self, fn: Function, info: FunctionInfo) -> None:
        self.name = fn.name
        self.nparams = len(fn.params)
        self.nresults = len(fn.results)
        self.defaults: list[Value] = [DEFAULTS[t] for t in fn.locals]
        self.offsets = tuple(ins.offset for ins in info.instrs)
        self.code: list[Step] = []


class Machine:
    """Execution state: the current frame is in code/stack/locals/pc, callers in frames."""

    __slots__ = ("code", "ctx", "done", "frames", "func", "gas", "locals", "pc", "result", "stack")

    def __init__(self, ctx: ExecContext, func: RefFunction, args: list[Value], gas: int) -> None:
        self.ctx = ctx
        self.func = func
        self.code = func.code
        self.stack: Stack = []
        self.locals: Locals = args + func.defaults
        self.pc = 0
        self.gas = gas
        self.frames: list[tuple[RefFunction, int, Stack, Locals]] = []
        self.done = False
        self.result: tuple[Value, ...] = ()


def run(
    funcs: tuple[RefFunction, ...], index: int, args: list[Value], ctx: ExecContext, gas: int
) -> tuple[int, tuple[Value, ...]]:
    """Run function ``index`` to its return; give back (gas left, results) or raise a Trap."""
    m = Machine(ctx, funcs[index], args, gas)
    code = m.code
    s = m.stack
    loc = m.locals
    pc = 0
    while True:
        h, a, c = code[pc]
        gas -= c
        if gas < 0:
            raise OutOfGas(OUT_OF_GAS)
        if h is not None:
            pc = h(s, loc, a, pc)
            continue
        m.gas = gas
        m.pc = pc
        a(m)
        if m.done:
            return m.gas, m.result
        code = m.code
        s = m.stack
        loc = m.locals
        pc = m.pc
        gas = m.gas


def run_segment(func: RefFunction, start: int, gas: int, s: Stack, loc: Locals) -> OutOfGas:
    """Step straight-line light code from ``start`` until the gas runs out.

    The translator calls this when a block's gas is short: the reference would run the
    block's ops one by one until one cannot pay, and an earlier op may trap first.
    """
    pc = start
    while True:
        h, a, c = func.code[pc]
        gas -= c
        if gas < 0 or h is None:
            return OutOfGas(OUT_OF_GAS)
        h(s, loc, a, pc)
        pc += 1


def _effect_op(effect: Effect, npops: int, imm: int | None) -> MachineOp:
    """Wrap an effect for the loop: pop its operands, apply it, push its results."""
    head = () if imm is None else (imm,)

    def op(m: Machine) -> None:
        s = m.stack
        cut = len(s) - npops
        args = s[cut:]
        del s[cut:]
        out = effect(m.ctx, m.gas, *head, *args)
        m.gas = out[0]
        s.extend(out[1:])
        m.pc += 1

    return op


def _call_op(callee: RefFunction) -> MachineOp:
    nparams = callee.nparams

    def op(m: Machine) -> None:
        if len(m.frames) + 2 > MAX_CALL_DEPTH:
            raise StackOverflow(f"CALL {callee.name}: call depth would exceed {MAX_CALL_DEPTH}")
        s = m.stack
        cut = len(s) - nparams
        args = s[cut:]
        del s[cut:]
        m.frames.append((m.func, m.pc + 1, s, m.locals))
        args.extend(callee.defaults)
        m.func = callee
        m.code = callee.code
        m.stack = []
        m.locals = args
        m.pc = 0

    return op


def _ret_op(nresults: int) -> MachineOp:
    def op(m: Machine) -> None:
        s = m.stack
        results = s[len(s) - nresults :]
        if not m.frames:
            m.done = True
            m.result = tuple(results)
            return
        func, pc, caller_stack, caller_locals = m.frames.pop()
        caller_stack.extend(results)
        m.func = func
        m.code = func.code
        m.stack = caller_stack
        m.locals = caller_locals
        m.pc = pc

    return op


def _step(
    module: Module,
    funcs: tuple[RefFunction, ...],
    func: RefFunction,
    info: FunctionInfo,
    ins: Instr,
) -> Step:
    name = ins.op.name
    arg: Any = None
    if name in ("JMP", "JZ", "JNZ"):
        arg = info.index_of[ins.imm]
    elif name == "CONST":
        arg = module.constants[ins.imm]
    elif name in ("PUSHI", "LGET", "LSET"):
        arg = ins.imm
    light = LIGHT.get(name)
    if light is not None:
        return (light, arg, ins.op.gas)
    if name == "CALL":
        return (None, _call_op(funcs[ins.imm]), ins.op.gas)
    if name == "RET":
        return (None, _ret_op(func.nresults), ins.op.gas)
    npops = ins.op.pops + (ins.imm if ins.op.variadic else 0)
    imm = ins.imm if ins.op.imm else None
    return (None, _effect_op(EFFECTS[name], npops, imm), ins.op.gas)


def _unreachable(m: Machine) -> None:
    raise InvalidOpcode("unreachable instruction executed")


def prepare(module: Module, info: ModuleInfo) -> tuple[RefFunction, ...]:
    """Decode a validated module into the loop's form (done once per module).

    Unreachable instructions were never type-checked (their immediates may be out of
    range), so they become a placeholder that validation proved never runs.
    """
    funcs = tuple(
        RefFunction(fn, fi) for fn, fi in zip(module.functions, info.functions, strict=True)
    )
    for func, fi in zip(funcs, info.functions, strict=True):
        func.code.extend(
            _step(module, funcs, func, fi, ins) if stack is not None else (None, _unreachable, 0)
            for ins, stack in zip(fi.instrs, fi.stacks, strict=True)
        )
    return funcs
