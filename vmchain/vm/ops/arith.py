"""Arithmetic family: signed 256-bit integers; a result outside the range traps ARITHMETIC.

Division and modulo floor like Python's ``//`` and ``%`` (the remainder takes the sign
of the divisor); a zero divisor traps. Bitwise operations act on two's complement, so
in-range operands give in-range results. Shift amounts outside 0..255 trap.
"""

from __future__ import annotations

from vmchain.vm.errors import ArithmeticTrap
from vmchain.vm.limits import INT_MAX, INT_MIN, MAX_SHIFT
from vmchain.vm.ops.common import Effect, LightHandler, Locals, Stack


def overflow(name: str, result: int) -> ArithmeticTrap:
    return ArithmeticTrap(f"{name}: result {result} is outside -2**255..2**255-1")


def div_by_zero(name: str) -> ArithmeticTrap:
    return ArithmeticTrap(f"{name}: division by zero")


def bad_shift(name: str, amount: int) -> ArithmeticTrap:
    return ArithmeticTrap(f"{name}: shift amount {amount} is outside 0..{MAX_SHIFT}")


def add(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    r = s[-1] + b
    if r > INT_MAX or r < INT_MIN:
        raise overflow("ADD", r)
    s[-1] = r
    return pc + 1


def sub(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    r = s[-1] - b
    if r > INT_MAX or r < INT_MIN:
        raise overflow("SUB", r)
    s[-1] = r
    return pc + 1


def mul(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    r = s[-1] * b
    if r > INT_MAX or r < INT_MIN:
        raise overflow("MUL", r)
    s[-1] = r
    return pc + 1


def div(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    if b == 0:
        raise div_by_zero("DIV")
    r = s[-1] // b
    if r > INT_MAX:
        raise overflow("DIV", r)
    s[-1] = r
    return pc + 1


def mod(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    if b == 0:
        raise div_by_zero("MOD")
    s[-1] = s[-1] % b
    return pc + 1


def neg(s: Stack, loc: Locals, a: None, pc: int) -> int:
    r = -s[-1]
    if r > INT_MAX:
        raise overflow("NEG", r)
    s[-1] = r
    return pc + 1


def and_(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] &= b
    return pc + 1


def or_(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] |= b
    return pc + 1


def xor(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s.pop()
    s[-1] ^= b
    return pc + 1


def shl(s: Stack, loc: Locals, a: None, pc: int) -> int:
    n = s.pop()
    if n < 0 or n > MAX_SHIFT:
        raise bad_shift("SHL", n)
    r = s[-1] << n
    if r > INT_MAX or r < INT_MIN:
        raise overflow("SHL", r)
    s[-1] = r
    return pc + 1


def shr(s: Stack, loc: Locals, a: None, pc: int) -> int:
    n = s.pop()
    if n < 0 or n > MAX_SHIFT:
        raise bad_shift("SHR", n)
    s[-1] >>= n
    return pc + 1


LIGHT: dict[str, LightHandler] = {
    "ADD": add,
    "SUB": sub,
    "MUL": mul,
    "DIV": div,
    "MOD": mod,
    "NEG": neg,
    "AND": and_,
    "OR": or_,
    "XOR": xor,
    "SHL": shl,
    "SHR": shr,
}
EFFECTS: dict[str, Effect] = {}
