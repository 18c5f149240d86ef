"""The trie node encoding: exact bytes for each node kind and strict decoding."""

from __future__ import annotations

from hashlib import sha256

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmchain.state.errors import InvalidKey, InvalidNode
from vmchain.state.node import (
    BRANCH,
    EMPTY_ROOT,
    EXTENSION,
    LEAF,
    MAX_KEY_BYTES,
    decode_node,
    encode_branch,
    encode_extension,
    encode_leaf,
    key_nibbles,
    nibbles_key,
    pack_nibbles,
    unpack_nibbles,
)

H1 = bytes(range(32))
H2 = bytes(range(32, 64))


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_key_nibbles() -> None:
    assert key_nibbles(b"") == b""
    assert key_nibbles(b"\x1f\xa0") == bytes([1, 15, 10, 0])
    assert nibbles_key(bytes([1, 15, 10, 0])) == b"\x1f\xa0"


def test_key_checks() -> None:
    key_nibbles(bytes(MAX_KEY_BYTES))
    with pytest.raises(InvalidKey, match="at most 128"):
        key_nibbles(bytes(MAX_KEY_BYTES + 1))
    with pytest.raises(InvalidKey, match="got str"):
        key_nibbles("abc")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "packed"),
    [(b"", ""), (bytes([1]), "10"), (bytes([1, 2]), "12"), (bytes([15, 0, 7]), "f070")],
)
def test_pack_nibbles(path: bytes, packed: str) -> None:
    assert pack_nibbles(path).hex() == packed
    assert unpack_nibbles(bytes.fromhex(packed), len(path)) == path


@given(st.binary(max_size=40).map(lambda b: bytes(x & 15 for x in b)))
def test_pack_round_trip(path: bytes) -> None:
    assert unpack_nibbles(pack_nibbles(path), len(path)) == path


def test_unpack_rejects_padding_and_length() -> None:
    with pytest.raises(InvalidNode, match="padding"):
        unpack_nibbles(b"\x11", 1)
    with pytest.raises(InvalidNode, match="needs 1 bytes"):
        unpack_nibbles(b"\x11\x22", 1)


def test_leaf_vector() -> None:
    encoding = encode_leaf(b"\xab\xcd", b"value")
    assert encoding.hex() == "0002abcd" + b"value".hex()
    assert decode_node(encoding, H1, 7) == (LEAF, b"\xab\xcd", b"value", H1, encoding, 7)
    assert encode_leaf(b"", b"v").hex() == "000076"


def test_extension_vector() -> None:
    encoding = encode_extension(bytes([1, 2, 3]), H1)
    assert encoding.hex() == "01031230" + H1.hex()
    assert decode_node(encoding, H2, 0) == (EXTENSION, bytes([1, 2, 3]), H1, H2, encoding, 0)


def test_branch_vector() -> None:
    bitmap = (1 << 0) | (1 << 10)
    encoding = encode_branch(bitmap, [H1, H2], b"val")
    assert encoding.hex() == "020401" + H1.hex() + H2.hex() + b"val".hex()
    children = tuple(H1 if i == 0 else H2 if i == 10 else None for i in range(16))
    assert decode_node(encoding, H1, 3) == (BRANCH, children, b"val", H1, encoding, 3)
    no_value = encode_branch(bitmap, [H1, H2], None)
    assert decode_node(no_value, H1, 3)[2] is None


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        (b"", "unknown trie node tag"),
        (b"\x07abc", "unknown trie node tag"),
        (b"\x00\x02ab", "empty value"),
        (b"\x00\x05ab", "bad key"),
        (b"\x01\x00" + H1, "empty path"),
        (b"\x01\x01\x10" + H1[:31], "not 32"),
        (b"\x01\x01\x11" + H1, "padding"),
        (b"\x01\x80\x00" + H1, "bad path length"),
        (b"\x02\x00", "shorter than its 3-byte header"),
        (b"\x02\x00\x03" + H1, "declares 2 children"),
        (b"\x02\x00\x00value", "non-canonical trie branch: 0"),
        (b"\x02\x00\x01" + H1, "non-canonical trie branch: 1"),
    ],
)
def test_decode_rejects(encoding: bytes, message: str) -> None:
    with pytest.raises(InvalidNode, match=message):
        decode_node(encoding, sha256(encoding).digest(), 0)


def test_branch_with_one_child_and_a_value_is_canonical() -> None:
    encoding = encode_branch(1 << 5, [H1], b"v")
    assert decode_node(encoding, H2, 0)[1][5] == H1
