"""Pruning old roots: exact node counts, re-created nodes, retained roots always whole, and
everything read back after reopening RocksDB."""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path

import pytest

from vmchain.state.errors import MissingNode, StateError
from vmchain.state.kv import Batch, MemoryStore
from vmchain.state.nodestore import NodeStore
from vmchain.state.prune import JOURNAL_CF, NODES_CF, TRIE_COLUMN_FAMILIES
from vmchain.state.rocks import RocksStore
from vmchain.state.trie import Trie

K1, K2, K3, K4 = b"\x10", b"\x20", b"\x30", b"\x40"


def stored(nodes: NodeStore) -> set[bytes]:
    return {key for key, _ in nodes.store.cf(NODES_CF).items()}


def test_pruning_frees_the_replaced_nodes() -> None:
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    for key in (K1, K2, K3, K4):
        trie.put(key, b"v0")
    trie.commit()  # root branch + 4 leaves
    assert nodes.stored_nodes() == 5
    trie.put(K1, b"v1")
    trie.commit()  # + new leaf, new root
    trie.put(K2, b"v2")
    trie.commit()
    assert nodes.stored_nodes() == 9
    assert nodes.prune(retain=3) == 0
    assert nodes.prune(retain=1) == 4  # two old roots, two old leaves
    assert nodes.stored_nodes() == 5
    assert [v for v, _ in nodes.retained()] == [2]
    assert dict(Trie(NodeStore(nodes.store), nodes.head_root).items()) == {
        K1: b"v1",
        K2: b"v2",
        K3: b"v0",
        K4: b"v0",
    }
    assert nodes.prune(retain=1) == 0


def test_pruned_roots_are_gone() -> None:
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    trie.put(K1, b"a")
    trie.put(K2, b"b")
    old = trie.commit()
    trie.put(K1, b"c")
    trie.commit(retain=1)
    with pytest.raises(MissingNode):
        Trie(NodeStore(nodes.store), old).get(K1)


def test_a_node_written_again_survives_the_pruning_of_its_first_life() -> None:
    """K1 goes a -> b -> a: the leaf for "a" is replaced at version 1 and written again at
    version 2, so pruning version 0 must not delete it."""
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    trie.put(K1, b"a")
    trie.put(K2, b"x")
    trie.commit()
    trie.put(K1, b"b")
    trie.commit()
    trie.put(K1, b"a")
    head = trie.commit()
    assert nodes.prune(retain=1) == 2  # the leaf for "b" and the root of version 1
    assert nodes.stored_nodes() == 3
    assert Trie(NodeStore(nodes.store), head).get(K1) == b"a"


def test_moved_leaves_are_not_replaced() -> None:
    """Splitting above a stored leaf moves it without rewriting it."""
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    trie.put(b"\x12\x34", b"a")
    trie.commit()
    trie.put(b"\x12\x56", b"b")
    diff = trie.collect()
    assert diff.removed == ()
    assert len(diff.nodes) == 3  # the new leaf, a branch and an extension above it
    nodes.write(diff)
    trie.committed(diff)
    trie.delete(b"\x12\x56")
    diff = trie.collect()
    assert diff.nodes == ()  # the old leaf moves back up: it is the root again
    assert len(diff.removed) == 3


def test_prune_in_the_same_batch_as_the_commit() -> None:
    store = MemoryStore((*TRIE_COLUMN_FAMILIES, "blocks"))
    nodes = NodeStore(store)
    trie = Trie(nodes)
    roots = []
    for height in range(6):
        trie.put(K1, bytes([height + 1]))
        trie.put(bytes([height]), b"x")
        diff = trie.collect()
        batch = Batch()
        staged = nodes.stage(diff, batch, version=height, retain=2)
        batch.put("blocks", height.to_bytes(8, "big"), diff.root)
        store.write(batch)
        nodes.applied(staged)
        trie.committed(diff)
        roots.append(diff.root)
    assert nodes.retained() == [(4, roots[4]), (5, roots[5])]
    assert [k for k, _ in store.cf(JOURNAL_CF).items()] == [
        b"R" + (4).to_bytes(8, "big"),
        b"R" + (5).to_bytes(8, "big"),
        b"X" + (5).to_bytes(8, "big"),
    ]
    assert Trie(NodeStore(store), roots[4]).get(K1) == b"\x05"
    with pytest.raises(MissingNode):
        Trie(NodeStore(store), roots[3]).get(K1)


def test_retain_must_be_positive() -> None:
    nodes = NodeStore.memory()
    with pytest.raises(StateError, match="at least one"):
        nodes.prune(retain=0)


def contents_at(version: int) -> dict[bytes, bytes]:
    """A deterministic state per version: 40 keys, a quarter rewritten each version,
    some deleted and some coming back."""
    out = {}
    for i in range(40):
        key = sha256(i.to_bytes(2, "big")).digest()[: 1 + i % 5]
        if (i + version) % 7 == 0:
            continue
        out[key] = f"{i}:{version // 4 if i % 4 else version}".encode()
    return out


def test_rocksdb_reopen_reads_every_retained_root(tmp_path: Path) -> None:
    store = RocksStore(str(tmp_path), TRIE_COLUMN_FAMILIES)
    nodes = NodeStore(store)
    trie = Trie(nodes)
    roots = {}
    for version in range(12):
        wanted = contents_at(version)
        for key, _ in list(trie.items()):
            if key not in wanted:
                trie.delete(key)
        for key, value in wanted.items():
            trie.put(key, value)
        roots[version] = trie.commit(version=version, retain=4)
    kept_nodes = stored(nodes)
    store.close()

    store = RocksStore(str(tmp_path), TRIE_COLUMN_FAMILIES)
    nodes = NodeStore(store)
    assert nodes.retained() == [(v, roots[v]) for v in range(8, 12)]
    assert stored(nodes) == kept_nodes
    for version in range(8, 12):
        assert dict(Trie(nodes, roots[version]).items()) == contents_at(version)
    with pytest.raises(MissingNode):
        dict(Trie(NodeStore(store), roots[6]).items())
    trie = Trie(nodes, nodes.head_root)
    trie.put(b"after-reopen", b"1")
    trie.commit(retain=1)
    assert nodes.head_version == 12
    assert dict(Trie(NodeStore(store), nodes.head_root).items()) == {
        **contents_at(11),
        b"after-reopen": b"1",
    }
    store.close()


def test_rewind_then_sweep() -> None:
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    roots = []
    for version in range(5):
        trie.put(K1, bytes([version + 1]))
        trie.put(bytes([0x50 + version]), b"x")
        roots.append(trie.commit())
    with pytest.raises(StateError, match=r"retained are \[0, 1, 2, 3, 4\]"):
        nodes.rewind(7)
    nodes.rewind(2)
    assert nodes.retained() == [(0, roots[0]), (1, roots[1]), (2, roots[2])]
    trie = Trie(nodes, nodes.head_root)
    assert trie.get(K1) == b"\x03" and trie.get(b"\x53") is None
    trie.put(K2, b"new history")
    new_head = trie.commit()
    assert nodes.retained()[-1] == (3, new_head)
    nodes.prune(retain=2)
    swept = nodes.sweep()
    assert swept > 0
    cold = NodeStore(nodes.store)
    assert dict(Trie(cold, new_head).items()) == {
        K1: b"\x03",
        K2: b"new history",
        b"\x50": b"x",
        b"\x51": b"x",
        b"\x52": b"x",
    }
    assert Trie(cold, roots[2]).get(K1) == b"\x03"
    assert nodes.sweep() == 0


def test_sweep_after_normal_pruning_finds_nothing() -> None:
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    for version in range(6):
        trie.put(bytes([version % 3]), bytes([version + 1]))
        trie.commit(retain=2)
    assert nodes.sweep() == 0
