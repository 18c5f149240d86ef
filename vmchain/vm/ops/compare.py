"""Comparison family: results are the integers 1 and 0 (never Python bools)."""

from __future__ import annotations

from vmchain.vm.ops.common import Effect, LightHandler, Locals, Stack


def lt(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] = 1 if s[-1] < b else 0
    return pc + 1


def le(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] = 1 if s[-1] <= b else 0
    return pc + 1


def gt(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] = 1 if s[-1] > b else 0
    return pc + 1


def ge(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] = 1 if s[-1] >= b else 0
    return pc + 1


def eq(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] = 1 if s[-1] == b else 0
    return pc + 1


def ne(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] = 0 if s[-1] == b else 1
    return pc + 1


def lnot(s: Stack, loc: Locals, a: None, pc: int) -> int:
    s[-1] = 1 if s[-1] == 0 else 0
    return pc + 1


LIGHT: dict[str, LightHandler] = {
    "LT": lt,
    "LE": le,
    "GT": gt,
    "GE": ge,
    "EQ": eq,
    "NE": ne,
    "LNOT": lnot,
}
EFFECTS: dict[str, Effect] = {}
