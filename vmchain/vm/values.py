"""VM values: 256-bit signed integers and bounded byte strings, and their static types.

Booleans are the integers 0 and 1. Every value a module can reach has a type known at
deploy (the validator tracks it), so handlers never check types at run time.
"""

from __future__ import annotations

from enum import IntEnum

from vmchain.vm.limits import INT_MAX, INT_MIN, MAX_BYTES, WORD

Value = int | bytes


class ValueType(IntEnum):
    """The two value types; the numbers are their tags in modules and in the ABI."""

    INT = 1
    BYTES = 2

    @property
    def text(self) -> str:
        return "int" if self is ValueType.INT else "bytes"


TYPE_BY_TEXT: dict[str, ValueType] = {"int": ValueType.INT, "bytes": ValueType.BYTES}
DEFAULTS: dict[ValueType, Value] = {ValueType.INT: 0, ValueType.BYTES: b""}


def type_of(value: Value) -> ValueType:
    """The VM type of a Python value (bool is not a VM value)."""
    return ValueType.BYTES if isinstance(value, bytes) else ValueType.INT


def in_range(value: int) -> bool:
    """Whether an integer fits the VM's signed 256-bit range."""
    return INT_MIN <= value <= INT_MAX


def is_value(value: object) -> bool:
    """Whether ``value`` is a VM value within its bounds."""
    if type(value) is int:
        return INT_MIN <= value <= INT_MAX
    return type(value) is bytes and len(value) <= MAX_BYTES


def words(length: int) -> int:
    """Number of 32-byte words needed for ``length`` bytes (per-word gas counts these)."""
    return (length + WORD - 1) // WORD


def int_to_bytes(value: int) -> bytes:
    """ITOB: 32-byte big-endian two's complement."""
    return value.to_bytes(32, "big", signed=True)


def bytes_to_int(data: bytes) -> int:
    """BTOI: big-endian two's complement of 0..32 bytes (empty is 0). Caller checks length."""
    return int.from_bytes(data, "big", signed=True)
