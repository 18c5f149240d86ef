"""The lowered form: per function, a list of VM instructions with symbolic labels.

`Instr.arg` is what the opcode's immediate will be, before emit resolves it: a `Label` for
jumps, the constant itself (int or bytes) for CONST, a function name for CALL, a number for
the rest. `FnBuilder` is the scratch pad lowering writes into.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmchain.vm.opcodes import BY_NAME, TERMINATORS
from vmchain.vm.values import ValueType

PUSHI_MIN, PUSHI_MAX = -0x8000, 0x7FFF


@dataclass(frozen=True, slots=True)
class Label:
    number: int


Arg = int | bytes | str | Label | None


@dataclass(frozen=True, slots=True)
class Instr:
    op: str  # an opcode name, or ":" to place a label
    arg: Arg = None


@dataclass(frozen=True, slots=True)
class FunctionIR:
    name: str
    flags: int
    params: tuple[ValueType, ...]
    results: tuple[ValueType, ...]
    locals: tuple[ValueType, ...]  # beyond the params
    code: tuple[Instr, ...]


@dataclass
class FnBuilder:
    """Instructions, labels and local slots of one function being lowered."""

    params: tuple[ValueType, ...]
    code: list[Instr] = field(default_factory=list)
    local_types: list[ValueType] = field(default_factory=list)
    free_temps: list[int] = field(default_factory=list)
    labels: int = 0

    def op(self, name: str, arg: Arg = None) -> None:
        if name not in BY_NAME:
            raise KeyError(f"no opcode {name}")
        self.code.append(Instr(name, arg))

    def ops(self, *names: str) -> None:
        for name in names:
            self.op(name)

    def push_int(self, value: int) -> None:
        if PUSHI_MIN <= value <= PUSHI_MAX:
            self.op("PUSHI", value)
        else:
            self.op("CONST", value)

    def label(self) -> Label:
        self.labels += 1
        return Label(self.labels)

    def place(self, label: Label) -> None:
        self.code.append(Instr(":", label))

    def terminated(self) -> bool:
        """Whether the code so far ends in an instruction that never falls through."""
        return bool(self.code) and self.code[-1].op in TERMINATORS

    def new_local(self, vtype: ValueType) -> int:
        self.local_types.append(vtype)
        return len(self.params) + len(self.local_types) - 1

    def temp(self, vtype: ValueType) -> int:
        for index in self.free_temps:
            if self.local_types[index - len(self.params)] is vtype:
                self.free_temps.remove(index)
                return index
        return self.new_local(vtype)

    def release(self, index: int) -> None:
        self.free_temps.append(index)
