"""Checking Merkle proofs of inclusion and exclusion against a state root. Pure.

A proof for a key is the list of node encodings on the key's path, root first, as
``Trie.prove`` returns them. ``verify_proof`` needs nothing else: the SDK checks a node's
answer against a sealed header's state root without trusting the node.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from vmchain.encoding.errors import EncodingError
from vmchain.encoding.varint import decode_bytes, decode_uvarint, encode_bytes, encode_uvarint
from vmchain.state.errors import InvalidNode, InvalidProof
from vmchain.state.node import (
    BRANCH,
    EMPTY_ROOT,
    EXTENSION,
    HASH_SIZE,
    LEAF,
    branch_child,
    branch_layout,
    decode_extension,
    decode_leaf,
    key_nibbles,
)

MAX_PROOF_NODES = 1024

_NOT_DONE = object()


def verify_proof(root: bytes, key: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The value ``proof`` proves for ``key`` under ``root``, or None if it proves that
    ``key`` is absent. Raises ``InvalidProof`` if the proof proves neither: a node that
    does not hash to its parent's reference, a missing node, extra nodes, bad encodings."""
    if root.__class__ is not bytes or len(root) != HASH_SIZE:
        raise InvalidProof(f"state root must be {HASH_SIZE} bytes")
    nibbles = key_nibbles(key)
    if root == EMPTY_ROOT:
        if proof:
            raise InvalidProof(f"the empty root needs an empty proof, got {len(proof)} nodes")
        return None
    expected = root
    pos = 0
    last = len(proof) - 1
    for index, encoding in enumerate(proof):
        if encoding.__class__ is not bytes or sha256(encoding).digest() != expected:
            raise InvalidProof(f"proof node {index} does not hash to {expected.hex()}")
        try:
            step = _step(encoding, key, nibbles, pos)
        except InvalidNode as exc:
            raise InvalidProof(f"proof node {index} is not a valid trie node: {exc}") from exc
        if step[0] is _NOT_DONE:
            expected, pos = step[1], step[2]
            continue
        if index != last:
            raise InvalidProof(f"proof has {last - index} node(s) after the one that decides")
        result: bytes | None = step[0]  # type: ignore[assignment]
        return result
    raise InvalidProof(f"proof ends before the key's path does (next node {expected.hex()})")


def _step(encoding: bytes, key: bytes, nibbles: bytes, pos: int) -> tuple[object, bytes, int]:
    """Follow ``nibbles[pos:]`` (the rest of ``key``'s path) through one node:
    ``(_NOT_DONE, child, pos)`` to go on, or ``(value or None, b"", pos)`` when this node
    decides the answer."""
    tag = encoding[0] if encoding else -1
    if tag == BRANCH:
        bitmap, value_at = branch_layout(encoding)
        if pos == len(nibbles):
            return encoding[value_at:] or None, b"", pos
        child = branch_child(encoding, bitmap, nibbles[pos])
        if child is None:
            return None, b"", pos
        return _NOT_DONE, child, pos + 1
    if tag == LEAF:
        leaf_key, value = decode_leaf(encoding)
        if leaf_key == key:
            return value, b"", pos
        if not key_nibbles(leaf_key).startswith(nibbles[:pos]):
            raise InvalidNode("leaf key does not match the path that leads to it")
        return None, b"", pos
    if tag == EXTENSION:
        path, child = decode_extension(encoding)
        if not nibbles.startswith(path, pos):
            return None, b"", pos
        return _NOT_DONE, child, pos + len(path)
    raise InvalidNode(f"unknown node tag {tag}")


def encode_proof(proof: Sequence[bytes]) -> bytes:
    """One byte string for a proof: varint node count, then each node length-prefixed."""
    return encode_uvarint(len(proof)) + b"".join(encode_bytes(node) for node in proof)


def decode_proof(blob: bytes) -> list[bytes]:
    """Inverse of ``encode_proof``; raises ``InvalidProof`` on anything malformed."""
    try:
        count, offset = decode_uvarint(blob)
        if count > MAX_PROOF_NODES:
            raise InvalidProof(f"proof claims {count} nodes, at most {MAX_PROOF_NODES} allowed")
        nodes = []
        for _ in range(count):
            node, offset = decode_bytes(blob, offset)
            nodes.append(node)
    except EncodingError as exc:
        raise InvalidProof(f"malformed proof encoding: {exc}") from exc
    if offset != len(blob):
        raise InvalidProof(f"{len(blob) - offset} trailing bytes after the proof")
    return nodes
