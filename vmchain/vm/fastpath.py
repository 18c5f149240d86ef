"""The translator: each validated function becomes one generated Python function.

The reference interpreter (interpreter.py) is the VM's definition; this is a faster
form of the same thing, built once per module (``Program.fast``) and tested against the
reference on random programs (same results, gas and traps). What it does:

- Stack slots become Python locals. The validator knows the stack height at every
  instruction, so within a block the operand stack is tracked symbolically (each entry
  is a Python expression) and only materialised into variables ``s0..sN`` where blocks
  join. VM locals are Python locals ``l0..lN``; no lists, no push/pop.
- Gas is charged once per *segment*: a straight run of instructions that ends at a
  jump, a terminator, any instruction that is not a light op (effects, CALL, RET) or
  before a jump target. A segment whose cost does not fit hands its start state to
  ``interpreter.run_segment``, which steps the reference handlers until the gas runs out
  (an earlier op may trap first), so traps and gas match the reference exactly. Effects
  end their segment, so dynamic gas and gas passed to callees see exact values.
- Control flow: one ``while True`` loop with ``if b == <block>:`` arms in code order;
  a fall-through into the next block needs no dispatch, a jump sets ``b`` and
  ``continue``s. Comparisons feeding JZ/JNZ/LNOT stay Python conditions.
- Internal CALL is a Python call ``g, r = F3(ctx, g, depth + 1, args...)``; effects
  are the same functions the reference calls (ops/*.py), so their semantics are shared.

Only trap exceptions leave generated code. The source never contains user text: names
are generated, constants are Python literals of ints and bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vmchain.vm import interpreter
from vmchain.vm.context import ExecContext
from vmchain.vm.errors import InvalidOpcode, OutOfGas, Revert, StackOverflow
from vmchain.vm.limits import INT_MAX, INT_MIN, MAX_CALL_DEPTH, MAX_SHIFT
from vmchain.vm.module import Function, Module
from vmchain.vm.ops import EFFECTS, LIGHT, arith, bytestr, crypto
from vmchain.vm.validate import FunctionInfo, Instr
from vmchain.vm.values import DEFAULTS, Value, ValueType

if TYPE_CHECKING:
    from vmchain.vm.program import Program

FastFunction = Callable[..., tuple[int, Any]]
_CHECKED = {"ADD": "+", "SUB": "-", "MUL": "*"}
_BITWISE = {"AND": "&", "OR": "|", "XOR": "^"}
_COMPARE = {"LT": "<", "LE": "<=", "GT": ">", "GE": ">=", "EQ": "==", "NE": "!="}
_CONTROL = {"JMP", "JZ", "JNZ", "RET", "REVERT", "INVALID"}
_CHUNK = 8  # block arms per dispatch group


class FastCode:
    """A module's translated functions, compiled lazily one function at a time.

    The namespace starts with a stub per function; the first call of ``F<k>`` (from
    ``run`` or from other generated code, which looks ``F<k>`` up as a global) compiles
    it and rebinds the name, so only functions that run are ever translated.
    """

    __slots__ = ("_program", "namespace", "sources")

    def __init__(self, program: Program) -> None:
        self._program = program
        self.namespace = _namespace(program)
        self.sources: dict[int, str] = {}
        for index in range(len(program.module.functions)):
            self.namespace[f"F{index}"] = self._stub(index)

    def _stub(self, index: int) -> FastFunction:
        def stub(*args: Any) -> tuple[int, Any]:
            return self.compile(index)(*args)

        return stub

    def compile(self, index: int) -> FastFunction:
        """Translate function ``index`` (once) and return its compiled form."""
        if index not in self.sources:
            program = self._program
            fn, info = program.module.functions[index], program.info.functions[index]
            source = "\n".join(_FuncGen(program.module, index, fn, info).generate()) + "\n"
            name = f"<vm {program.code_hash[:6].hex()} {fn.name}>"
            exec(compile(source, name, "exec"), self.namespace)
            self.sources[index] = source
        function: FastFunction = self.namespace[f"F{index}"]
        return function


@dataclass(frozen=True, slots=True)
class _Sym:
    """A stack entry as a Python expression."""

    code: str  # evaluates to the VM value
    deps: frozenset[int] = frozenset()  # locals the expression reads
    cond: str | None = None  # for 0/1 results: the raw Python condition
    atomic: bool = True  # a name or literal: free to repeat
    lit: int | None = None  # the value, when it is an int literal


def _int_sym(value: int) -> _Sym:
    return _Sym(f"({value})" if value < 0 else str(value), lit=value)


def _cond_sym(cond: str, deps: frozenset[int]) -> _Sym:
    return _Sym(f"(1 if {cond} else 0)", deps, cond, atomic=False)


def _truth(sym: _Sym) -> str:
    """A Python condition true when the VM int is nonzero."""
    return sym.cond if sym.cond is not None else sym.code


@dataclass
class _FuncGen:
    """Generates the Python source of one VM function."""

    module: Module
    index: int
    fn: Function
    info: FunctionInfo
    lines: list[str] = field(default_factory=list)
    stack: list[_Sym] = field(default_factory=list)
    ind: str = "    "
    temps: int = 0
    seg_cost: dict[int, int] = field(default_factory=dict)
    leaders: list[int] = field(default_factory=list)

    # -- plumbing
    def emit(self, line: str, extra: str = "") -> None:
        self.lines.append(self.ind + extra + line)

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def pop(self, count: int) -> list[_Sym]:
        if not count:
            return []
        out = self.stack[-count:]
        del self.stack[-count:]
        return out

    def bind(self, code: str) -> _Sym:
        """Evaluate ``code`` now into a fresh temp; push it."""
        name = self.temp()
        self.emit(f"{name} = {code}")
        sym = _Sym(name)
        self.stack.append(sym)
        return sym

    def settle(self, sym: _Sym) -> _Sym:
        """Make ``sym`` atomic (bind it to a temp) so it can be used twice."""
        if sym.atomic:
            return sym
        name = self.temp()
        self.emit(f"{name} = {sym.code}")
        return _Sym(name)

    def spill_slots(self) -> None:
        """Assign the symbolic stack to s0..sN (where blocks join)."""
        pairs = [(f"s{i}", s.code) for i, s in enumerate(self.stack) if s.code != f"s{i}"]
        if pairs:
            self.emit(f"{', '.join(p[0] for p in pairs)} = {', '.join(p[1] for p in pairs)}")

    def goto(self, target: int, extra: str = "") -> None:
        self.emit(f"b = {target}", extra)
        self.emit("continue", extra)

    # -- analysis
    def plan(self) -> None:
        """Find block leaders and gas segments (start index -> static cost)."""
        instrs, stacks = self.info.instrs, self.info.stacks
        self.leaders = sorted({0} | set(self.info.targets))
        leader_set = set(self.leaders)
        start: int | None = None
        for i, ins in enumerate(instrs):
            if stacks[i] is None:
                start = None
                continue
            if start is None or i in leader_set:
                start = i
                self.seg_cost[start] = 0
            self.seg_cost[start] += ins.op.gas
            name = ins.op.name
            nxt = i + 1
            if name in _CONTROL or name not in LIGHT or nxt in leader_set:
                start = None

    # -- generation
    def generate(self) -> list[str]:
        self.plan()
        fn = self.fn
        params = "".join(f", l{i}" for i in range(len(fn.params)))
        out = [f"def F{self.index}(ctx, g, depth{params}):"]
        self.lines = out
        self.emit(f"if depth > {MAX_CALL_DEPTH}:")
        self.emit(f"raise _deep({fn.name!r})", "    ")
        for k, t in enumerate(fn.locals, start=len(fn.params)):
            self.emit(f"l{k} = {DEFAULTS[t]!r}")
        looped = bool(self.info.targets)
        if looped:
            self.emit("b = 0")
            self.emit("while True:")
        leaders = self.leaders
        chunks = [leaders[i : i + _CHUNK] for i in range(0, len(leaders), _CHUNK)]
        for number, chunk in enumerate(chunks):
            arm = "        "
            if len(chunks) > 1:  # two-level dispatch: a jump tests ~CHUNK + blocks/CHUNK arms
                nxt = chunks[number + 1][0] if number + 1 < len(chunks) else None
                self.lines.append(f"{arm}if b < {nxt}:" if nxt else f"{arm}if b >= {chunk[0]}:")
                arm += "    "
            for leader in chunk:
                self.ind = arm + "    " if looped else "    "
                if looped:
                    self.lines.append(f"{arm}if b == {leader}:")
                height = len(self.info.stacks[leader] or ())
                self.stack = [_Sym(f"s{i}") for i in range(height)]
                self.block(leader)
        return out

    def block(self, start: int) -> None:
        instrs = self.info.instrs
        leader_set = set(self.leaders)
        i = start
        while True:
            ins = instrs[i]
            if i in self.seg_cost:
                self.charge(i)
            name = ins.op.name
            _GEN.get(name, _FuncGen.op_effect)(self, ins)
            if name in ("JMP", "RET", "REVERT", "INVALID"):
                return
            i += 1
            if i in leader_set:
                self.spill_slots()
                self.emit(f"b = {i}")
                return

    def charge(self, i: int) -> None:
        cost = self.seg_cost[i]
        stack = ", ".join(s.code for s in self.stack)
        local_names = ", ".join(f"l{k}" for k in range(len(self.fn.local_types)))
        self.emit(f"g -= {cost}")
        self.emit("if g < 0:")
        self.emit(f"raise _seg(R{self.index}, {i}, g + {cost}, [{stack}], [{local_names}])", "    ")

    # -- opcodes
    def op_push(self, ins: Instr) -> None:
        value = ins.imm if ins.op.name == "PUSHI" else self.module.constants[ins.imm]
        self.stack.append(_int_sym(value) if isinstance(value, int) else _Sym(repr(value)))

    def op_pop(self, ins: Instr) -> None:
        self.pop(1)

    def op_dup(self, ins: Instr) -> None:
        top = self.settle(self.stack.pop())
        self.stack += [top, top]

    def op_swap(self, ins: Instr) -> None:
        self.stack[-1], self.stack[-2] = self.stack[-2], self.stack[-1]

    def op_lget(self, ins: Instr) -> None:
        self.stack.append(_Sym(f"l{ins.imm}", frozenset((ins.imm,))))

    def op_lset(self, ins: Instr) -> None:
        (value,) = self.pop(1)
        for pos, sym in enumerate(self.stack):
            if ins.imm in sym.deps:  # it reads the local: keep the value it has now
                name = self.temp()
                self.emit(f"{name} = {sym.code}")
                self.stack[pos] = _Sym(name)
        self.emit(f"l{ins.imm} = {value.code}")

    def op_checked(self, ins: Instr) -> None:
        a, b = self.pop(2)
        name = ins.op.name
        t = self.bind(f"{a.code} {_CHECKED[name]} {b.code}").code
        low = name == "SUB" and b.lit is not None and b.lit >= 0
        high = name == "ADD" and any(s.lit is not None and s.lit >= 0 for s in (a, b))
        if low:
            test = f"{t} < {INT_MIN}"
        elif high:
            test = f"{t} > {INT_MAX}"
        else:
            test = f"{t} > {INT_MAX} or {t} < {INT_MIN}"
        self.emit(f"if {test}:")
        self.emit(f"raise _ovf({name!r}, {t})", "    ")

    def op_divmod(self, ins: Instr) -> None:
        a, b = self.pop(2)
        name = ins.op.name
        b = self.settle(b)
        if b.lit is None:
            self.emit(f"if {b.code} == 0:")
            self.emit(f"raise _div0({name!r})", "    ")
        elif b.lit == 0:
            self.emit(f"raise _div0({name!r})")
        t = self.bind(f"{a.code} {'//' if name == 'DIV' else '%'} {b.code}").code
        if name == "DIV" and (b.lit is None or b.lit == -1):
            self.emit(f"if {t} > {INT_MAX}:")
            self.emit(f"raise _ovf('DIV', {t})", "    ")

    def op_neg(self, ins: Instr) -> None:
        (a,) = self.pop(1)
        t = self.bind(f"-{a.code}").code
        self.emit(f"if {t} > {INT_MAX}:")
        self.emit(f"raise _ovf('NEG', {t})", "    ")

    def op_bitwise(self, ins: Instr) -> None:
        a, b = self.pop(2)
        code = f"({a.code} {_BITWISE[ins.op.name]} {b.code})"
        self.stack.append(_Sym(code, a.deps | b.deps, atomic=False))

    def op_shift(self, ins: Instr) -> None:
        a, b = self.pop(2)
        name = ins.op.name
        b = self.settle(b)
        if b.lit is None or not 0 <= b.lit <= MAX_SHIFT:
            self.emit(f"if not 0 <= {b.code} <= {MAX_SHIFT}:")
            self.emit(f"raise _shift({name!r}, {b.code})", "    ")
        if name == "SHR":
            self.bind(f"{a.code} >> {b.code}")
            return
        t = self.bind(f"{a.code} << {b.code}").code
        self.emit(f"if {t} > {INT_MAX} or {t} < {INT_MIN}:")
        self.emit(f"raise _ovf('SHL', {t})", "    ")

    def op_compare(self, ins: Instr) -> None:
        a, b = self.pop(2)
        cond = f"{a.code} {_COMPARE[ins.op.name]} {b.code}"
        self.stack.append(_cond_sym(cond, a.deps | b.deps))

    def op_lnot(self, ins: Instr) -> None:
        (a,) = self.pop(1)
        cond = f"(not {a.cond})" if a.cond is not None else f"{a.code} == 0"
        self.stack.append(_cond_sym(cond, a.deps))

    def op_jump(self, ins: Instr) -> None:
        name = ins.op.name
        target = self.info.index_of[ins.imm]
        if name == "JMP":
            self.spill_slots()
            self.goto(target)
            return
        (c,) = self.pop(1)
        truth = _truth(c)
        self.emit(f"if not ({truth}):" if name == "JZ" else f"if {truth}:")
        saved, self.ind = self.ind, self.ind + "    "
        self.spill_slots()
        self.goto(target)
        self.ind = saved

    def op_ret(self, ins: Instr) -> None:
        value = self.stack[-1].code if self.fn.results else "None"
        self.emit(f"return g, {value}")

    def op_revert(self, ins: Instr) -> None:
        (msg,) = self.pop(1)
        self.emit(f"raise _Revert({msg.code}, g)")

    def op_invalid(self, ins: Instr) -> None:
        self.emit("raise _invalid()")

    def op_len(self, ins: Instr) -> None:
        (a,) = self.pop(1)
        self.stack.append(_Sym(f"len({a.code})", a.deps, atomic=False))

    def op_itob(self, ins: Instr) -> None:
        (a,) = self.pop(1)
        code = f"({a.code}).to_bytes(32, 'big', signed=True)"
        self.stack.append(_Sym(code, a.deps, atomic=False))

    def op_btoi(self, ins: Instr) -> None:
        a = self.settle(self.pop(1)[0])
        self.emit(f"if len({a.code}) > 32:")
        self.emit(f"raise _btoi(len({a.code}))", "    ")
        self.bind(f"int.from_bytes({a.code}, 'big', signed=True)")

    def op_verify(self, ins: Instr) -> None:
        key, digest, sig = self.pop(3)
        self.bind(f"_verify({key.code}, {digest.code}, {sig.code})")

    def op_addrof(self, ins: Instr) -> None:
        (key,) = self.pop(1)
        self.bind(f"_addrof({key.code})")

    def op_call(self, ins: Instr) -> None:
        callee = self.module.functions[ins.imm]
        args = "".join(f", {a.code}" for a in self.pop(len(callee.params)))
        result = self.temp() if callee.results else "_"
        self.emit(f"g, {result} = F{ins.imm}(ctx, g, depth + 1{args})")
        if callee.results:
            self.stack.append(_Sym(result))

    def op_effect(self, ins: Instr) -> None:
        spec = ins.op
        count = spec.pops + (ins.imm if spec.variadic else 0)
        args = [a.code for a in self.pop(count)]
        if spec.imm:
            args.insert(0, str(ins.imm))
        outs = [self.temp() for _ in spec.outs]
        targets = ", ".join(["g", *outs]) + ("," if not outs else "")
        self.emit(f"{targets} = _E_{spec.name}(ctx, g{''.join(', ' + a for a in args)})")
        self.stack += [_Sym(o) for o in outs]


_GEN: dict[str, Callable[[_FuncGen, Instr], None]] = {
    "PUSHI": _FuncGen.op_push,
    "CONST": _FuncGen.op_push,
    "POP": _FuncGen.op_pop,
    "DUP": _FuncGen.op_dup,
    "SWAP": _FuncGen.op_swap,
    "LGET": _FuncGen.op_lget,
    "LSET": _FuncGen.op_lset,
    "NEG": _FuncGen.op_neg,
    "SHL": _FuncGen.op_shift,
    "SHR": _FuncGen.op_shift,
    "LNOT": _FuncGen.op_lnot,
    "JMP": _FuncGen.op_jump,
    "JZ": _FuncGen.op_jump,
    "JNZ": _FuncGen.op_jump,
    "RET": _FuncGen.op_ret,
    "REVERT": _FuncGen.op_revert,
    "INVALID": _FuncGen.op_invalid,
    "LEN": _FuncGen.op_len,
    "ITOB": _FuncGen.op_itob,
    "BTOI": _FuncGen.op_btoi,
    "VERIFY": _FuncGen.op_verify,
    "ADDROF": _FuncGen.op_addrof,
    "CALL": _FuncGen.op_call,
    "DIV": _FuncGen.op_divmod,
    "MOD": _FuncGen.op_divmod,
    **dict.fromkeys(_CHECKED, _FuncGen.op_checked),
    **dict.fromkeys(_BITWISE, _FuncGen.op_bitwise),
    **dict.fromkeys(_COMPARE, _FuncGen.op_compare),
}


def _deep(name: str) -> StackOverflow:
    return StackOverflow(f"CALL {name}: call depth would exceed {MAX_CALL_DEPTH}")


def _invalid() -> InvalidOpcode:
    return InvalidOpcode("INVALID instruction executed")


def _seg(
    func: interpreter.RefFunction, start: int, gas: int, stack: list[Value], local: list[Value]
) -> OutOfGas:
    return interpreter.run_segment(func, start, gas, stack, local)


def _namespace(program: Program) -> dict[str, Any]:
    ns: dict[str, Any] = {
        "__builtins__": {"len": len, "int": int},
        "_deep": _deep,
        "_invalid": _invalid,
        "_seg": _seg,
        "_ovf": arith.overflow,
        "_div0": arith.div_by_zero,
        "_shift": arith.bad_shift,
        "_btoi": bytestr.btoi_too_long,
        "_verify": crypto.verify_sig,
        "_addrof": crypto.address,
        "_Revert": Revert,
    }
    ns.update({f"_E_{name}": effect for name, effect in EFFECTS.items()})
    ns.update({f"R{i}": func for i, func in enumerate(program.reference)})
    return ns


def translate(program: Program) -> FastCode:
    """The fast form of a loaded program (its functions compile on first use)."""
    return FastCode(program)


def run(
    program: Program, index: int, args: list[Value], ctx: ExecContext, gas: int
) -> tuple[int, tuple[Value, ...]]:
    """Run function ``index`` in its fast form; (gas left, results) or a Trap."""
    gas, value = program.fast.compile(index)(ctx, gas, 1, *args)
    return gas, (value,) if program.module.functions[index].results else ()


__all__ = ["FastCode", "ValueType", "run", "translate"]
