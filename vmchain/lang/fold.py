"""Constant folding: literal expressions evaluated at compile time, with the VM's int bounds.

Used for module constants (`DAY = 24 * 3600`) and by lowering, so `2**64` or `-1` costs one
PUSHI/CONST instead of instructions. Folding follows the VM: floor division and modulo,
results outside -2**255..2**255-1 are not folded (the compiler reports them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vmchain.lang import model as m
from vmchain.lang.errors import Diagnostics
from vmchain.vm.limits import INT_MAX, INT_MIN, MAX_SHIFT

Folded = int | bool | bytes


def _pow(a: int, b: int) -> int | None:
    if b < 0 or (abs(a) > 1 and b > 256):
        return None
    result: int = a**b
    return result


def _shift(op: Callable[[int, int], int]) -> Callable[[int, int], int | None]:
    return lambda a, b: op(a, b) if 0 <= b <= MAX_SHIFT else None


INT_OPS: dict[str, Callable[[int, int], int | None]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "//": lambda a, b: a // b if b else None,
    "%": lambda a, b: a % b if b else None,
    "**": _pow,
    "&": lambda a, b: a & b,
    "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b,
    "<<": _shift(lambda a, b: a << b),
    ">>": _shift(lambda a, b: a >> b),
}


def try_fold(expr: m.Expr, constants: Mapping[str, Any]) -> Folded | None:
    """The value of a literal expression, or None when it is not one (or would trap)."""
    if isinstance(expr, m.Const):
        return None if isinstance(expr.value, str) else expr.value
    if isinstance(expr, m.Name):
        found = constants.get(expr.id)
        return None if found is None else found.value
    if isinstance(expr, m.UnaryOp) and expr.op in ("-", "~"):
        inner = try_fold(expr.operand, constants)
        if type(inner) is not int:
            return None
        return _bounded(-inner if expr.op == "-" else ~inner)
    if isinstance(expr, m.BinOp):
        return _fold_binop(expr, constants)
    return None


def _fold_binop(expr: m.BinOp, constants: Mapping[str, Any]) -> Folded | None:
    left, right = try_fold(expr.left, constants), try_fold(expr.right, constants)
    if type(left) is bytes and type(right) is bytes and expr.op == "+":
        return left + right
    if type(left) is not int or type(right) is not int:
        return None
    result = INT_OPS[expr.op](left, right)
    return None if result is None else _bounded(result)


def _bounded(value: int) -> int | None:
    return value if INT_MIN <= value <= INT_MAX else None


def fold_constant(
    diag: Diagnostics, expr: m.Expr, constants: Mapping[str, m.Constant]
) -> Folded | None:
    """A module constant's value; reports an error when the expression is not a literal."""
    value = try_fold(expr, constants)
    if value is None:
        diag.error(
            expr.pos,
            "a module constant must be a literal int, bool or bytes expression",
            "DAY = 24 * 3600, TAG = b'vmchain' (ints within -2**255..2**255-1)",
        )
    return value
