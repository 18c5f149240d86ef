"""Step 4: emit a VM module from the lowered functions (`emit_module`).

Built only from the opcode table: each instruction is its `OpSpec.byte` and an immediate of
the table's width. Labels become byte offsets, CONST values indices into the constant pool
(in order of first use, so the same source always gives the same bytes), CALL names function
indices. The result is validated by the VM exactly as a deploy would; a module the VM rejects
is a compiler bug, except for the size limits, which are the author's to meet.
"""

from __future__ import annotations

from vmchain.lang.errors import CompilerBug
from vmchain.lang.ir import FunctionIR, Instr, Label
from vmchain.vm import ModuleError, ValidationError
from vmchain.vm.module import Function, Module, encode
from vmchain.vm.opcodes import BY_NAME
from vmchain.vm.program import load
from vmchain.vm.values import Value


class ModuleTooLarge(Exception):
    """The contract does not fit the VM's module limits."""


class _Pool:
    def __init__(self) -> None:
        self.values: list[Value] = []

    def index(self, value: Value) -> int:
        for i, existing in enumerate(self.values):
            if type(existing) is type(value) and existing == value:
                return i
        self.values.append(value)
        return len(self.values) - 1


def _offsets(code: tuple[Instr, ...]) -> dict[Label, int]:
    offsets: dict[Label, int] = {}
    position = 0
    for instr in code:
        if instr.op == ":":
            assert isinstance(instr.arg, Label)
            offsets[instr.arg] = position
        else:
            position += BY_NAME[instr.op].size
    return offsets


def _immediate(instr: Instr, offsets: dict[Label, int], pool: _Pool, names: dict[str, int]) -> int:
    arg = instr.arg
    if isinstance(arg, Label):
        return offsets[arg]
    if instr.op == "CONST":
        assert isinstance(arg, int | bytes)
        return pool.index(arg)
    if instr.op == "CALL":
        assert isinstance(arg, str)
        return names[arg]
    assert isinstance(arg, int)
    return arg


def _assemble(fn: FunctionIR, pool: _Pool, names: dict[str, int]) -> bytes:
    offsets = _offsets(fn.code)
    out = bytearray()
    for instr in fn.code:
        if instr.op == ":":
            continue
        spec = BY_NAME[instr.op]
        out.append(spec.byte)
        if spec.imm:
            value = _immediate(instr, offsets, pool, names)
            out += value.to_bytes(spec.imm_bytes, "big", signed=spec.imm == "i16")
    return bytes(out)


def emit_module(functions: tuple[FunctionIR, ...]) -> bytes:
    """The module bytes, validated; ModuleTooLarge or CompilerBug when the VM says no."""
    names = {fn.name: i for i, fn in enumerate(functions)}
    pool = _Pool()
    built = tuple(
        Function(fn.name, fn.params, fn.results, fn.locals, fn.flags, _assemble(fn, pool, names))
        for fn in functions
    )
    module = Module(tuple(pool.values), built)
    try:
        code = encode(module)
        load(code)
    except ValidationError as exc:
        if exc.rule in ("limit", "stack-limit"):
            raise ModuleTooLarge(str(exc)) from None
        raise CompilerBug(f"the compiler produced an invalid module: {exc}") from exc
    except ModuleError as exc:
        raise CompilerBug(f"the compiler produced an invalid module: {exc}") from exc
    except OverflowError as exc:
        raise ModuleTooLarge(f"a function's code is too long to address: {exc}") from None
    return code
