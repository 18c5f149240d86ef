"""One conformance suite for every Store backend: MemoryStore and RocksStore (real RocksDB
on disk). Bytes in, bytes out; atomic multi-column-family batches; bounded iteration;
data survives a reopen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vmchain.state.errors import StoreError, UnknownColumnFamily
from vmchain.state.kv import Batch, MemoryStore, Store
from vmchain.state.rocks import RocksStore

CFS = ("alpha", "beta")
Opener = Callable[[], Store]


@pytest.fixture(params=["memory", "rocks"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """A function that (re)opens the same store; memory stores 'reopen' to the same object."""
    opened: list[Store] = []
    memory = MemoryStore(CFS)

    def open_store() -> Store:
        for previous in opened:
            previous.close()
        opened.clear()
        store: Store = memory if request.param == "memory" else RocksStore(str(tmp_path), CFS)
        opened.append(store)
        return store

    yield open_store
    for last in opened:
        last.close()


def test_get_put_delete(opener: Opener) -> None:
    kv = opener().cf("alpha")
    assert kv.get(b"k") is None
    kv.put(b"k", b"v1")
    assert kv.get(b"k") == b"v1"
    kv.put(b"k", b"v2")
    assert kv.get(b"k") == b"v2"
    kv.delete(b"k")
    assert kv.get(b"k") is None
    kv.delete(b"never-there")
    assert kv.get(b"never-there") is None


def test_empty_value_is_not_missing(opener: Opener) -> None:
    kv = opener().cf("alpha")
    kv.put(b"k", b"")
    assert kv.get(b"k") == b""
    assert kv.get_many([b"k", b"x"]) == [b"", None]


def test_binary_keys_and_values_round_trip(opener: Opener) -> None:
    kv = opener().cf("alpha")
    pairs = {bytes([i, 0, 255 - i]): bytes(range(i, min(i + 7, 256))) for i in range(0, 256, 17)}
    for key, value in pairs.items():
        kv.put(key, value)
    assert all(kv.get(key) == value for key, value in pairs.items())
    assert kv.get_many(list(pairs)) == list(pairs.values())
    assert kv.get_many([]) == []


def test_column_families_are_separate(opener: Opener) -> None:
    store = opener()
    store.cf("alpha").put(b"k", b"a")
    store.cf("beta").put(b"k", b"b")
    assert store.cf("alpha").get(b"k") == b"a"
    assert store.cf("beta").get(b"k") == b"b"


def test_unknown_column_family(opener: Opener) -> None:
    store = opener()
    with pytest.raises(UnknownColumnFamily, match="'gamma' not opened"):
        store.cf("gamma")
    batch = Batch()
    batch.put("alpha", b"k", b"v")
    batch.put("gamma", b"k", b"v")
    with pytest.raises(UnknownColumnFamily, match="gamma"):
        store.write(batch)
    assert store.cf("alpha").get(b"k") is None


@pytest.mark.parametrize(("key", "value"), [("str", b"v"), (b"k", "str"), (1, b"v")])
def test_only_bytes(opener: Opener, key: object, value: object) -> None:
    kv = opener().cf("alpha")
    with pytest.raises(StoreError):
        kv.put(key, value)  # type: ignore[arg-type]


def test_reads_need_bytes_keys(opener: Opener) -> None:
    kv = opener().cf("alpha")
    with pytest.raises(StoreError):
        kv.get("str")  # type: ignore[arg-type]


def test_batch_is_atomic_across_column_families(opener: Opener) -> None:
    store = opener()
    store.cf("alpha").put(b"old", b"x")
    batch = Batch()
    batch.put("alpha", b"a1", b"1")
    batch.put("beta", b"b1", b"2")
    batch.delete("alpha", b"old")
    batch.put("alpha", b"a1", b"1-final")  # last write to a key wins
    assert len(batch) == 3
    store.write(batch)
    assert store.cf("alpha").get(b"a1") == b"1-final"
    assert store.cf("beta").get(b"b1") == b"2"
    assert store.cf("alpha").get(b"old") is None


def test_batch_with_bad_value_writes_nothing(opener: Opener) -> None:
    store = opener()
    batch = Batch()
    batch.put("alpha", b"good", b"1")
    batch.column("beta")[b"bad"] = "not bytes"  # type: ignore[assignment]
    with pytest.raises(StoreError):
        store.write(batch)
    assert store.cf("alpha").get(b"good") is None
    assert store.cf("beta").get(b"bad") is None


def test_batch_merge() -> None:
    first, second = Batch(), Batch()
    first.put("alpha", b"k", b"1")
    first.put("alpha", b"j", b"1")
    second.put("alpha", b"k", b"2")
    second.delete("beta", b"z")
    first.merge(second)
    assert first.ops == {"alpha": {b"k": b"2", b"j": b"1"}, "beta": {b"z": None}}


def test_iteration_is_ordered_and_bounded(opener: Opener) -> None:
    kv = opener().cf("alpha")
    keys = [b"", b"a", b"ab", b"abc", b"b", b"b\x00", b"c", b"\xff"]
    for key in reversed(keys):
        kv.put(key, key + b"!")
    opener_items = list(kv.items())
    assert opener_items == [(k, k + b"!") for k in keys]
    assert [k for k, _ in kv.items(b"ab")] == [b"ab", b"abc", b"b", b"b\x00", b"c", b"\xff"]
    assert [k for k, _ in kv.items(None, b"b")] == [b"", b"a", b"ab", b"abc"]
    assert [k for k, _ in kv.items(b"a", b"b\x00")] == [b"a", b"ab", b"abc", b"b"]
    assert [k for k, _ in kv.items(b"aa", b"ab")] == []
    assert [k for k, _ in kv.items(b"\xff\x00")] == []


def test_iteration_stays_in_its_column_family(opener: Opener) -> None:
    store = opener()
    store.cf("alpha").put(b"a", b"1")
    store.cf("beta").put(b"b", b"2")
    assert list(store.cf("alpha").items()) == [(b"a", b"1")]
    assert list(store.cf("beta").items(b"a", b"c")) == [(b"b", b"2")]


def test_reopen_keeps_everything(opener: Opener) -> None:
    store = opener()
    store.cf("alpha").put(b"single", b"1")
    batch = Batch()
    batch.put("alpha", b"batched", b"2")
    batch.put("beta", b"other", b"3")
    store.write(batch)
    store = opener()
    assert store.cf("alpha").get(b"single") == b"1"
    assert store.cf("alpha").get(b"batched") == b"2"
    assert store.cf("beta").get(b"other") == b"3"


def test_rocks_reopen_with_fewer_families_keeps_the_others(tmp_path: Path) -> None:
    store = RocksStore(str(tmp_path), ["alpha", "beta"])
    store.cf("beta").put(b"k", b"v")
    store.close()
    store = RocksStore(str(tmp_path), ["alpha"])
    assert store.cf("beta").get(b"k") == b"v"
    store.close()


def test_rocks_closed_store_refuses_use(tmp_path: Path) -> None:
    store = RocksStore(str(tmp_path), ["alpha"])
    kv = store.cf("alpha")
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        kv.get(b"k")
    with pytest.raises(StoreError, match="closed"):
        store.write(Batch())
