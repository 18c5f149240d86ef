"""Canonical unsigned LEB128 varints and varint-length-prefixed byte strings.

Seven bits per byte, least significant group first, high bit set on every byte but the
last. Exactly one encoding per value: a multi-byte varint whose last byte is zero
(overlong), a value above ``MAX_VARINT`` and a varint cut short are all rejected.
"""

from __future__ import annotations

from vmchain.encoding.errors import NonCanonical, OutOfRange, Truncated

MAX_VARINT = 2**64 - 1
_MAX_VARINT_BYTES = 10

# Single-byte encodings are by far the most common; build them once.
_SMALL = tuple(bytes((n,)) for n in range(0x80))


def encode_uvarint(value: int) -> bytes:
    """The canonical LEB128 encoding of ``0 <= value <= MAX_VARINT``."""
    if 0 <= value < 0x80:
        return _SMALL[value]
    if value < 0 or value > MAX_VARINT:
        raise OutOfRange(f"varint value {value} is outside 0..2**64-1")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_uvarint(data: bytes, offset: int = 0) -> tuple[int, int]:
    """Decode the varint at ``data[offset:]``; return ``(value, offset just past it)``."""
    end = len(data)
    if offset >= end:
        raise Truncated(f"varint expected at offset {offset}, input has {end} bytes")
    first = data[offset]
    if first < 0x80:
        return first, offset + 1
    value = 0
    shift = 0
    pos = offset
    while True:
        if pos >= end:
            raise Truncated(f"varint starting at offset {offset} runs past the end of the input")
        if pos - offset >= _MAX_VARINT_BYTES:
            raise OutOfRange(f"varint starting at offset {offset} is longer than 10 bytes")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    if byte == 0:
        raise NonCanonical(f"varint starting at offset {offset} is overlong (last byte is zero)")
    if value > MAX_VARINT:
        raise OutOfRange(f"varint starting at offset {offset} exceeds 2**64-1")
    return value, pos


def encode_bytes(data: bytes) -> bytes:
    """``data`` prefixed with its length as a canonical varint."""
    return encode_uvarint(len(data)) + data


def decode_bytes(data: bytes, offset: int = 0) -> tuple[bytes, int]:
    """Decode a length-prefixed byte string at ``data[offset:]``; return it and the next offset."""
    length, start = decode_uvarint(data, offset)
    stop = start + length
    if stop > len(data):
        raise Truncated(
            f"byte string at offset {offset} declares {length} bytes, "
            f"only {len(data) - start} remain"
        )
    return data[start:stop], stop


def ensure_consumed(data: bytes, offset: int) -> None:
    """Raise ``NonCanonical`` if ``data`` has bytes left after ``offset``."""
    if offset != len(data):
        raise NonCanonical(f"{len(data) - offset} trailing bytes after the encoded value")
