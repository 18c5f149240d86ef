"""Hashing the in-memory part of a trie: encode each changed node once, bottom up. Pure.

A dirty node is the list ``[kind, a, b, hash, encoding, stored, generation, patch]``
(see node.py for ``kind, a, b``). Sealing fills ``hash``, ``encoding`` and ``stored``, the
tuple form the node cache keeps once the node is written. A sealed node has only sealed
dirty descendants: any change below it resets its hash.

``patch`` makes the common case cheap: a branch copied from a stored branch, with one
child replaced and everything else equal, is ``(stored encoding, nibble, stored children)``
and is sealed by splicing the new child hash into the stored encoding.
"""

from __future__ import annotations

from hashlib import sha256

from vmchain.state.node import (
    BRANCH,
    EXTENSION,
    HASH_SIZE,
    LEAF,
    DirtyNode,
    encode_branch,
    encode_extension,
    encode_leaf,
)

# Slots of a dirty node.
HASH, ENCODING, STORED, GENERATION, PATCH = 3, 4, 5, 6, 7


def seal(node: DirtyNode, out: list[DirtyNode]) -> bytes:
    """Seal ``node`` and its unsealed dirty descendants; append every dirty node of the
    subtree to ``out`` (children before parents). Returns the node's hash."""
    kind = node[0]
    if kind == BRANCH:
        patch = node[7]
        if patch is not None:
            return _seal_patched(node, patch, out)
        refs: list[bytes | None] = []
        bitmap = 0
        bit = 1
        for child in node[1]:
            if child is not None:
                if child.__class__ is not bytes:
                    child = _child_hash(child, out)
                bitmap |= bit
            refs.append(child)
            bit <<= 1
        encoding = encode_branch(bitmap, [r for r in refs if r is not None], node[2])
        digest = sha256(encoding).digest()
        node[5] = (BRANCH, tuple(refs), node[2], digest, encoding)
    elif kind == LEAF:
        encoding = encode_leaf(node[1], node[2])
        digest = sha256(encoding).digest()
        node[5] = (LEAF, node[1], node[2], digest, encoding)
    else:
        child = node[2]
        if child.__class__ is not bytes:
            child = _child_hash(child, out)
        encoding = encode_extension(node[1], child)
        digest = sha256(encoding).digest()
        node[5] = (EXTENSION, node[1], child, digest, encoding)
    node[3] = digest
    node[4] = encoding
    out.append(node)
    return digest


def _seal_patched(
    node: DirtyNode, patch: tuple[bytes, int, tuple[bytes | None, ...]], out: list[DirtyNode]
) -> bytes:
    stored, nibble, refs = patch
    child = node[1][nibble]
    child_hash = child if child.__class__ is bytes else _child_hash(child, out)
    bitmap = (stored[1] << 8) | stored[2]
    start = 3 + HASH_SIZE * (bitmap & ((1 << nibble) - 1)).bit_count()
    encoding = b"".join((stored[:start], child_hash, stored[start + HASH_SIZE :]))
    digest = sha256(encoding).digest()
    node[3] = digest
    node[4] = encoding
    children = list(refs)
    children[nibble] = child_hash
    node[5] = (BRANCH, tuple(children), node[2], digest, encoding)
    out.append(node)
    return digest


def _child_hash(child: DirtyNode, out: list[DirtyNode]) -> bytes:
    digest: bytes | None = child[3]
    if digest is None:
        return seal(child, out)
    out.extend(dirty_nodes(child))
    return digest


def dirty_nodes(root: DirtyNode) -> list[DirtyNode]:
    """Every dirty node reachable from the sealed ``root``."""
    out = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        kind = node[0]
        if kind == BRANCH:
            for child in node[1]:
                if child is not None and child.__class__ is not bytes:
                    stack.append(child)
        elif kind == EXTENSION and node[2].__class__ is not bytes:
            stack.append(node[2])
    return out
