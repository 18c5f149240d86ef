"""Binary Merkle trees over sha256 for tx_root and receipts_root, with inclusion proofs.

The tree is the one of RFC 6962 / RFC 9162 (Certificate Transparency), with domain-separated
hashing so a leaf can never pass for an inner node:

    leaf_hash(d)    = sha256(0x00 || d)
    node_hash(l, r) = sha256(0x01 || l || r)
    root([])        = sha256(b"")            (the empty root, EMPTY_ROOT below)
    root([d])       = leaf_hash(d)
    root(D[n])      = node_hash(root(D[:k]), root(D[k:])), k = largest power of two < n

Built bottom-up, this is pairing neighbours level by level and carrying an unpaired last node
up unchanged (never duplicating it, so there is no second-preimage trick as in Bitcoin's tree).
`verify_inclusion` is pure and needs only the root, the leaf bytes and the proof: the SDK uses it
offline for receipt bundles. The root does not commit to the tree size on its own (a leftmost
leaf's path can fit several sizes), so a verifier takes the size from the sealed header
(tx_count), never from the proof's sender.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _next_level(level: list[bytes]) -> list[bytes]:
    paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        paired.append(level[-1])
    return paired


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaf hashes first, the root's one-element level last."""
    levels = [[leaf_hash(d) for d in leaves]]
    while len(levels[-1]) > 1:
        levels.append(_next_level(levels[-1]))
    return levels


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root over the leaf data, in order."""
    if not leaves:
        return EMPTY_ROOT
    level = [leaf_hash(d) for d in leaves]
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """The audit path of leaf `index` in a tree of `size` leaves, from the leaf upwards."""

    index: int
    size: int
    path: tuple[bytes, ...]


def prove_inclusion(leaves: Sequence[bytes], index: int) -> InclusionProof:
    """The inclusion proof of leaves[index]."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf index {index} out of range for {len(leaves)} leaves")
    path = []
    position = index
    for level in _levels(leaves)[:-1]:
        sibling = position ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        position //= 2
    return InclusionProof(index=index, size=len(leaves), path=tuple(path))


def root_from_proof(leaf: bytes, proof: InclusionProof) -> bytes | None:
    """The root that `leaf` and `proof` imply, or None when the proof is malformed.

    RFC 9162 section 2.1.3.2, applied to the leaf hash.
    """
    index, last = proof.index, proof.size - 1
    if not 0 <= index <= last or any(len(h) != HASH_SIZE for h in proof.path):
        return None
    digest = leaf_hash(leaf)
    for sibling in proof.path:
        if last == 0:
            return None
        if index & 1 or index == last:
            digest = node_hash(sibling, digest)
            while not index & 1 and index != 0:
                index >>= 1
                last >>= 1
        else:
            digest = node_hash(digest, sibling)
        index >>= 1
        last >>= 1
    return digest if last == 0 else None


def verify_inclusion(root: bytes, leaf: bytes, proof: InclusionProof) -> bool:
    """True iff `leaf` is at `proof.index` of the `proof.size`-leaf tree with this root."""
    return root_from_proof(leaf, proof) == root
