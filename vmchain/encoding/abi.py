"""ABI value encoding: the one canonical byte form of a list of VM values.

Used for call arguments, return values and event fields. A list is the concatenation of
its values; each value is type-tagged:

    int    0x01 || n (1 byte, 0..32) || n bytes: big-endian two's complement, minimal
                 (zero is n = 0; no redundant 0x00 / 0xff sign byte); range -2**255..2**255-1
    bytes  0x02 || length (4 bytes, big-endian) || the bytes

Decoding rejects anything that is not exactly this form (unknown tag, overlong int,
truncated input), so every value list has one encoding and every accepted input
re-encodes to the identical bytes. Tags 0x03.. are reserved. Python ``bool`` encodes as
the int 0 or 1. The typed ABI of the contract language (Address, bool, tuples) is
layered on top of this.
"""

from __future__ import annotations

from collections.abc import Sequence

from vmchain.encoding.errors import EncodingError

TAG_INT = 0x01
TAG_BYTES = 0x02
INT_MIN = -(1 << 255)
INT_MAX = (1 << 255) - 1
MAX_INT_BYTES = 32
_LEN_BYTES = 4
MAX_BYTES_LENGTH = (1 << (8 * _LEN_BYTES)) - 1

AbiValue = int | bytes


class AbiError(EncodingError):
    """Bytes that are not the canonical ABI encoding of a value list, or an unencodable value."""


def int_width(value: int) -> int:
    """Fewest bytes holding ``value`` in two's complement (0 for zero)."""
    if value == 0:
        return 0
    magnitude = value if value >= 0 else ~value
    return magnitude.bit_length() // 8 + 1


def encode_value(value: AbiValue) -> bytes:
    """The canonical encoding of one value."""
    if isinstance(value, bytes):
        if len(value) > MAX_BYTES_LENGTH:
            raise AbiError(f"bytes of length {len(value)} exceed the 4-byte length prefix")
        return bytes((TAG_BYTES,)) + len(value).to_bytes(_LEN_BYTES, "big") + value
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise AbiError(f"int {value} is outside -2**255..2**255-1")
        width = int_width(value)
        return bytes((TAG_INT, width)) + int(value).to_bytes(width, "big", signed=True)
    raise AbiError(f"cannot encode {type(value).__name__}: ABI values are int or bytes")


def encode(values: Sequence[AbiValue]) -> bytes:
    """The canonical encoding of a list of values (the empty list is b"")."""
    return b"".join(encode_value(v) for v in values)


def _need(data: bytes, offset: int, count: int, what: str) -> None:
    if offset + count > len(data):
        raise AbiError(
            f"truncated {what} at offset {offset}: need {count} bytes, {len(data) - offset} left"
        )


def decode_value(data: bytes, offset: int = 0) -> tuple[AbiValue, int]:
    """Decode the value at ``data[offset:]``; return ``(value, offset just past it)``."""
    _need(data, offset, 1, "value tag")
    tag = data[offset]
    if tag == TAG_INT:
        _need(data, offset + 1, 1, "int width")
        width = data[offset + 1]
        if width > MAX_INT_BYTES:
            raise AbiError(f"int at offset {offset} is {width} bytes wide, at most 32 allowed")
        start = offset + 2
        _need(data, start, width, "int")
        value = int.from_bytes(data[start : start + width], "big", signed=True)
        if int_width(value) != width:
            raise AbiError(f"int at offset {offset} is not minimal (non-canonical)")
        return value, start + width
    if tag == TAG_BYTES:
        _need(data, offset + 1, _LEN_BYTES, "bytes length")
        length = int.from_bytes(data[offset + 1 : offset + 1 + _LEN_BYTES], "big")
        start = offset + 1 + _LEN_BYTES
        _need(data, start, length, "bytes")
        return data[start : start + length], start + length
    raise AbiError(f"unknown value tag 0x{tag:02x} at offset {offset}")


def _check_int_header(data: bytes, pos: int, end: int) -> int:
    """Validate the int at ``pos`` without building it; return the offset past it."""
    if pos + 2 > end:
        raise AbiError(f"truncated int width at offset {pos}")
    width = data[pos + 1]
    stop = pos + 2 + width
    if width > MAX_INT_BYTES or stop > end:
        raise AbiError(f"int at offset {pos} is too wide or truncated")
    if width:
        first = data[pos + 2]
        second = data[pos + 3] if width > 1 else -1
        if (first == 0 and (width == 1 or second < 0x80)) or (first == 0xFF and second >= 0x80):
            raise AbiError(f"int at offset {pos} is not minimal (non-canonical)")
    return stop


def value_at(data: bytes, index: int) -> AbiValue:
    """Value ``index`` of an ABI list, checking the whole list is canonical.

    Accepts and rejects exactly what ``decode`` does (``value_at(d, i) == decode(d)[i]``)
    but builds only the one value, so its cost is a short loop per value.
    """
    end = len(data)
    pos = 0
    count = 0
    found: AbiValue | None = None
    while pos < end:
        start = pos
        tag = data[pos]
        if tag == TAG_INT:
            pos = _check_int_header(data, pos, end)
        elif tag == TAG_BYTES:
            if pos + 1 + _LEN_BYTES > end:
                raise AbiError(f"truncated bytes length at offset {pos}")
            pos += 1 + _LEN_BYTES + int.from_bytes(data[pos + 1 : pos + 1 + _LEN_BYTES], "big")
            if pos > end:
                raise AbiError(f"truncated bytes at offset {start}")
        else:
            raise AbiError(f"unknown value tag 0x{tag:02x} at offset {pos}")
        if count == index:
            found = decode_value(data, start)[0]
        count += 1
    if found is None:
        raise AbiError(f"index {index} outside a list of {count} values")
    return found


def decode(data: bytes) -> tuple[AbiValue, ...]:
    """Decode a whole value list; the input must be exactly its canonical encoding."""
    if not isinstance(data, bytes):
        raise AbiError(f"ABI data must be bytes, not {type(data).__name__}")
    values: list[AbiValue] = []
    offset = 0
    while offset < len(data):
        value, offset = decode_value(data, offset)
        values.append(value)
    return tuple(values)
