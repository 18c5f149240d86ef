"""The trie's behaviour case by case: exact roots, branch values, snapshots, commits into
a caller's batch, reads at older roots."""

from __future__ import annotations

from hashlib import sha256

import pytest

from vmchain.state.errors import (
    InvalidKey,
    InvalidValue,
    MissingNode,
    NonLinearCommit,
    StateError,
)
from vmchain.state.kv import Batch, MemoryStore
from vmchain.state.node import EMPTY_ROOT, encode_branch, encode_extension, encode_leaf
from vmchain.state.nodestore import NodeStore
from vmchain.state.prune import NODES_CF, TRIE_COLUMN_FAMILIES
from vmchain.state.trie import Trie


def h(data: bytes) -> bytes:
    return sha256(data).digest()


def fresh() -> Trie:
    return Trie(NodeStore.memory())


def test_empty_trie() -> None:
    trie = fresh()
    assert trie.root() == EMPTY_ROOT
    assert trie.get(b"") is None
    assert list(trie.items()) == []
    assert trie.prove(b"x") == []
    assert trie.commit() == EMPTY_ROOT
    assert trie.nodes.stored_nodes() == 0


def test_single_leaf_root() -> None:
    trie = fresh()
    trie.put(b"\x12\x34", b"v")
    assert trie.root() == h(encode_leaf(b"\x12\x34", b"v"))
    assert trie.root().hex() == h(bytes.fromhex("0002123476")).hex()


def test_two_keys_share_an_extension() -> None:
    trie = fresh()
    trie.put(b"\x12\x34", b"a")
    trie.put(b"\x12\x56", b"b")
    leaf_a = h(encode_leaf(b"\x12\x34", b"a"))
    leaf_b = h(encode_leaf(b"\x12\x56", b"b"))
    branch = h(encode_branch((1 << 3) | (1 << 5), [leaf_a, leaf_b], None))
    assert trie.root() == h(encode_extension(bytes([1, 2]), branch))


def test_prefix_keys_live_in_branch_values() -> None:
    trie = fresh()
    entries = {b"": b"root", b"a": b"1", b"ab": b"2", b"abc": b"3", b"b": b"4"}
    for key, value in entries.items():
        trie.put(key, value)
    assert {k: trie.get(k) for k in entries} == entries
    assert trie.get(b"abcd") is None
    assert trie.get(b"ac") is None
    assert list(trie.items()) == sorted(entries.items())
    trie.delete(b"ab")
    assert trie.get(b"abc") == b"3"
    assert trie.get(b"ab") is None
    trie.delete(b"")
    assert trie.get(b"a") == b"1"
    assert list(trie.items()) == [(b"a", b"1"), (b"abc", b"3"), (b"b", b"4")]


def test_same_value_and_missing_delete_change_nothing() -> None:
    trie = fresh()
    trie.put(b"k", b"v")
    trie.put(b"j", b"w")
    root = trie.commit()
    trie.put(b"k", b"v")
    trie.delete(b"nope")
    trie.delete(b"k\x00")
    assert trie.root() == root
    diff = trie.collect()
    assert diff.nodes == () and diff.removed == ()


def test_delete_back_to_empty() -> None:
    trie = fresh()
    trie.put(b"a", b"1")
    trie.put(b"b", b"2")
    trie.commit()
    trie.delete(b"a")
    trie.delete(b"b")
    assert trie.root() == EMPTY_ROOT
    assert trie.commit() == EMPTY_ROOT


def test_order_does_not_matter() -> None:
    keys = [bytes([i, j]) for i in range(0, 256, 51) for j in (0, 1, 17)] + [b"", b"\x00"]
    forward, backward = fresh(), fresh()
    for key in keys:
        forward.put(key, key + b"!")
    for key in reversed(keys):
        backward.put(key, key + b"!")
    assert forward.root() == backward.root()


def test_bad_keys_and_values() -> None:
    trie = fresh()
    with pytest.raises(InvalidValue, match="non-empty bytes"):
        trie.put(b"k", b"")
    with pytest.raises(InvalidValue, match="got str"):
        trie.put(b"k", "v")  # type: ignore[arg-type]
    with pytest.raises(InvalidKey, match="at most 128"):
        trie.put(bytes(129), b"v")
    with pytest.raises(InvalidKey):
        trie.get("k")  # type: ignore[arg-type]


def test_root_writes_nothing() -> None:
    trie = fresh()
    for i in range(50):
        trie.put(i.to_bytes(2, "big"), b"v")
    trie.root()
    assert trie.nodes.stored_nodes() == 0


def test_snapshot_and_revert_nest() -> None:
    trie = fresh()
    trie.put(b"a", b"1")
    trie.commit()
    base = trie.root()
    outer = trie.snapshot()
    trie.put(b"b", b"2")
    middle_root = trie.root()
    inner = trie.snapshot()
    trie.put(b"a", b"changed")
    trie.delete(b"b")
    trie.revert(inner)
    assert trie.root() == middle_root
    assert trie.get(b"a") == b"1" and trie.get(b"b") == b"2"
    trie.put(b"c", b"3")
    trie.revert(outer)
    assert trie.root() == base
    assert list(trie.items()) == [(b"a", b"1")]
    with pytest.raises(StateError, match="no live snapshot 1"):
        trie.revert(inner)
    assert trie.collect().removed == ()


def test_release_keeps_changes_and_forgets_the_snapshot() -> None:
    trie = fresh()
    trie.put(b"a", b"1")
    outer = trie.snapshot()
    trie.put(b"b", b"2")
    inner = trie.snapshot()
    trie.put(b"c", b"3")
    trie.release(inner)
    assert trie.get(b"c") == b"3"
    with pytest.raises(StateError, match="no live snapshot 1"):
        trie.revert(inner)
    trie.revert(outer)
    assert list(trie.items()) == [(b"a", b"1")]
    with pytest.raises(StateError, match="no live snapshot 0"):
        trie.release(outer)


def test_changes_after_snapshot_do_not_leak_into_it() -> None:
    """In-place updates must never touch nodes a snapshot still refers to."""
    trie = fresh()
    for i in range(40):
        trie.put(bytes([i]), b"x")
    token = trie.snapshot()
    expected = trie.root()
    for i in range(40):
        trie.put(bytes([i]), b"y")
        trie.put(bytes([i, i]), b"z")
    trie.revert(token)
    assert trie.root() == expected


def test_commit_writes_exactly_the_new_nodes() -> None:
    trie = fresh()
    for i in range(100):
        trie.put(sha256(bytes([i])).digest(), b"value")
    diff = trie.collect()
    trie.nodes.write(diff)
    trie.committed(diff)
    assert trie.nodes.stored_nodes() == len(diff.nodes)
    assert {node[3] for node in diff.nodes} == {h(encoding) for _, encoding in diff.writes()}
    assert trie.root() == diff.root


def test_commit_into_a_shared_batch() -> None:
    """The chain's pattern: speculative root, then trie nodes and block data in one batch."""
    store = MemoryStore((*TRIE_COLUMN_FAMILIES, "blocks"))
    nodes = NodeStore(store)
    trie = Trie(nodes)
    trie.put(b"acct", b"100")
    speculative = trie.root()
    diff = trie.collect()
    batch = Batch()
    staged = nodes.stage(diff, batch, version=0)
    batch.put("blocks", b"head", speculative)
    assert store.cf(NODES_CF).get(speculative) is None
    store.write(batch)
    nodes.applied(staged)
    trie.committed(diff)
    assert store.cf("blocks").get(b"head") == speculative
    assert nodes.head_root == speculative and nodes.head_version == 0
    assert Trie(NodeStore(store), speculative).get(b"acct") == b"100"


def test_committed_refuses_a_changed_trie() -> None:
    trie = fresh()
    trie.put(b"a", b"1")
    diff = trie.collect()
    trie.put(b"a", b"2")
    with pytest.raises(StateError, match="changed after collect"):
        trie.committed(diff)


def test_commits_are_linear() -> None:
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    trie.put(b"a", b"1")
    first = trie.commit()
    trie.put(b"a", b"2")
    trie.commit()
    stale = Trie(nodes, first)
    stale.put(b"b", b"3")
    with pytest.raises(NonLinearCommit, match="head is"):
        stale.commit()
    with pytest.raises(StateError, match="not in"):
        trie.commit(version=1)


def test_reads_at_older_roots() -> None:
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    roots = []
    for version in range(5):
        trie.put(b"counter", str(version).encode())
        trie.put(bytes([version]), b"x")
        roots.append(trie.commit(version=version * 10))
    assert [v for v, _ in nodes.retained()] == [0, 10, 20, 30, 40]
    cold = NodeStore(nodes.store)
    for version, root in enumerate(roots):
        old = Trie(cold, root)
        assert old.get(b"counter") == str(version).encode()
        assert [k for k, _ in old.items()] == [bytes([i]) for i in range(version + 1)] + [
            b"counter"
        ]


def test_unknown_root_is_a_missing_node() -> None:
    with pytest.raises(MissingNode, match="ab" * 32):
        Trie(NodeStore.memory(), b"\xab" * 32).get(b"k")


def test_corrupt_stored_node_is_detected() -> None:
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    trie.put(b"k", b"v")
    root = trie.commit()
    kv = nodes.store.cf(NODES_CF)
    stored = kv.get(root)
    assert stored is not None
    kv.put(root, stored[:-1] + b"w")
    with pytest.raises(StateError, match="does not match its hash"):
        Trie(NodeStore(nodes.store), root).get(b"k")


def test_items_with_prefix() -> None:
    trie = fresh()
    keys = [b"", b"a", b"ab", b"abc", b"abd", b"b", b"ba", b"\x01\x02"]
    for key in keys:
        trie.put(key, b"v" + key)
    assert [k for k, _ in trie.items(b"ab")] == [b"ab", b"abc", b"abd"]
    assert [k for k, _ in trie.items(b"b")] == [b"b", b"ba"]
    assert [k for k, _ in trie.items(b"\x01")] == [b"\x01\x02"]
    assert [k for k, _ in trie.items(b"c")] == []
    assert [k for k, _ in trie.items()] == sorted(keys)


def test_small_cache_still_reads_everything() -> None:
    nodes = NodeStore(MemoryStore(TRIE_COLUMN_FAMILIES), cache_nodes=8)
    trie = Trie(nodes)
    entries = {sha256(bytes([i])).digest(): bytes([i + 1]) for i in range(200)}
    for key, value in entries.items():
        trie.put(key, value)
    root = trie.commit()
    for key in list(entries)[:50]:
        trie.put(key, b"new")
        entries[key] = b"new"
    trie.commit()
    assert len(nodes.cache) <= 8
    assert dict(trie.items()) == entries
    assert Trie(nodes, root).get(list(entries)[60]) == bytes([61])
