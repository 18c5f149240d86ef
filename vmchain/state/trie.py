"""The hexary Merkle Patricia trie over a write overlay: speculative root first, commit once.

A ``Trie`` starts at a stored root (or the empty root). ``put`` and ``delete`` never touch
storage: they build in-memory nodes along the key's path and keep untouched subtrees as
hash references. Nodes are copied on write once per generation; ``snapshot`` starts a new
generation, so older nodes stay frozen and ``revert`` is O(1), while repeated changes in
one generation update the new nodes in place. ``root`` hashes only changed nodes, each
once. ``collect`` returns the changes as a ``TrieDiff`` (new nodes plus the stored nodes
they replaced) for the caller to write in its own batch; ``commit`` does collect plus one
batch write itself.

Pure: no I/O of its own, only reads through the ``NodeStore`` it is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vmchain.state.errors import InvalidValue, StateError
from vmchain.state.node import (
    BRANCH,
    EMPTY_ROOT,
    EXTENSION,
    LEAF,
    DirtyNode,
    Node,
    Ref,
    key_nibbles,
    nibbles_key,
)
from vmchain.state.nodestore import NodeStore, TrieDiff
from vmchain.state.seal import dirty_nodes, seal


class Trie:
    """A Merkle Patricia trie at one root, with an in-memory overlay of uncommitted changes."""

    __slots__ = ("_base", "_cache", "_gen", "_nodes", "_replaced", "_root", "_snapshots")

    def __init__(self, nodes: NodeStore, root: bytes = EMPTY_ROOT) -> None:
        self._nodes = nodes
        self._cache = nodes.cache
        self._base = root
        self._root: Ref | None = None if root == EMPTY_ROOT else root
        # Hashes of stored nodes that the overlay no longer references (one entry per
        # replaced occurrence): the pruning journal's removals for this commit.
        self._replaced: list[bytes] = []
        self._snapshots: list[tuple[Ref | None, int]] = []
        # Dirty nodes of the current generation may be changed in place.
        self._gen = 0

    @property
    def nodes(self) -> NodeStore:
        """The node store this trie reads from."""
        return self._nodes

    @property
    def base_root(self) -> bytes:
        """The stored root the overlay applies to (the root at open or last commit)."""
        return self._base

    # -- reads ---------------------------------------------------------------------------

    def get(self, key: bytes) -> bytes | None:
        """The value under ``key``, or None."""
        nibbles = key_nibbles(key)
        end = len(nibbles)
        pos = 0
        ref = self._root
        cache = self._cache
        while ref is not None:
            node: Any = cache.get(ref) or self._nodes.load(ref) if ref.__class__ is bytes else ref
            kind = node[0]
            if kind == BRANCH:
                if pos == end:
                    value: bytes | None = node[2]
                    return value
                ref = node[1][nibbles[pos]]
                pos += 1
            elif kind == LEAF:
                found: bytes | None = node[2] if node[1] == key else None
                return found
            else:
                path = node[1]
                if not nibbles.startswith(path, pos):
                    return None
                pos += len(path)
                ref = node[2]
        return None

    def items(self, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value) pair whose key starts with ``prefix``, in key order."""
        want = key_nibbles(prefix)
        ref = self._root
        at = b""  # the nibble path of the node ``ref`` points to
        while ref is not None and len(at) < len(want):
            node = self._node(ref)
            kind = node[0]
            if kind == LEAF:
                if node[1].startswith(prefix):
                    yield node[1], node[2]
                return
            if kind == BRANCH:
                nibble = want[len(at)]
                ref = node[1][nibble]
                at += bytes((nibble,))
                continue
            at += node[1]
            if not (at.startswith(want) or want.startswith(at)):
                return
            ref = node[2]
        if ref is not None:
            yield from self._items(ref, at)

    def _items(self, ref: Ref, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        node = self._node(ref)
        kind = node[0]
        if kind == LEAF:
            yield node[1], node[2]
        elif kind == EXTENSION:
            yield from self._items(node[2], prefix + node[1])
        else:
            if node[2] is not None:
                yield nibbles_key(prefix), node[2]
            for nibble, child in enumerate(node[1]):
                if child is not None:
                    yield from self._items(child, prefix + bytes((nibble,)))

    def _node(self, ref: Ref) -> Any:
        if ref.__class__ is bytes:
            return self._cache.get(ref) or self._nodes.load(ref)
        return ref

    # -- writes --------------------------------------------------------------------------

    def put(self, key: bytes, value: bytes) -> None:
        """Set ``key`` to ``value`` (non-empty bytes; use ``delete`` to remove a key)."""
        if value.__class__ is not bytes or not value:
            raise InvalidValue(
                f"trie values are non-empty bytes, got {type(value).__name__} {value!r:.40}"
            )
        new = self._put(self._root, key, key_nibbles(key), 0, value)
        if new is not None:
            self._root = new

    def delete(self, key: bytes) -> None:
        """Remove ``key``; removing a missing key changes nothing."""
        if self._root is not None:
            self._root = self._delete(self._root, key, key_nibbles(key), 0)

    def _put(self, ref: Ref | None, key: bytes, nibbles: bytes, pos: int, value: bytes) -> Any:
        """The node replacing ``ref`` once ``key`` holds ``value``; None if nothing changes.
        A dirty node of the current generation is changed in place and returned. Branches,
        by far the most common node on a path, are handled inline."""
        if ref is None:
            return [LEAF, key, value, None, None, None, self._gen, None]
        node: Any
        if ref.__class__ is bytes:
            node = self._cache.get(ref) or self._nodes.load(ref)
        else:
            node = ref
        kind = node[0]
        if kind != BRANCH:
            if kind == LEAF:
                return self._put_leaf(ref, node, key, nibbles, pos, value)
            return self._put_extension(ref, node, key, nibbles, pos, value)
        if pos == len(nibbles):
            return self._put_branch_value(ref, node, value)
        nibble = nibbles[pos]
        child = node[1][nibble]
        new_child = self._put(child, key, nibbles, pos + 1, value)
        if new_child is None:
            return None
        if ref.__class__ is not bytes:
            if node[6] == self._gen:
                node[1][nibble] = new_child
                node[3] = None
                if node[7] is not None and node[7][1] != nibble:
                    node[7] = None
                return node
            patch = node[7]
            if patch is not None and patch[1] != nibble:
                patch = None
        else:
            patch = None if child is None else (node[4], nibble, node[1])
            self._replaced.append(ref)
        children = list(node[1])
        children[nibble] = new_child
        return [BRANCH, children, node[2], None, None, None, self._gen, patch]

    def _put_branch_value(self, ref: Ref, node: Any, value: bytes) -> Any:
        """Set the value of the branch ``node`` (the key ends here)."""
        if node[2] == value:
            return None
        if ref is node and node[6] == self._gen:
            node[2] = value
            node[3] = node[7] = None
            return node
        if ref is not node:
            self._replaced.append(ref)
        return [BRANCH, list(node[1]), value, None, None, None, self._gen, None]

    def _put_leaf(
        self, ref: Ref, node: Any, key: bytes, nibbles: bytes, pos: int, value: bytes
    ) -> Any:
        if node[1] != key:
            return self._split_leaf(ref, node, key, nibbles, pos, value)
        if node[2] == value:
            return None
        if ref is node and node[6] == self._gen:
            node[2] = value
            node[3] = None
            return node
        if ref is not node:
            self._replaced.append(ref)
        return [LEAF, key, value, None, None, None, self._gen, None]

    def _put_extension(
        self, ref: Ref, node: Any, key: bytes, nibbles: bytes, pos: int, value: bytes
    ) -> Any:
        path = node[1]
        if nibbles.startswith(path, pos):
            new_child = self._put(node[2], key, nibbles, pos + len(path), value)
            if new_child is None:
                return None
            if ref is node and node[6] == self._gen:
                node[2] = new_child
                node[3] = None
                return node
            new = [EXTENSION, path, new_child, None, None, None, self._gen, None]
        else:
            new = _split_extension(path, node[2], key, nibbles, pos, value, self._gen)
        if ref is not node:
            self._replaced.append(ref)
        return new

    def _split_leaf(
        self, ref: Ref, leaf: Node, key: bytes, nibbles: bytes, pos: int, value: bytes
    ) -> DirtyNode:
        """A branch (behind an extension for the shared part) holding the leaf at ``ref``
        and a new leaf for ``key``. The old leaf moves unchanged unless its key ends where
        the branch is, in which case its value becomes the branch's value."""
        other = key_nibbles(leaf[1])
        common = _common(other, nibbles, pos)
        children: list[Ref | None] = [None] * 16
        branch_value = None
        at = pos + common
        if at == len(other):
            branch_value = leaf[2]
            if ref.__class__ is bytes:
                self._replaced.append(ref)
        else:
            children[other[at]] = ref
        if at == len(nibbles):
            branch_value = value
        else:
            children[nibbles[at]] = [LEAF, key, value, None, None, None, self._gen, None]
        branch: DirtyNode = [BRANCH, children, branch_value, None, None, None, self._gen, None]
        if not common:
            return branch
        return [EXTENSION, nibbles[pos:at], branch, None, None, None, self._gen, None]

    def _delete(self, ref: Ref, key: bytes, nibbles: bytes, pos: int) -> Ref | None:
        node = self._node(ref)
        kind = node[0]
        if kind == LEAF:
            if node[1] != key:
                return ref
            new: Ref | None = None
        elif kind == EXTENSION:
            path = node[1]
            child = node[2]
            if not nibbles.startswith(path, pos):
                return ref
            new_child = self._delete(child, key, nibbles, pos + len(path))
            if new_child is child:
                return ref
            new = None if new_child is None else self._join(path, new_child)
        else:
            children = list(node[1])
            value = node[2]
            if pos == len(nibbles):
                if value is None:
                    return ref
                value = None
            else:
                nibble = nibbles[pos]
                child = children[nibble]
                if child is None:
                    return ref
                new_child = self._delete(child, key, nibbles, pos + 1)
                if new_child is child:
                    return ref
                children[nibble] = new_child
            new = self._normalize(children, value, nibbles[:pos])
        if ref.__class__ is bytes:
            self._replaced.append(ref)
        return new

    def _normalize(self, children: list[Ref | None], value: bytes | None, path: bytes) -> Ref:
        """A branch at ``path`` that lost an entry: keep it, or fold it into its only child
        (or into a leaf, when only its value is left)."""
        count = 16 - children.count(None)
        if count >= 2 or (count == 1 and value is not None):
            return [BRANCH, children, value, None, None, None, self._gen, None]
        if count == 0:
            return [LEAF, nibbles_key(path), value, None, None, None, self._gen, None]
        nibble = next(i for i, child in enumerate(children) if child is not None)
        return self._join(bytes((nibble,)), children[nibble])

    def _join(self, prefix: bytes, ref: Ref) -> Ref:
        """The node for ``prefix`` followed by ``ref``: a leaf just moves up, an extension
        absorbs the prefix, a branch gets an extension in front."""
        node = self._node(ref)
        kind = node[0]
        if kind == LEAF:
            return ref
        if kind == BRANCH:
            return [EXTENSION, prefix, ref, None, None, None, self._gen, None]
        if ref.__class__ is bytes:
            self._replaced.append(ref)
        return [EXTENSION, prefix + node[1], node[2], None, None, None, self._gen, None]

    # -- snapshots -----------------------------------------------------------------------

    def snapshot(self) -> int:
        """Mark the current contents; ``revert(token)`` returns to them."""
        self._snapshots.append((self._root, len(self._replaced)))
        self._gen += 1
        return len(self._snapshots) - 1

    def release(self, token: int) -> None:
        """Keep every change since ``snapshot()`` returned ``token`` and forget that
        snapshot and later ones (a nested call that succeeded)."""
        if not 0 <= token < len(self._snapshots):
            raise StateError(f"no live snapshot {token} (have {len(self._snapshots)})")
        del self._snapshots[token:]

    def revert(self, token: int) -> None:
        """Undo every change since ``snapshot()`` returned ``token``; later tokens die."""
        if not 0 <= token < len(self._snapshots):
            raise StateError(f"no live snapshot {token} (have {len(self._snapshots)})")
        self._root, replaced = self._snapshots[token]
        del self._replaced[replaced:]
        del self._snapshots[token:]
        self._gen += 1

    # -- hashing and commit --------------------------------------------------------------

    def root(self) -> bytes:
        """The root hash of the current contents. Writes nothing."""
        ref = self._root
        if ref is None:
            return EMPTY_ROOT
        if ref.__class__ is bytes:
            return ref
        digest: bytes | None = ref[3]
        return digest or seal(ref, [])

    def collect(self) -> TrieDiff:
        """The changes since the base root: new nodes and the stored nodes they replaced.
        Starts a new generation, so the nodes in the diff never change afterwards."""
        ref = self._root
        nodes: list[DirtyNode] = []
        if ref is None or ref.__class__ is bytes:
            root = self.root()
            tree = None
        else:
            tree = ref
            if tree[3] is None:
                root = seal(tree, nodes)
            else:
                root = tree[3]
                nodes = dirty_nodes(tree)
        self._gen += 1
        return TrieDiff(self._base, root, tuple(nodes), tuple(self._replaced), tree)

    def committed(self, diff: TrieDiff) -> None:
        """Tell the trie that ``diff`` (from ``collect``) is now stored: the overlay empties."""
        if diff.base != self._base or diff.tree is not (
            None if self._root.__class__ is bytes else self._root
        ):
            raise StateError("the trie changed after collect(); collect again before committing")
        self._base = diff.root
        self._root = None if diff.root == EMPTY_ROOT else diff.root
        self._replaced = []
        self._snapshots = []

    def commit(self, version: int | None = None, retain: int | None = None) -> bytes:
        """Write the changes in one batch (pruning to the last ``retain`` versions if
        given) and return the new root."""
        diff = self.collect()
        self._nodes.write(diff, version, retain)
        self.committed(diff)
        return diff.root

    # -- proofs --------------------------------------------------------------------------

    def prove(self, key: bytes) -> list[bytes]:
        """The encodings of the nodes on ``key``'s path, root first: a proof of its value
        or of its absence, checked by ``vmchain.state.proof.verify_proof``."""
        nibbles = key_nibbles(key)
        self.root()
        proof: list[bytes] = []
        ref = self._root
        pos = 0
        while ref is not None:
            node = self._node(ref)
            proof.append(node[4])
            kind = node[0]
            if kind == LEAF:
                break
            if kind == EXTENSION:
                if not nibbles.startswith(node[1], pos):
                    break
                pos += len(node[1])
                ref = node[2]
            else:
                if pos == len(nibbles):
                    break
                ref = node[1][nibbles[pos]]
                pos += 1
        return proof


def _common(a: bytes, b: bytes, pos: int) -> int:
    """Length of the common prefix of ``a[pos:]`` and ``b[pos:]``."""
    common = 0
    limit = min(len(a), len(b)) - pos
    while common < limit and a[pos + common] == b[pos + common]:
        common += 1
    return common


def _split_extension(
    path: bytes, child: Ref, key: bytes, nibbles: bytes, pos: int, value: bytes, gen: int
) -> DirtyNode:
    """Replace an extension whose ``path`` diverges from ``nibbles[pos:]`` by a branch
    holding its rest and a new leaf for ``key``, behind an extension for the shared part."""
    common = _common(path, nibbles[pos:], 0)
    children: list[Ref | None] = [None] * 16
    rest = path[common + 1 :]
    if rest:
        children[path[common]] = [EXTENSION, rest, child, None, None, None, gen, None]
    else:
        children[path[common]] = child
    at = pos + common
    branch_value = None
    if at == len(nibbles):
        branch_value = value
    else:
        children[nibbles[at]] = [LEAF, key, value, None, None, None, gen, None]
    branch: DirtyNode = [BRANCH, children, branch_value, None, None, None, gen, None]
    if not common:
        return branch
    return [EXTENSION, path[:common], branch, None, None, None, gen, None]
