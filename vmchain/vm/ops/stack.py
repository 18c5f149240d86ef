"""Stack family: pushes, stack shuffles and locals. All light."""

from __future__ import annotations

from typing import Any

from vmchain.vm.ops.common import Effect, LightHandler, Locals, Stack


def push(s: Stack, loc: Locals, a: Any, pc: int) -> int:
    """PUSHI and CONST: the immediate was resolved to its value when the code was loaded."""
    s.append(a)
    return pc + 1


def pop(s: Stack, loc: Locals, a: None, pc: int) -> int:
    del s[-1]
    return pc + 1


def dup(s: Stack, loc: Locals, a: None, pc: int) -> int:
    s.append(s[-1])
    return pc + 1


def swap(s: Stack, loc: Locals, a: None, pc: int) -> int:
    s[-1], s[-2] = s[-2], s[-1]
    return pc + 1


def lget(s: Stack, loc: Locals, a: int, pc: int) -> int:
    s.append(loc[a])
    return pc + 1


def lset(s: Stack, loc: Locals, a: int, pc: int) -> int:
    loc[a] = s.pop()
    return pc + 1


LIGHT: dict[str, LightHandler] = {
    "PUSHI": push,
    "CONST": push,
    "POP": pop,
    "DUP": dup,
    "SWAP": swap,
    "LGET": lget,
    "LSET": lset,
}
EFFECTS: dict[str, Effect] = {}
