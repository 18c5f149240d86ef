"""Trie node encoding and nibble paths: the byte format every state root commits to.

A key is read as nibbles, high nibble first. Nodes are hashed with sha256 and every
child is referenced by its 32-byte hash (no inlining). Encodings (docs/state.md):

    leaf      0x00 || varint(len(key)) || key || value                value non-empty
    extension 0x01 || varint(n) || packed(path, n) || child hash(32)  n >= 1
    branch    0x02 || bitmap(2, big-endian) || child hash(32) per set bit, ascending
                   || value (the rest; empty when the branch holds no value)

``packed`` is the path's nibbles two per byte, high first, a zero nibble padding an odd
count. Bit ``i`` of the bitmap (``1 << i``) marks a child at nibble ``i``. A canonical
branch has two or more children, or one child and a value. The empty trie's root is
``EMPTY_ROOT = sha256(b"")`` and is never stored.

A leaf carries its whole key, not just the rest of its path. So a leaf keeps its hash
when a split or merge moves it, a proof names the key it proves, and no node can occur
twice in one trie (every subtree holds a leaf, and leaves of different keys differ),
which is what lets pruning track nodes without reference counts (see prune.py).

In memory a node is ``(kind, a, b, hash, encoding, ...)``: a leaf ``(LEAF, key, value,
...)``, an extension ``(EXTENSION, path, child, ...)``, a branch ``(BRANCH, children (16
refs or None), value or None, ...)``. Stored nodes are tuples ``(kind, a, b, hash,
encoding, born)`` whose children are hashes (the garbage collector stops tracking such
tuples, which keeps large caches cheap; ``born`` is the version that last wrote the node,
see prune.py). Nodes not yet stored are lists (``DirtyNode``, see seal.py). A ref is a
32-byte hash or a dirty node. Paths are bytes with one nibble per byte.
"""

from __future__ import annotations

from binascii import hexlify, unhexlify
from hashlib import sha256
from typing import Any

from vmchain.encoding.errors import EncodingError
from vmchain.encoding.varint import decode_bytes, decode_uvarint, encode_uvarint
from vmchain.state.errors import InvalidKey, InvalidNode

LEAF = 0
EXTENSION = 1
BRANCH = 2

HASH_SIZE = 32
MAX_KEY_BYTES = 128
EMPTY_ROOT = sha256(b"").digest()

StoredNode = tuple[Any, ...]
DirtyNode = list[Any]
Node = StoredNode | DirtyNode
# A child reference: a stored node's 32-byte hash, or a DirtyNode. Any, because the hot
# paths tell them apart by ``ref.__class__ is bytes`` and mypy cannot follow that.
Ref = Any

_HEX_TO_NIBBLE = bytes.maketrans(b"0123456789abcdef", bytes(range(16)))
_NIBBLE_TO_HEX = bytes.maketrans(bytes(range(16)), b"0123456789abcdef")
_LEAF_TAG = b"\x00"
_EXTENSION_TAG = b"\x01"
_BRANCH_TAG = b"\x02"


def key_nibbles(key: bytes) -> bytes:
    """The nibble path of ``key`` (one nibble per byte), checking type and length."""
    if key.__class__ is not bytes:
        raise InvalidKey(f"trie keys are bytes, got {type(key).__name__}")
    if len(key) > MAX_KEY_BYTES:
        raise InvalidKey(f"trie key is {len(key)} bytes, at most {MAX_KEY_BYTES} allowed")
    return hexlify(key).translate(_HEX_TO_NIBBLE)


def nibbles_key(path: bytes) -> bytes:
    """The key whose nibble path is ``path`` (which must have an even length)."""
    return unhexlify(path.translate(_NIBBLE_TO_HEX))


def pack_nibbles(path: bytes) -> bytes:
    """Two nibbles per byte, high first; an odd count ends with a zero nibble."""
    digits = path.translate(_NIBBLE_TO_HEX)
    if len(path) & 1:
        digits += b"0"
    return unhexlify(digits)


def unpack_nibbles(packed: bytes, count: int) -> bytes:
    """Inverse of ``pack_nibbles``; rejects a non-zero padding nibble."""
    if len(packed) != (count + 1) >> 1:
        raise InvalidNode(
            f"path of {count} nibbles needs {(count + 1) >> 1} bytes, has {len(packed)}"
        )
    nibbles = hexlify(packed).translate(_HEX_TO_NIBBLE)
    if count & 1:
        if nibbles[-1]:
            raise InvalidNode("odd-length path has a non-zero padding nibble")
        return nibbles[:-1]
    return nibbles


def encode_leaf(key: bytes, value: bytes) -> bytes:
    """Encoding of the leaf holding ``value`` under ``key``."""
    length = len(key)
    return _LEAF_TAG + (bytes((length,)) if length < 0x80 else encode_uvarint(length)) + key + value


def encode_extension(path: bytes, child: bytes) -> bytes:
    """Encoding of an extension: the shared ``path`` then the child's hash."""
    count = len(path)
    length = bytes((count,)) if count < 0x80 else encode_uvarint(count)
    return _EXTENSION_TAG + length + pack_nibbles(path) + child


def encode_branch(bitmap: int, hashes: list[bytes], value: bytes | None) -> bytes:
    """Encoding of a branch: ``bitmap`` bit i marks a child at nibble i, ``hashes`` are
    those children's hashes in nibble order, ``value`` the value ending at the branch."""
    return _BRANCH_TAG + bitmap.to_bytes(2, "big") + b"".join(hashes) + (value or b"")


def _read_path(encoding: bytes) -> tuple[bytes, int]:
    try:
        count, offset = decode_uvarint(encoding, 1)
    except EncodingError as exc:
        raise InvalidNode(f"bad path length in trie node: {exc}") from exc
    end = offset + ((count + 1) >> 1)
    if end > len(encoding):
        raise InvalidNode(f"trie node path of {count} nibbles runs past the node's end")
    return unpack_nibbles(encoding[offset:end], count), end


def decode_leaf(encoding: bytes) -> tuple[bytes, bytes]:
    """``(key, value)`` of an encoded leaf."""
    try:
        key, end = decode_bytes(encoding, 1)
    except EncodingError as exc:
        raise InvalidNode(f"bad key in trie leaf: {exc}") from exc
    if len(key) > MAX_KEY_BYTES:
        raise InvalidNode(f"trie leaf key is {len(key)} bytes, at most {MAX_KEY_BYTES} allowed")
    value = encoding[end:]
    if not value:
        raise InvalidNode("trie leaf has an empty value")
    return key, value


def decode_extension(encoding: bytes) -> tuple[bytes, bytes]:
    """``(path, child hash)`` of an encoded extension."""
    path, end = _read_path(encoding)
    if not path:
        raise InvalidNode("trie extension has an empty path")
    child = encoding[end:]
    if len(child) != HASH_SIZE:
        raise InvalidNode(f"trie extension child reference is {len(child)} bytes, not 32")
    return path, child


def branch_layout(encoding: bytes) -> tuple[int, int]:
    """``(bitmap, offset of the value)`` of an encoded branch, checking its shape."""
    if len(encoding) < 3:
        raise InvalidNode("trie branch is shorter than its 3-byte header")
    bitmap = (encoding[1] << 8) | encoding[2]
    count = bitmap.bit_count()
    end = 3 + HASH_SIZE * count
    if len(encoding) < end:
        raise InvalidNode(f"trie branch declares {count} children but is {len(encoding)} bytes")
    if count == 0 or (count == 1 and len(encoding) == end):
        raise InvalidNode(
            f"non-canonical trie branch: {count} child(ren), value: {len(encoding) > end}"
        )
    return bitmap, end


def branch_child(encoding: bytes, bitmap: int, nibble: int) -> bytes | None:
    """Hash of the branch's child at ``nibble``, or None."""
    if not (bitmap >> nibble) & 1:
        return None
    start = 3 + HASH_SIZE * (bitmap & ((1 << nibble) - 1)).bit_count()
    return encoding[start : start + HASH_SIZE]


def decode_node(encoding: bytes, node_hash: bytes, born: int) -> StoredNode:
    """The in-memory node for a stored ``encoding`` whose hash is ``node_hash``, written
    last at version ``born``."""
    tag = encoding[0] if encoding else -1
    if tag == LEAF:
        key, value = decode_leaf(encoding)
        return (LEAF, key, value, node_hash, encoding, born)
    if tag == EXTENSION:
        path, child = decode_extension(encoding)
        return (EXTENSION, path, child, node_hash, encoding, born)
    if tag == BRANCH:
        bitmap, end = branch_layout(encoding)
        children: list[bytes | None] = [None] * 16
        pos = 3
        for nibble in range(16):
            if (bitmap >> nibble) & 1:
                children[nibble] = encoding[pos : pos + HASH_SIZE]
                pos += HASH_SIZE
        return (BRANCH, tuple(children), encoding[end:] or None, node_hash, encoding, born)
    raise InvalidNode(f"unknown trie node tag {tag} in node {node_hash.hex()}")
