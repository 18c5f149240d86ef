"""verify_proof case by case: each way a key can be absent, the empty root, and the
transport encoding of a proof."""

from __future__ import annotations

from hashlib import sha256

import pytest

from vmchain.state.errors import InvalidKey, InvalidProof
from vmchain.state.node import EMPTY_ROOT, encode_branch, encode_leaf
from vmchain.state.nodestore import NodeStore
from vmchain.state.proof import decode_proof, encode_proof, verify_proof
from vmchain.state.trie import Trie


def build(entries: dict[bytes, bytes]) -> Trie:
    trie = Trie(NodeStore.memory())
    for key, value in entries.items():
        trie.put(key, value)
    return trie


ENTRIES = {b"\x12\x34": b"a", b"\x12\x35": b"b", b"\x12": b"c", b"\x99\x00": b"d"}


@pytest.mark.parametrize(
    ("key", "nodes", "why"),
    [
        (b"\x12\x34", 5, "present, below a branch with a value"),
        (b"\x12", 3, "present, as a branch value"),
        (b"\x56", 1, "absent: the root branch has no child at nibble 5"),
        (b"\x12\x36", 4, "absent: no child at nibble 6 of the inner branch"),
        (b"\x99\x01", 2, "absent: a leaf of another key sits on the path"),
        (b"\x13", 2, "absent: the extension's path diverges"),
        (b"", 1, "absent: the root branch holds no value"),
    ],
)
def test_shapes(key: bytes, nodes: int, why: str) -> None:
    trie = build(ENTRIES)
    proof = trie.prove(key)
    assert len(proof) == nodes, why
    assert verify_proof(trie.root(), key, proof) == ENTRIES.get(key), why


def test_single_leaf_trie() -> None:
    trie = build({b"k": b"v"})
    root = trie.root()
    assert trie.prove(b"k") == [encode_leaf(b"k", b"v")]
    assert verify_proof(root, b"k", trie.prove(b"k")) == b"v"
    assert verify_proof(root, b"j", trie.prove(b"j")) is None


def test_empty_root() -> None:
    assert verify_proof(EMPTY_ROOT, b"k", []) is None
    with pytest.raises(InvalidProof, match="empty proof"):
        verify_proof(EMPTY_ROOT, b"k", [encode_leaf(b"k", b"v")])


def test_a_proof_for_another_root_fails() -> None:
    trie = build(ENTRIES)
    other = build({**ENTRIES, b"\x12\x34": b"z"})
    with pytest.raises(InvalidProof, match="node 0 does not hash"):
        verify_proof(other.root(), b"\x12\x34", trie.prove(b"\x12\x34"))


def test_truncated_and_padded_proofs_fail() -> None:
    trie = build(ENTRIES)
    proof = trie.prove(b"\x12\x34")
    with pytest.raises(InvalidProof, match="ends before"):
        verify_proof(trie.root(), b"\x12\x34", proof[:-1])
    with pytest.raises(InvalidProof, match="after the one that decides"):
        verify_proof(trie.root(), b"\x12\x34", [*proof, proof[-1]])
    with pytest.raises(InvalidProof, match="ends before"):
        verify_proof(trie.root(), b"\x12\x34", [])


def test_a_leaf_off_its_path_is_rejected() -> None:
    """A hand-built trie whose leaf does not belong where it hangs proves nothing."""
    leaf = encode_leaf(b"\x55", b"v")
    root_node = encode_branch((1 << 1) | (1 << 2), [sha256(leaf).digest()] * 2, None)
    root = sha256(root_node).digest()
    with pytest.raises(InvalidProof, match="does not match the path"):
        verify_proof(root, b"\x10", [root_node, leaf])


def test_non_node_bytes_fail() -> None:
    junk = b"\x07junk"
    with pytest.raises(InvalidProof, match="not a valid trie node"):
        verify_proof(sha256(junk).digest(), b"k", [junk])


def test_bad_root_and_key() -> None:
    with pytest.raises(InvalidProof, match="32 bytes"):
        verify_proof(b"\x00" * 31, b"k", [])
    with pytest.raises(InvalidKey):
        verify_proof(EMPTY_ROOT, bytes(200), [])


def test_proof_transport_encoding() -> None:
    trie = build(ENTRIES)
    proof = trie.prove(b"\x12\x34")
    blob = encode_proof(proof)
    assert decode_proof(blob) == proof
    assert encode_proof([]) == b"\x00"
    assert encode_proof([b"ab", b""]).hex() == "0202616200"
    for bad, message in [
        (b"", "malformed"),
        (b"\x01\x05ab", "malformed"),
        (b"\x01\x00\x00", "trailing"),
        (b"\x80\x10", "at most 1024"),
    ]:
        with pytest.raises(InvalidProof, match=message):
            decode_proof(bad)
