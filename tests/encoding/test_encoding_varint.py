"""Canonical LEB128 varints and length-prefixed bytes: exact vectors, round trips, and
rejection of every non-canonical form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmchain.encoding.errors import EncodingError, NonCanonical, OutOfRange, Truncated
from vmchain.encoding.varint import (
    MAX_VARINT,
    decode_bytes,
    decode_uvarint,
    encode_bytes,
    encode_uvarint,
    ensure_consumed,
)

VECTORS = [
    (0, "00"),
    (1, "01"),
    (127, "7f"),
    (128, "8001"),
    (300, "ac02"),
    (16383, "ff7f"),
    (16384, "808001"),
    (2**32, "8080808010"),
    (MAX_VARINT, "ffffffffffffffffff01"),
]


@pytest.mark.parametrize(("value", "hex_"), VECTORS)
def test_vectors(value: int, hex_: str) -> None:
    assert encode_uvarint(value).hex() == hex_
    assert decode_uvarint(bytes.fromhex(hex_)) == (value, len(hex_) // 2)


@given(st.integers(min_value=0, max_value=MAX_VARINT), st.binary(max_size=4))
def test_round_trip_with_trailing_data(value: int, tail: bytes) -> None:
    encoded = encode_uvarint(value)
    assert decode_uvarint(encoded + tail) == (value, len(encoded))
    assert decode_uvarint(b"\xaa" + encoded, 1) == (value, len(encoded) + 1)


@given(st.binary(max_size=12))
def test_decoding_is_injective_and_canonical(data: bytes) -> None:
    """Whatever decodes re-encodes to exactly the bytes it came from."""
    try:
        value, end = decode_uvarint(data)
    except EncodingError:
        return
    assert encode_uvarint(value) == data[:end]


@pytest.mark.parametrize(
    ("hex_", "error"),
    [
        ("", Truncated),
        ("80", Truncated),
        ("ff", Truncated),
        ("8080", Truncated),
        ("8000", NonCanonical),  # zero, overlong
        ("ff00", NonCanonical),  # 127, overlong
        ("808000", NonCanonical),
        ("ffffffffffffffffff02", OutOfRange),  # 2**64
        ("ffffffffffffffffff7f", OutOfRange),
        ("8080808080808080808001", OutOfRange),  # 11 bytes
    ],
)
def test_rejects(hex_: str, error: type[EncodingError]) -> None:
    with pytest.raises(error):
        decode_uvarint(bytes.fromhex(hex_))


@pytest.mark.parametrize("value", [-1, MAX_VARINT + 1, 2**70])
def test_encode_rejects_out_of_range(value: int) -> None:
    with pytest.raises(OutOfRange):
        encode_uvarint(value)


def test_errors_are_value_errors() -> None:
    assert issubclass(EncodingError, ValueError)


def test_length_prefixed_bytes() -> None:
    assert encode_bytes(b"") == b"\x00"
    assert encode_bytes(b"abc") == b"\x03abc"
    assert encode_bytes(bytes(200))[:2] == b"\xc8\x01"
    assert decode_bytes(b"\x03abcxyz") == (b"abc", 4)
    assert decode_bytes(b"zz\x01q", 2) == (b"q", 4)


@pytest.mark.parametrize(
    ("data", "error"),
    [(b"", Truncated), (b"\x03ab", Truncated), (b"\x80\x00", NonCanonical), (b"\x80", Truncated)],
)
def test_length_prefixed_bytes_rejects(data: bytes, error: type[EncodingError]) -> None:
    with pytest.raises(error):
        decode_bytes(data)


@given(st.lists(st.binary(max_size=300), max_size=5))
def test_bytes_sequence_round_trip(items: list[bytes]) -> None:
    blob = b"".join(encode_bytes(item) for item in items)
    offset = 0
    out = []
    for _ in items:
        item, offset = decode_bytes(blob, offset)
        out.append(item)
    ensure_consumed(blob, offset)
    assert out == items


def test_ensure_consumed_rejects_trailing_bytes() -> None:
    ensure_consumed(b"ab", 2)
    with pytest.raises(NonCanonical, match="1 trailing bytes"):
        ensure_consumed(b"abc", 2)
