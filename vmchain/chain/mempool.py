"""The mempool: admitted transactions waiting for a block.

Bounded in count and bytes, with a per-sender cap. Ordered by gas price (highest first), then by
arrival; arrival is a counter, not a clock (the caller may attach its own `arrival_ms` so the
sealer can see how long the oldest tx has waited). Expired txs (last_valid < next height) are
dropped. Insertion is O(log n); `take` pops the best txs that fit a block's gas and count limits
in O(k log n). Heaps use lazy deletion: a removed tx's heap items are skipped when popped and the
heaps are rebuilt when mostly garbage. No threads here: the node serialises access.

When full, a new tx is rejected (mempool_full); nothing is evicted to make room for it.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from vmchain.chain.errors import Reason, TxRejected
from vmchain.chain.tx import TX_BASE_GAS, Tx

DEFAULT_MAX_TXS = 50_000
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_PER_SENDER = 5_000
# `take` passes over at most this many txs that are not yet valid or do not fit the gas left,
# so one block's selection stays O(k log n) even when the pool holds many such txs.
MAX_SKIPS = 256


@dataclass(frozen=True, slots=True)
class MempoolLimits:
    max_txs: int = DEFAULT_MAX_TXS
    max_bytes: int = DEFAULT_MAX_BYTES
    max_per_sender: int = DEFAULT_MAX_PER_SENDER


@dataclass(frozen=True, slots=True)
class _Entry:
    tx: Tx
    seq: int
    arrival_ms: int


@dataclass(frozen=True, slots=True)
class Selection:
    """What `take` returns: txs for the block, in order, and expired txs it dropped."""

    txs: list[Tx] = field(default_factory=list)
    expired: list[Tx] = field(default_factory=list)


_HeapItem = tuple[int, int, bytes]  # (key, seq, tx_id)


class Mempool:
    """Pending transactions, best first."""

    def __init__(self, limits: MempoolLimits | None = None) -> None:
        self.limits = limits or MempoolLimits()
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()  # in arrival order
        self._by_priority: list[_HeapItem] = []  # (-gas_price, seq, tx_id)
        self._by_expiry: list[_HeapItem] = []  # (last_valid, seq, tx_id)
        self._per_sender: dict[bytes, int] = {}
        self._bytes = 0
        self._gas = 0
        self._seq = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, tx_id: object) -> bool:
        return tx_id in self._entries

    def get(self, tx_id: bytes) -> Tx | None:
        entry = self._entries.get(tx_id)
        return entry.tx if entry else None

    @property
    def size_bytes(self) -> int:
        """Total encoded size of the pending txs."""
        return self._bytes

    @property
    def pending_gas(self) -> int:
        """Sum of the pending txs' gas limits."""
        return self._gas

    def oldest_arrival_ms(self) -> int | None:
        """The arrival_ms of the earliest-added pending tx, None when empty."""
        for entry in self._entries.values():
            return entry.arrival_ms
        return None

    def sender_count(self, sender: bytes) -> int:
        return self._per_sender.get(sender, 0)

    def add(self, tx: Tx, arrival_ms: int = 0) -> None:
        """Add an admitted tx; TxRejected (duplicate, too_large, sender_limit, mempool_full)."""
        self._check_room(tx)
        self._seq += 1
        entry = _Entry(tx, self._seq, arrival_ms)
        self._entries[tx.tx_id] = entry
        heapq.heappush(self._by_priority, (-tx.body.gas_price, entry.seq, tx.tx_id))
        heapq.heappush(self._by_expiry, (tx.body.last_valid, entry.seq, tx.tx_id))
        self._per_sender[tx.sender] = self._per_sender.get(tx.sender, 0) + 1
        self._bytes += tx.size
        self._gas += tx.body.gas_limit

    def _check_room(self, tx: Tx) -> None:
        limits = self.limits
        if tx.tx_id in self._entries:
            raise TxRejected(
                Reason.DUPLICATE, f"tx 0x{tx.tx_id.hex()} is already pending", tx.tx_id
            )
        if tx.size > limits.max_bytes:
            raise TxRejected(
                Reason.TOO_LARGE,
                f"tx is {tx.size} bytes, the mempool holds at most {limits.max_bytes}",
                tx.tx_id,
            )
        if self._per_sender.get(tx.sender, 0) >= limits.max_per_sender:
            raise TxRejected(
                Reason.SENDER_LIMIT,
                f"sender 0x{tx.sender.hex()} already has {limits.max_per_sender} pending txs",
                tx.tx_id,
            )
        if len(self._entries) >= limits.max_txs or self._bytes + tx.size > limits.max_bytes:
            raise TxRejected(
                Reason.MEMPOOL_FULL,
                f"mempool is full ({len(self._entries)} txs, {self._bytes} bytes; limits "
                f"{limits.max_txs} txs, {limits.max_bytes} bytes)",
                tx.tx_id,
            )

    def _discard(self, tx_id: bytes) -> Tx:
        entry = self._entries.pop(tx_id)
        tx = entry.tx
        remaining = self._per_sender[tx.sender] - 1
        if remaining:
            self._per_sender[tx.sender] = remaining
        else:
            del self._per_sender[tx.sender]
        self._bytes -= tx.size
        self._gas -= tx.body.gas_limit
        return tx

    def _live(self, item: _HeapItem) -> bool:
        entry = self._entries.get(item[2])
        return entry is not None and entry.seq == item[1]

    def tx_ids(self) -> list[bytes]:
        """Every pending tx id, in arrival order."""
        return list(self._entries)

    def remove(self, tx_ids: Iterable[bytes]) -> list[Tx]:
        """Remove these txs (e.g. sealed in a block); ids not pending are ignored."""
        removed = [self._discard(i) for i in tx_ids if i in self._entries]
        self._compact()
        return removed

    def drop_expired(self, next_height: int) -> list[Tx]:
        """Remove and return every tx with last_valid < next_height, earliest expiry first."""
        expired = []
        heap = self._by_expiry
        while heap and heap[0][0] < next_height:
            item = heapq.heappop(heap)
            if self._live(item):
                expired.append(self._discard(item[2]))
        self._compact()
        return expired

    def take(
        self, max_txs: int, gas_limit: int, next_height: int, max_bytes: int | None = None
    ) -> Selection:
        """Pop the best txs for a block at `next_height` within `max_txs`, `gas_limit` and
        (if given) `max_bytes` of encoded txs.

        Drops expired txs first. Then, best first, takes each tx that is valid at next_height
        and whose gas_limit fits the gas left; others stay pending (at most MAX_SKIPS of them
        are passed over). Stops when the block is full or less than TX_BASE_GAS is left.
        """
        expired = self.drop_expired(next_height)
        chosen: list[Tx] = []
        skipped: list[_HeapItem] = []
        gas_left = gas_limit
        bytes_left = max_bytes
        heap = self._by_priority
        while heap and len(chosen) < max_txs and gas_left >= TX_BASE_GAS:
            item = heapq.heappop(heap)
            if not self._live(item):
                continue
            tx = self._entries[item[2]].tx
            body = tx.body
            too_big = bytes_left is not None and tx.size > bytes_left
            if body.first_valid > next_height or body.gas_limit > gas_left or too_big:
                skipped.append(item)
                if len(skipped) >= MAX_SKIPS:
                    break
                continue
            chosen.append(self._discard(item[2]))
            gas_left -= body.gas_limit
            if bytes_left is not None:
                bytes_left -= tx.size
        for item in skipped:
            heapq.heappush(heap, item)
        self._compact()
        return Selection(txs=chosen, expired=expired)

    def pending(self) -> list[Tx]:
        """Every pending tx, best first (gas price high to low, then arrival)."""
        entries = sorted(self._entries.values(), key=lambda e: (-e.tx.body.gas_price, e.seq))
        return [e.tx for e in entries]

    def _compact(self) -> None:
        """Rebuild a heap once at least half of it is stale items of removed txs."""
        limit = 2 * len(self._entries) + 64
        if len(self._by_priority) > limit:
            self._by_priority = self._live_heap(self._by_priority)
        if len(self._by_expiry) > limit:
            self._by_expiry = self._live_heap(self._by_expiry)

    def _live_heap(self, heap: list[_HeapItem]) -> list[_HeapItem]:
        fresh = [item for item in heap if self._live(item)]
        heapq.heapify(fresh)
        return fresh
