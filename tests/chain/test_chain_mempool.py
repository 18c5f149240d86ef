"""Mempool: unit cases, and random operation sequences checked against a plain list model."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from chain_helpers import ALICE, BOB, CAROL, transfer
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.chain import mempool as mempool_module
from vmchain.chain.errors import Category, Reason, TxRejected
from vmchain.chain.mempool import Mempool, MempoolLimits
from vmchain.chain.tx import TX_BASE_GAS, Tx

KEYS = (ALICE, BOB, CAROL)


def _pool() -> list[Tx]:
    """60 distinct txs: 3 senders, gas prices 0..3, assorted windows and gas limits."""
    txs = []
    for i in range(60):
        first = i % 7
        txs.append(
            transfer(
                KEYS[i % 3],
                amount=i,
                gas_price=(i * 7) % 4,
                first_valid=first,
                last_valid=first + (i % 5) * 3,
                gas_limit=30_000 + (i % 4) * 20_000,
                note=bytes([i]),
            )
        )
    return txs


POOL = _pool()


def test_orders_by_gas_price_then_arrival() -> None:
    pool = Mempool()
    cheap = transfer(gas_price=1, note=b"a")
    dear = transfer(gas_price=5, note=b"b")
    cheap2 = transfer(BOB, gas_price=1, note=b"c")
    for i, tx in enumerate([cheap, dear, cheap2]):
        pool.add(tx, arrival_ms=100 + i)
    assert pool.pending() == [dear, cheap, cheap2]
    assert pool.oldest_arrival_ms() == 100
    selection = pool.take(max_txs=10, gas_limit=10**9, next_height=1)
    assert selection.txs == [dear, cheap, cheap2]
    assert selection.expired == []
    assert len(pool) == 0 and pool.size_bytes == 0 and pool.pending_gas == 0
    assert pool.oldest_arrival_ms() is None


def test_rejections_carry_reasons() -> None:
    a1, a2, a3 = (transfer(note=bytes([i])) for i in range(3))
    b1 = transfer(BOB)
    pool = Mempool(MempoolLimits(max_txs=3, max_bytes=10_000, max_per_sender=2))
    pool.add(a1)
    with pytest.raises(TxRejected, match="already pending") as info:
        pool.add(a1)
    assert info.value.reason is Reason.DUPLICATE
    assert info.value.category is Category.ALREADY_EXISTS
    pool.add(a2)
    with pytest.raises(TxRejected) as info:
        pool.add(a3)
    assert info.value.reason is Reason.SENDER_LIMIT
    pool.add(b1)
    with pytest.raises(TxRejected, match="mempool is full") as info:
        pool.add(transfer(CAROL))
    assert info.value.reason is Reason.MEMPOOL_FULL
    assert info.value.category is Category.RESOURCE_EXHAUSTED
    tiny = Mempool(MempoolLimits(max_bytes=100))
    with pytest.raises(TxRejected) as info:
        tiny.add(a1)
    assert info.value.reason is Reason.TOO_LARGE


def test_byte_limit() -> None:
    first, second = transfer(note=b"1"), transfer()
    pool = Mempool(MempoolLimits(max_bytes=first.size + second.size))
    pool.add(first)
    pool.add(second)
    assert pool.size_bytes == pool.limits.max_bytes
    with pytest.raises(TxRejected) as info:
        pool.add(transfer(BOB))
    assert info.value.reason is Reason.MEMPOOL_FULL


def test_expiry_and_not_yet_valid() -> None:
    pool = Mempool()
    old = transfer(first_valid=1, last_valid=4, note=b"old")
    now = transfer(first_valid=1, last_valid=9, note=b"now")
    later = transfer(first_valid=8, last_valid=9, gas_price=9, note=b"later")
    for tx in (old, now, later):
        pool.add(tx)
    selection = pool.take(max_txs=10, gas_limit=10**9, next_height=5)
    assert selection.expired == [old]
    assert selection.txs == [now]
    assert pool.pending() == [later]
    assert pool.drop_expired(10) == [later]


def test_take_respects_gas_and_count() -> None:
    pool = Mempool()
    big = transfer(gas_limit=100_000, gas_price=3, note=b"big")
    small = [transfer(gas_limit=30_000, gas_price=2, note=bytes([i])) for i in range(3)]
    for tx in [big, *small]:
        pool.add(tx)
    assert pool.take(max_txs=10, gas_limit=90_000, next_height=1).txs == small
    assert pool.pending() == [big]
    pool.add(small[0])
    assert pool.take(max_txs=1, gas_limit=10**6, next_height=1).txs == [big]


def test_take_respects_a_byte_budget() -> None:
    pool = Mempool()
    large = transfer(gas_price=3, note=b"L" * 1000)
    small = [transfer(gas_price=2, note=bytes([i]) * 10) for i in range(3)]
    for tx in [large, *small]:
        pool.add(tx)
    budget = small[0].size * 3 + large.size - 1  # everything but one byte
    taken = pool.take(max_txs=10, gas_limit=10**9, next_height=1, max_bytes=budget).txs
    assert taken == [large, small[0], small[1]]
    assert sum(tx.size for tx in taken) <= budget
    assert pool.pending() == [small[2]]
    assert pool.take(max_txs=10, gas_limit=10**9, next_height=1, max_bytes=0).txs == []


def test_remove_and_readd() -> None:
    pool = Mempool()
    txs = [transfer(note=bytes([i])) for i in range(4)]
    for tx in txs:
        pool.add(tx)
    assert pool.remove([txs[1].tx_id, b"unknown", txs[3].tx_id]) == [txs[1], txs[3]]
    assert txs[1].tx_id not in pool and txs[0].tx_id in pool
    assert pool.get(txs[0].tx_id) == txs[0] and pool.get(txs[1].tx_id) is None
    pool.add(txs[1])  # re-added after removal: new arrival, stale heap items ignored
    assert pool.pending() == [txs[0], txs[2], txs[1]]
    assert pool.sender_count(ALICE.address) == 3
    assert pool.take(10, 10**9, 1).txs == [txs[0], txs[2], txs[1]]


def test_heaps_are_compacted(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = Mempool()
    for round_ in range(5):
        txs = [transfer(note=bytes([round_, i])) for i in range(100)]
        for tx in txs:
            pool.add(tx)
        pool.remove(tx.tx_id for tx in txs)
    assert len(pool) == 0
    assert len(pool._by_priority) <= 64 + 100
    assert len(pool._by_expiry) <= 64 + 100


def test_skip_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mempool_module, "MAX_SKIPS", 2)
    pool = Mempool()
    future = [transfer(first_valid=9, last_valid=9, gas_price=5, note=bytes([i])) for i in range(2)]
    ready = transfer(first_valid=1, last_valid=9)
    for tx in [*future, ready]:
        pool.add(tx)
    assert pool.take(10, 10**9, 1).txs == []  # gave up after two skips
    assert len(pool) == 3
    monkeypatch.setattr(mempool_module, "MAX_SKIPS", 3)
    assert pool.take(10, 10**9, 1).txs == [ready]


# --- model-based -------------------------------------------------------------------------------

LIMITS = MempoolLimits(max_txs=12, max_bytes=12 * 185, max_per_sender=5)


@dataclass
class Model:
    """The mempool as a list, every operation the obvious way."""

    limits: MempoolLimits
    entries: list[tuple[Tx, int, int]] = field(default_factory=list)  # (tx, seq, arrival)
    seq: int = 0

    def add(self, tx: Tx, arrival: int) -> Reason | None:
        ids = [t.tx_id for t, _, _ in self.entries]
        if tx.tx_id in ids:
            return Reason.DUPLICATE
        if tx.size > self.limits.max_bytes:
            return Reason.TOO_LARGE
        if sum(t.sender == tx.sender for t, _, _ in self.entries) >= self.limits.max_per_sender:
            return Reason.SENDER_LIMIT
        used = sum(t.size for t, _, _ in self.entries)
        if len(self.entries) >= self.limits.max_txs or used + tx.size > self.limits.max_bytes:
            return Reason.MEMPOOL_FULL
        self.seq += 1
        self.entries.append((tx, self.seq, arrival))
        return None

    def drop_expired(self, height: int) -> list[Tx]:
        gone = sorted(
            (e for e in self.entries if e[0].body.last_valid < height),
            key=lambda e: (e[0].body.last_valid, e[1]),
        )
        self.entries = [e for e in self.entries if e[0].body.last_valid >= height]
        return [e[0] for e in gone]

    def take(self, max_txs: int, gas: int, height: int) -> tuple[list[Tx], list[Tx]]:
        expired = self.drop_expired(height)
        chosen: list[Tx] = []
        skips = 0
        for tx, _, _ in self.best():
            if len(chosen) >= max_txs or gas < TX_BASE_GAS:
                break
            if tx.body.first_valid > height or tx.body.gas_limit > gas:
                skips += 1
                if skips >= mempool_module.MAX_SKIPS:
                    break
                continue
            chosen.append(tx)
            gas -= tx.body.gas_limit
        self.entries = [e for e in self.entries if e[0] not in chosen]
        return chosen, expired

    def remove(self, ids: list[bytes]) -> list[Tx]:
        gone = [e[0] for e in self.entries if e[0].tx_id in ids]
        self.entries = [e for e in self.entries if e[0].tx_id not in ids]
        return sorted(gone, key=lambda t: ids.index(t.tx_id))

    def best(self) -> list[tuple[Tx, int, int]]:
        return sorted(self.entries, key=lambda e: (-e[0].body.gas_price, e[1]))


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, len(POOL) - 1), st.integers(0, 10**6)),
        st.tuples(st.just("expire"), st.integers(0, 20), st.just(0)),
        st.tuples(st.just("take"), st.integers(0, 6), st.integers(0, 200_000)),
        st.tuples(st.just("remove"), st.integers(0, len(POOL) - 1), st.integers(1, 4)),
    ),
    max_size=40,
)


def _check_same(pool: Mempool, model: Model) -> None:
    assert pool.pending() == [e[0] for e in model.best()]
    assert len(pool) == len(model.entries)
    assert pool.size_bytes == sum(e[0].size for e in model.entries)
    assert pool.pending_gas == sum(e[0].body.gas_limit for e in model.entries)
    arrivals = [e[2] for e in sorted(model.entries, key=lambda e: e[1])]
    assert pool.oldest_arrival_ms() == (arrivals[0] if arrivals else None)
    for key in KEYS:
        expected = sum(e[0].sender == key.address for e in model.entries)
        assert pool.sender_count(key.address) == expected


@settings(max_examples=200, deadline=None)
@given(OPS, st.integers(0, 10))
def test_mempool_matches_list_model(ops: list[tuple[str, int, int]], height: int) -> None:
    pool, model = Mempool(LIMITS), Model(LIMITS)
    for op, a, b in ops:
        if op == "add":
            try:
                pool.add(POOL[a], arrival_ms=b)
                got = None
            except TxRejected as exc:
                got = exc.reason
            assert got is model.add(POOL[a], b)
        elif op == "expire":
            assert pool.drop_expired(a) == model.drop_expired(a)
        elif op == "take":
            selection = pool.take(a, b, height)
            assert (selection.txs, selection.expired) == model.take(a, b, height)
        else:
            ids = [POOL[(a + k) % len(POOL)].tx_id for k in range(b)]
            assert pool.remove(ids) == model.remove(ids)
        _check_same(pool, model)
