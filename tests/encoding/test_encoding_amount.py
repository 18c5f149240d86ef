"""The canonical amount form (DESIGN.md section 3): exact vectors, round trips, and
rejection of leading zeros, overlong and out-of-range amounts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmchain.encoding.amount import MAX_AMOUNT, check_amount, decode_amount, encode_amount
from vmchain.encoding.errors import EncodingError, NonCanonical, OutOfRange

VECTORS = [
    (0, ""),
    (1, "01"),
    (255, "ff"),
    (256, "0100"),
    (10**24, "d3c21bcecceda1000000"),
    (MAX_AMOUNT, "ff" * 16),
]


@pytest.mark.parametrize(("value", "hex_"), VECTORS)
def test_vectors(value: int, hex_: str) -> None:
    assert encode_amount(value).hex() == hex_
    assert decode_amount(bytes.fromhex(hex_)) == value


@given(st.integers(min_value=0, max_value=MAX_AMOUNT))
def test_round_trip(value: int) -> None:
    encoded = encode_amount(value)
    assert decode_amount(encoded) == value
    assert encoded[:1] != b"\x00"
    assert len(encoded) <= 16


@given(st.binary(max_size=20))
def test_decoding_is_canonical(data: bytes) -> None:
    """Whatever decodes re-encodes to exactly the same bytes."""
    try:
        value = decode_amount(data)
    except EncodingError:
        return
    assert encode_amount(value) == data


@pytest.mark.parametrize(
    ("hex_", "error"),
    [
        ("00", NonCanonical),
        ("0001", NonCanonical),
        ("00ff", NonCanonical),
        ("01" + "00" * 16, OutOfRange),
        ("00" * 17, OutOfRange),
    ],
)
def test_decode_rejects(hex_: str, error: type[EncodingError]) -> None:
    with pytest.raises(error):
        decode_amount(bytes.fromhex(hex_))


@pytest.mark.parametrize("value", [-1, MAX_AMOUNT + 1, 2**200])
def test_encode_rejects_out_of_range(value: int) -> None:
    with pytest.raises(OutOfRange):
        encode_amount(value)


@pytest.mark.parametrize("value", [True, 1.0, "1", None])
def test_rejects_non_int(value: object) -> None:
    with pytest.raises(OutOfRange, match="must be an int"):
        check_amount(value)  # type: ignore[arg-type]
