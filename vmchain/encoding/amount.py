"""The one canonical byte form of an amount (DESIGN.md section 3).

An amount is an integer ``0 <= n < 2**128`` in minor units. It travels as unsigned
big-endian bytes with no leading zero byte; zero is the empty string. Anything else
(a leading zero, more than 16 bytes, a negative or too large integer) is rejected.
"""

from __future__ import annotations

from vmchain.encoding.errors import NonCanonical, OutOfRange

MAX_AMOUNT = 2**128 - 1
AMOUNT_MAX_BYTES = 16


def check_amount(value: int) -> int:
    """Return ``value`` if it is a valid amount, else raise ``OutOfRange``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise OutOfRange(f"amount must be an int, got {type(value).__name__}")
    if value < 0 or value > MAX_AMOUNT:
        raise OutOfRange(f"amount {value} is outside 0..2**128-1")
    return value


def encode_amount(value: int) -> bytes:
    """Unsigned big-endian bytes of ``value`` without leading zeros (zero -> ``b""``)."""
    check_amount(value)
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def decode_amount(data: bytes) -> int:
    """Decode a canonical amount, rejecting leading zero bytes and more than 16 bytes."""
    if len(data) > AMOUNT_MAX_BYTES:
        raise OutOfRange(f"amount is {len(data)} bytes long, at most {AMOUNT_MAX_BYTES} allowed")
    if data[:1] == b"\x00":
        raise NonCanonical("amount has a leading zero byte (zero is the empty string)")
    return int.from_bytes(data, "big")
