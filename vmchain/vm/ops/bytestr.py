"""Byte-string family: length, concatenation, slicing, int conversions, ABI unpacking.

No byte string grows past MAX_BYTES (that traps OUT_OF_BOUNDS). CONCAT and SLICE pay
per word of their result, UNPACKI/UNPACKB per word of the ABI data they read.
"""

from __future__ import annotations

from typing import Any

from vmchain.encoding import abi
from vmchain.vm.context import ExecContext
from vmchain.vm.errors import BadArgument, OutOfBounds
from vmchain.vm.limits import MAX_BYTES
from vmchain.vm.ops.common import Effect, LightHandler, Locals, Stack, charge, per_word
from vmchain.vm.values import words

_CONCAT_WORD = per_word("CONCAT")
_SLICE_WORD = per_word("SLICE")
_UNPACK_WORD = per_word("UNPACKI")


def btoi_too_long(length: int) -> OutOfBounds:
    return OutOfBounds(f"BTOI: {length} bytes is more than 32")


def length(s: Stack, loc: Locals, a: None, pc: int) -> int:
    s[-1] = len(s[-1])
    return pc + 1


def itob(s: Stack, loc: Locals, a: None, pc: int) -> int:
    s[-1] = s[-1].to_bytes(32, "big", signed=True)
    return pc + 1


def btoi(s: Stack, loc: Locals, a: None, pc: int) -> int:
    b = s[-1]
    if len(b) > 32:
        raise btoi_too_long(len(b))
    s[-1] = int.from_bytes(b, "big", signed=True)
    return pc + 1


def concat(ctx: ExecContext, gas: int, a: bytes, b: bytes) -> tuple[int, bytes]:
    size = len(a) + len(b)
    gas = charge(gas, words(size) * _CONCAT_WORD, "CONCAT")
    if size > MAX_BYTES:
        raise OutOfBounds(f"CONCAT: result of {size} bytes is longer than {MAX_BYTES}")
    return gas, a + b


def slice_(ctx: ExecContext, gas: int, b: bytes, start: int, end: int) -> tuple[int, bytes]:
    if not 0 <= start <= end <= len(b):
        raise OutOfBounds(f"SLICE: [{start}:{end}] is not within 0..{len(b)}")
    gas = charge(gas, words(end - start) * _SLICE_WORD, "SLICE")
    return gas, b[start:end]


def _unpack(gas: int, data: bytes, index: int, want: type, name: str) -> tuple[int, Any]:
    gas = charge(gas, words(len(data)) * _UNPACK_WORD, name)
    try:
        value = abi.value_at(data, index)
    except abi.AbiError as exc:
        raise BadArgument(f"{name}: {exc}") from None
    if not isinstance(value, want) or (isinstance(value, bytes) and len(value) > MAX_BYTES):
        raise BadArgument(f"{name}: value {index} is not a VM {want.__name__}")
    return gas, value


def unpacki(ctx: ExecContext, gas: int, data: bytes, index: int) -> tuple[int, int]:
    return _unpack(gas, data, index, int, "UNPACKI")


def unpackb(ctx: ExecContext, gas: int, data: bytes, index: int) -> tuple[int, bytes]:
    return _unpack(gas, data, index, bytes, "UNPACKB")


LIGHT: dict[str, LightHandler] = {"LEN": length, "ITOB": itob, "BTOI": btoi}
EFFECTS: dict[str, Effect] = {
    "CONCAT": concat,
    "SLICE": slice_,
    "UNPACKI": unpacki,
    "UNPACKB": unpackb,
}
