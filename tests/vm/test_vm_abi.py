"""ABI value encoding: exact bytes, canonical decoding, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.encoding import abi

INTS = st.integers(min_value=-(2**255), max_value=2**255 - 1)
VALUES = st.lists(st.one_of(INTS, st.binary(max_size=64)), max_size=8)


@pytest.mark.parametrize(
    ("values", "encoded"),
    [
        ([], ""),
        ([0], "0100"),
        ([1], "010101"),
        ([-1], "0101ff"),
        ([127], "01017f"),
        ([128], "01020080"),
        ([-128], "010180"),
        ([-129], "0102ff7f"),
        ([b""], "0200000000"),
        ([b"hi", 5], "02000000026869" + "010105"),
        ([2**255 - 1], "0120" + "7f" + "ff" * 31),
        ([-(2**255)], "0120" + "80" + "00" * 31),
    ],
)
def test_exact_encodings(values: list[abi.AbiValue], encoded: str) -> None:
    assert abi.encode(values).hex() == encoded
    assert abi.decode(bytes.fromhex(encoded)) == tuple(values)


def test_bool_encodes_as_int() -> None:
    assert abi.encode([True, False]) == abi.encode([1, 0])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("03", "unknown value tag 0x03"),
        ("01", "truncated int width"),
        ("0102ff", "truncated int"),
        ("010100", "not minimal"),
        ("01020001", "not minimal"),
        ("0102ffff", "not minimal"),
        ("0121" + "00" * 33, "33 bytes wide"),
        ("02000000", "truncated bytes length"),
        ("020000000568", "truncated bytes at offset 5"),
        ("0100" + "ff", "unknown value tag 0xff at offset 2"),
    ],
)
def test_rejects_non_canonical(data: str, message: str) -> None:
    with pytest.raises(abi.AbiError, match=message):
        abi.decode(bytes.fromhex(data))


@pytest.mark.parametrize("value", [2**255, -(2**255) - 1, 1.5, "text", None])
def test_rejects_unencodable(value: object) -> None:
    with pytest.raises(abi.AbiError):
        abi.encode([value])  # type: ignore[list-item]


@settings(max_examples=300)
@given(VALUES)
def test_round_trip(values: list[abi.AbiValue]) -> None:
    data = abi.encode(values)
    assert abi.decode(data) == tuple(values)


@settings(max_examples=500)
@given(st.binary(max_size=48))
def test_decode_is_canonical_or_rejects(data: bytes) -> None:
    try:
        values = abi.decode(data)
    except abi.AbiError:
        return
    assert abi.encode(values) == data


@settings(max_examples=400)
@given(st.binary(max_size=40), st.integers(min_value=-1, max_value=6))
def test_value_at_agrees_with_decode_on_any_bytes(data: bytes, index: int) -> None:
    try:
        values = abi.decode(data)
    except abi.AbiError:
        with pytest.raises(abi.AbiError):
            abi.value_at(data, index)
        return
    if 0 <= index < len(values):
        assert abi.value_at(data, index) == values[index]
    else:
        with pytest.raises(abi.AbiError, match=f"index {index} outside"):
            abi.value_at(data, index)


@settings(max_examples=200)
@given(VALUES, st.integers(min_value=0, max_value=7))
def test_value_at_on_valid_lists(values: list[abi.AbiValue], index: int) -> None:
    data = abi.encode(values)
    if index < len(values):
        assert abi.value_at(data, index) == values[index]
        with pytest.raises(abi.AbiError, match="not minimal"):
            abi.value_at(data + b"\x01\x01\x00", index)
