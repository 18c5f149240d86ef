"""Control family: jumps (light), REVERT and INVALID (effects). CALL/RET are frame ops."""

from __future__ import annotations

from typing import Any

from vmchain.vm.context import ExecContext
from vmchain.vm.errors import InvalidOpcode, Revert
from vmchain.vm.ops.common import Effect, LightHandler, Locals, Stack


def jmp(s: Stack, loc: Locals, a: int, pc: int) -> int:
    return a


def jz(s: Stack, loc: Locals, a: int, pc: int) -> int:
    return a if s.pop() == 0 else pc + 1


def jnz(s: Stack, loc: Locals, a: int, pc: int) -> int:
    return pc + 1 if s.pop() == 0 else a


def revert(ctx: ExecContext, gas: int, message: bytes) -> tuple[Any, ...]:
    raise Revert(message, gas)


def invalid(ctx: ExecContext, gas: int) -> tuple[Any, ...]:
    raise InvalidOpcode("INVALID instruction executed")


LIGHT: dict[str, LightHandler] = {"JMP": jmp, "JZ": jz, "JNZ": jnz}
EFFECTS: dict[str, Effect] = {"REVERT": revert, "INVALID": invalid}
