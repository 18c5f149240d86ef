"""Storage behind a tiny bytes-to-bytes interface: the KV and Store protocols, MemoryKV.

A ``Store`` holds named column families. Reads go through one ``KV`` view per column
family; writes that must land together (a block's trie nodes, block, receipts, tx index
and head pointer) are collected in one ``Batch`` across column families and applied by
``Store.write`` atomically and durably. ``MemoryStore`` is the in-memory reference
implementation; ``vmchain.state.rocks.RocksStore`` is the RocksDB one. Both pass the same
conformance suite (tests/state/test_kv_conformance.py).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from vmchain.state.errors import StoreError, UnknownColumnFamily


class KV(Protocol):
    """A bytes-to-bytes map: one column family of a store."""

    def get(self, key: bytes) -> bytes | None:
        """The value stored under ``key``, or None when there is none."""
        ...

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """``[get(k) for k in keys]``, in one round trip where the backend allows."""
        ...

    def put(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key`` durably (one synced write)."""
        ...

    def delete(self, key: bytes) -> None:
        """Remove ``key`` durably; removing a missing key is not an error."""
        ...

    def items(
        self, lower: bytes | None = None, upper: bytes | None = None
    ) -> Iterator[tuple[bytes, bytes]]:
        """Pairs with ``lower <= key < upper`` (either bound optional), in key order."""
        ...


class Batch:
    """Writes across column families, applied all-or-nothing by ``Store.write``.

    ``ops[cf][key]`` is the value to store, or None to delete; the last write to a key wins.
    """

    __slots__ = ("ops",)

    def __init__(self) -> None:
        self.ops: dict[str, dict[bytes, bytes | None]] = {}

    def put(self, cf: str, key: bytes, value: bytes) -> None:
        """Queue ``cf[key] = value``."""
        _check_bytes(key, value)
        self.ops.setdefault(cf, {})[key] = value

    def delete(self, cf: str, key: bytes) -> None:
        """Queue the removal of ``cf[key]``."""
        _check_bytes(key, b"")
        self.ops.setdefault(cf, {})[key] = None

    def column(self, cf: str) -> dict[bytes, bytes | None]:
        """The pending operations of ``cf`` (a live dict callers may bulk-update)."""
        return self.ops.setdefault(cf, {})

    def merge(self, other: Batch) -> None:
        """Add ``other``'s operations; on a key both touch, ``other`` wins."""
        for cf, ops in other.ops.items():
            self.ops.setdefault(cf, {}).update(ops)

    def __len__(self) -> int:
        return sum(len(ops) for ops in self.ops.values())


class Store(Protocol):
    """Named column families with atomic, durable multi-family writes."""

    def cf(self, name: str) -> KV:
        """The KV view of column family ``name``."""
        ...

    def write(self, batch: Batch) -> None:
        """Apply every operation of ``batch`` atomically, with a synced WAL write."""
        ...

    def close(self) -> None:
        """Release the store; views must not be used afterwards."""
        ...


def _check_bytes(key: object, value: object) -> None:
    if key.__class__ is not bytes or value.__class__ is not bytes:
        raise StoreError(
            f"keys and values must be bytes, got {type(key).__name__} and {type(value).__name__}"
        )


class MemoryKV:
    """A KV in a dict. Iteration sorts the keys each call: meant for tests and small data."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[bytes, bytes] | None = None) -> None:
        self._data: dict[bytes, bytes] = {} if data is None else data

    def get(self, key: bytes) -> bytes | None:
        if key.__class__ is not bytes:
            _check_bytes(key, b"")
        return self._data.get(key)

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        get = self._data.get
        return [get(k) for k in keys]

    def put(self, key: bytes, value: bytes) -> None:
        _check_bytes(key, value)
        self._data[key] = value

    def delete(self, key: bytes) -> None:
        _check_bytes(key, b"")
        self._data.pop(key, None)

    def items(
        self, lower: bytes | None = None, upper: bytes | None = None
    ) -> Iterator[tuple[bytes, bytes]]:
        keys = sorted(self._data)
        start = 0 if lower is None else bisect_left(keys, lower)
        stop = len(keys) if upper is None else bisect_left(keys, upper)
        data = self._data
        return iter([(k, data[k]) for k in keys[start:stop]])

    def apply(self, ops: dict[bytes, bytes | None]) -> None:
        """Apply pending operations (used by ``MemoryStore.write``)."""
        data = self._data
        for key, value in ops.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value

    def __len__(self) -> int:
        return len(self._data)


class MemoryStore:
    """A Store of MemoryKVs, one per column family named at construction."""

    def __init__(self, column_families: Iterable[str]) -> None:
        self._cfs = {name: MemoryKV() for name in column_families}

    def cf(self, name: str) -> MemoryKV:
        kv = self._cfs.get(name)
        if kv is None:
            raise UnknownColumnFamily(
                f"column family {name!r} not opened (have {sorted(self._cfs)})"
            )
        return kv

    def write(self, batch: Batch) -> None:
        targets = [(self.cf(cf), ops) for cf, ops in batch.ops.items()]
        for ops in batch.ops.values():
            for key, value in ops.items():
                _check_bytes(key, b"" if value is None else value)
        for kv, ops in targets:
            kv.apply(ops)

    def close(self) -> None:
        """Nothing to release; kept for the Store protocol."""
