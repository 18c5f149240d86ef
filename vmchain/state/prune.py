"""Pruning old trie roots: a removal journal and each stored node's birth version.

No node occurs twice in one trie (leaves carry their whole key, see node.py), so a node
is in the trie at version ``x`` exactly when it was written at some version ``b <= x``
and not replaced between ``b`` and ``x``. Each stored node therefore keeps only ``born``,
the last version that wrote it, as an 8-byte prefix of its stored value; commits write
their new nodes blind (no reads) and journal ``R_v``, the stored nodes the commit at
``v`` replaced. Those still belong to the trie at the version before ``v``.

Pruning to the last ``N`` versions, with ``o`` the oldest one kept, applies the journal
of every version ``w`` up to ``o``: a node in ``R_w`` is deleted when ``born < w`` (it was
not written again at or after ``w``, so no kept trie holds it); otherwise a later commit
wrote it again and that commit's own journal will retire it. The cost is O(changes),
never O(state), and nothing is read on the commit path.

Journal column family layout: ``b"R" + version(8, big-endian) -> root`` for every kept
version and ``b"X" + version -> removed hashes (32 bytes each)`` while the removals of
that version still wait to be applied.
"""

from __future__ import annotations

from collections.abc import Sequence

from vmchain.state.errors import StateError
from vmchain.state.kv import KV, Batch
from vmchain.state.node import HASH_SIZE, StoredNode

NODES_CF = "trie_nodes"
JOURNAL_CF = "trie_journal"
TRIE_COLUMN_FAMILIES = (NODES_CF, JOURNAL_CF)
BORN_SIZE = 8

_ROOT_PREFIX = b"R"
_REMOVED_PREFIX = b"X"


def root_key(version: int) -> bytes:
    """Journal key of the root committed at ``version``."""
    return _ROOT_PREFIX + version.to_bytes(8, "big")


def removed_key(version: int) -> bytes:
    """Journal key of the nodes the commit at ``version`` replaced."""
    return _REMOVED_PREFIX + version.to_bytes(8, "big")


def load_versions(journal: KV) -> list[tuple[int, bytes]]:
    """Every kept (version, root) pair, oldest first."""
    return [(int.from_bytes(key[1:], "big"), root) for key, root in journal.items(b"R", b"S")]


def split_hashes(blob: bytes) -> list[bytes]:
    """The 32-byte hashes concatenated in ``blob``."""
    if len(blob) % HASH_SIZE:
        raise StateError(f"journal record of {len(blob)} bytes is not a list of 32-byte hashes")
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


def births(
    hashes: Sequence[bytes], batch: Batch, cache: dict[bytes, StoredNode], nodes: KV
) -> dict[bytes, int]:
    """The birth version of each hash: pending writes in ``batch`` first, then the node
    ``cache``, then the store. A journaled node missing everywhere is corruption."""
    pending = batch.column(NODES_CF)
    found: dict[bytes, int] = {}
    missing: list[bytes] = []
    for h in hashes:
        if h in found:
            continue
        if h in pending:
            stored = pending[h]
            if stored is None:
                raise StateError(f"trie node {h.hex()} is journaled twice for deletion")
            found[h] = int.from_bytes(stored[:BORN_SIZE], "big")
            continue
        cached = cache.get(h)
        if cached is None:
            missing.append(h)
        else:
            found[h] = cached[5]
    for h, stored in zip(missing, nodes.get_many(missing), strict=True):
        if stored is None:
            raise StateError(f"journaled trie node {h.hex()} is not in the node store")
        found[h] = int.from_bytes(stored[:BORN_SIZE], "big")
    return found


def stage_removals(
    removals: Sequence[tuple[int, Sequence[bytes]]],
    batch: Batch,
    cache: dict[bytes, StoredNode],
    nodes: KV,
) -> list[bytes]:
    """Delete (in ``batch``) every node of the journals ``(w, R_w)`` with ``born < w``.
    Returns the deleted hashes."""
    born = births([h for _, hashes in removals for h in hashes], batch, cache, nodes)
    node_ops = batch.column(NODES_CF)
    deleted: list[bytes] = []
    for version, hashes in removals:
        for h in hashes:
            if born[h] < version:
                node_ops[h] = None
                deleted.append(h)
    return deleted
