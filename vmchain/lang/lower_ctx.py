"""The state lowering carries through one function: declarations, builder, locals, loops."""

from __future__ import annotations

from dataclasses import dataclass, field

from vmchain.lang import model as m
from vmchain.lang.ir import FnBuilder, Label
from vmchain.lang.scope import Env
from vmchain.vm.values import ValueType

ZERO_ADDRESS = bytes(20)
ADDRESS_SIZE = 20


def vm_type(typ: m.Type) -> ValueType:
    """How a language type is held in the VM: ints and bools as int, the rest as bytes."""
    return ValueType.INT if typ.kind in ("int", "bool") else ValueType.BYTES


@dataclass
class Ctx:
    env: Env
    fb: FnBuilder
    slots: dict[str, int]  # local name -> local index
    helpers: list[str]  # helper functions this contract needs, in order of first use
    loops: list[tuple[Label, Label]] = field(default_factory=list)  # (continue, break)

    def type_of(self, expr: m.Expr) -> m.Type:
        return self.env.type_of(expr)

    def need(self, helper: str) -> str:
        if helper not in self.helpers:
            self.helpers.append(helper)
        return helper

    def revert_unless(self, message: str) -> None:
        """Condition on the stack: go on when it is non-zero, else revert with message."""
        ok = self.fb.label()
        self.fb.op("JNZ", ok)
        self.fb.op("CONST", message.encode("utf-8"))
        self.fb.op("REVERT")
        self.fb.place(ok)

    def check_address(self, what: str) -> None:
        """Bytes on the stack (kept): revert unless they are 20 long."""
        self.fb.op("DUP")
        self.fb.op("LEN")
        self.fb.op("PUSHI", ADDRESS_SIZE)
        self.fb.op("EQ")
        self.revert_unless(f"{what} must be a 20-byte address")

    def tuple_item(self, index: int, typ: m.Type) -> None:
        """A tuple's ABI blob on the stack -> its item `index` (of type typ)."""
        self.fb.op("PUSHI", index)
        self.fb.op("UNPACKI" if vm_type(typ) is ValueType.INT else "UNPACKB")
        if typ.kind == "Address":
            self.check_address("a tuple's Address item")
        elif typ.kind == "bool":
            self.fb.op("PUSHI", 0)
            self.fb.op("NE")
