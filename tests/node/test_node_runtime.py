"""The runtime in process: admission, the sealer thread, waits, drops, shutdown, streams, faults.

A real Ledger over an in-memory store; the sealer thread runs for real with short block times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from vmchain.chain.errors import Reason, TxRejected
from vmchain.chain.genesis import Genesis, dev_genesis, dev_keys
from vmchain.chain.ledger import Ledger
from vmchain.chain.mempool import MempoolLimits
from vmchain.chain.sealer import SealerPolicy
from vmchain.chain.store import memory_store
from vmchain.chain.tx import Tx, build_transfer, signed_message
from vmchain.crypto import PrivateKey, Scheme
from vmchain.node.errors import NotFoundError, NotSealer, ShuttingDown, TxDropped, WaitExpired
from vmchain.node.metrics import Metrics
from vmchain.node.runtime import Runtime
from vmchain.state.errors import StoreError

KEYS = dev_keys()
SEALER = KEYS[0]


def address(seed: int) -> bytes:
    return PrivateKey.from_int(Scheme.SECP256K1, 5 * 10**30 + seed).address


def tx_of(
    key: PrivateKey = KEYS[1],
    amount: int = 1,
    *,
    note: bytes = b"",
    first: int = 1,
    last: int = 50,
    gas_price: int = 0,
    chain_id: str = "vmchain-dev",
) -> Tx:
    return build_transfer(
        key,
        chain_id=chain_id,
        to=address(amount),
        amount=amount,
        first_valid=first,
        last_valid=last,
        gas_price=gas_price,
        note=note,
    )


def make_runtime(
    genesis: Genesis | None = None,
    *,
    block_time_ms: int = 10,
    heartbeat_ms: int | None = None,
    limits: MempoolLimits | None = None,
    ledger: Ledger | None = None,
    **kw: Any,
) -> Runtime:
    genesis = genesis or dev_genesis()
    ledger = ledger or Ledger.open(memory_store(), genesis)
    runtime = Runtime(
        ledger,
        key=SEALER,
        policy=SealerPolicy.from_params(ledger.params, block_time_ms, heartbeat_ms),
        mempool_limits=limits,
        metrics=Metrics(),
        **kw,
    )
    runtime.start()
    return runtime


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    rt = make_runtime()
    yield rt
    stop(rt)


def stop(rt: Runtime) -> None:
    rt.begin_shutdown()
    assert rt.join(10)
    rt.close()


def test_submit_with_wait_returns_the_durable_receipt(runtime: Runtime) -> None:
    tx = tx_of(amount=5)
    submitted = runtime.submit(tx, wait_ms=5_000)
    receipt = submitted.receipt
    assert receipt is not None and submitted.tx_id == tx.tx_id == receipt.tx_id
    assert (receipt.status, receipt.height, receipt.index) == ("SUCCESS", 1, 0)
    assert runtime.read(lambda ledger: ledger.receipt(tx.tx_id)) == receipt
    assert runtime.read(lambda ledger: ledger.account(address(5)).balance) == 5


def test_submit_raw_decodes_the_protobuf(runtime: Runtime) -> None:
    tx = tx_of(amount=6)
    receipt = runtime.submit_raw(signed_message(tx), 5_000).receipt
    assert receipt is not None and receipt.tx_id == tx.tx_id
    broken = signed_message(tx_of(amount=7))
    broken.signature = bytes(64)
    with pytest.raises(TxRejected) as caught:
        runtime.submit_raw(broken, 0)
    assert caught.value.reason is Reason.BAD_SIGNATURE


def test_five_concurrent_submits_share_one_execution_and_receipt(runtime: Runtime) -> None:
    tx = tx_of(amount=9, note=b"x5")
    barrier = threading.Barrier(5)
    receipts: list[Any] = []

    def send() -> None:
        barrier.wait()
        receipts.append(runtime.submit(tx, 5_000).receipt)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(receipts) == 5 and all(r == receipts[0] for r in receipts)
    block = runtime.read(lambda ledger: ledger.block(receipts[0].height))
    assert [t.tx_id for t in block.block.txs].count(tx.tx_id) == 1
    assert runtime.read(lambda ledger: ledger.account(address(9)).balance) == 9


def test_duplicates_pending_and_sealed() -> None:
    rt = make_runtime(block_time_ms=60_000)  # nothing seals by itself
    try:
        tx = tx_of(amount=3)
        assert rt.submit(tx, 0).receipt is None
        with pytest.raises(TxRejected, match=f"tx 0x{tx.tx_id.hex()} is already pending"):
            rt.submit(tx, 0)
        with pytest.raises(WaitExpired, match=f"tx 0x{tx.tx_id.hex()} is still pending after 30"):
            rt.submit(tx, 30)
        with pytest.raises(NotFoundError, match="it is pending, not sealed"):
            rt.receipt(tx.tx_id, 0)
        sealed = rt.mine(1)
        receipt = sealed.receipts[0]
        assert receipt.tx_id == tx.tx_id
        with pytest.raises(TxRejected, match="is already sealed in block 1") as caught:
            rt.submit(tx, 0)
        assert caught.value.reason is Reason.DUPLICATE
        assert rt.submit(tx, 100).receipt == receipt
        assert rt.receipt(tx.tx_id, 0) == receipt
        with pytest.raises(NotFoundError, match="not known to this node"):
            rt.receipt(bytes(32), 100)
    finally:
        stop(rt)


def test_a_tx_the_executor_leaves_out_fails_its_waiter_with_the_reason() -> None:
    poor = PrivateKey.from_int(Scheme.SECP256K1, 777)
    genesis = replace(dev_genesis(), alloc=(*dev_genesis().alloc, (poor.address, 100)))
    genesis = replace(genesis, alloc=tuple(sorted(genesis.alloc)))
    rt = make_runtime(genesis, block_time_ms=60_000)
    try:
        first = tx_of(poor, 100, note=b"a")
        second = tx_of(poor, 100, note=b"b")  # affordable alone, not after `first`
        rt.submit(first, 0)
        rt.submit(second, 0)
        outcome: list[BaseException] = []

        def wait() -> None:
            try:
                rt.submit(second, 5_000)
            except Exception as exc:
                outcome.append(exc)

        waiter = threading.Thread(target=wait)
        waiter.start()
        sealed = rt.mine(1)
        waiter.join(10)
        assert [r.tx_id for r in sealed.receipts] == [first.tx_id]
        assert len(outcome) == 1 and isinstance(outcome[0], TxRejected)
        assert outcome[0].reason is Reason.CANNOT_PAY_GAS
        assert not rt.is_pending(second.tx_id)
    finally:
        stop(rt)


def test_an_expired_pending_tx_is_dropped_and_its_waiter_told() -> None:
    # Room for one transfer per block: two pending ones reach the gas limit and seal at once.
    genesis = replace(dev_genesis(), block_gas_limit=30_000)
    rt = make_runtime(genesis, block_time_ms=60_000)
    try:
        expiring = tx_of(KEYS[2], amount=2, first=1, last=1)
        keep = tx_of(amount=1, gas_price=2)  # taken first: higher gas price
        outcome: list[BaseException] = []

        def wait() -> None:
            try:
                rt.submit(expiring, 5_000)
            except Exception as exc:
                outcome.append(exc)

        waiter = threading.Thread(target=wait)
        waiter.start()
        while not rt.is_pending(expiring.tx_id):
            time.sleep(0.001)
        rt.submit(keep, 0)
        assert rt.receipt(keep.tx_id, 5_000).height == 1
        assert rt.mine(1).receipts == ()  # block 2: `expiring` (last_valid 1) is dropped
        waiter.join(10)
        assert len(outcome) == 1 and isinstance(outcome[0], TxDropped)
        assert str(outcome[0]) == (
            f"tx 0x{expiring.tx_id.hex()} was dropped without being sealed: its validity "
            "window ended"
        )
        assert (
            rt._metrics.registry.get_sample_value(
                "vmchain_tx_rejected_total", {"reason": "outside_window"}
            )
            == 1
        )
    finally:
        stop(rt)


def test_mempool_full_is_resource_exhausted() -> None:
    rt = make_runtime(block_time_ms=60_000, limits=MempoolLimits(max_txs=2))
    try:
        rt.submit(tx_of(amount=1), 0)
        rt.submit(tx_of(amount=2), 0)
        with pytest.raises(TxRejected, match="mempool is full") as caught:
            rt.submit(tx_of(amount=3), 0)
        assert caught.value.category.name == "RESOURCE_EXHAUSTED"
        outcomes = rt.submit_batch([signed_message(tx_of(amount=4)), b"junk"])
        assert [type(o).__name__ for o in outcomes] == ["TxRejected", "TxRejected"]
        assert [o.reason for o in outcomes if isinstance(o, TxRejected)] == [
            Reason.MEMPOOL_FULL,
            Reason.MALFORMED,
        ]
    finally:
        stop(rt)


def test_shutdown_seals_what_is_pending_then_refuses() -> None:
    rt = make_runtime(block_time_ms=60_000)
    txs = [tx_of(amount=10 + i) for i in range(5)]
    for tx in txs:
        rt.submit(tx, 0)
    rt.begin_shutdown()
    with pytest.raises(ShuttingDown, match="shutting down"):
        rt.submit(tx_of(amount=99), 0)
    assert rt.join(10)
    for tx in txs:
        assert rt.receipt(tx.tx_id, 0).status == "SUCCESS"
    assert rt.pending_count() == 0
    rt.close()
    with pytest.raises(ShuttingDown):
        list(rt.blocks_from(rt.read(lambda ledger: ledger.height()) + 1, lambda: True))


def test_blocks_from_streams_history_then_live_without_gap(runtime: Runtime) -> None:
    runtime.mine(2)
    got: list[int] = []
    stop_after = 5

    def consume() -> None:
        for sealed in runtime.blocks_from(1, lambda: len(got) < stop_after):
            got.append(sealed.block.height)
            if len(got) == stop_after:
                return

    reader = threading.Thread(target=consume)
    reader.start()
    runtime.mine(3)
    reader.join(10)
    assert got == [1, 2, 3, 4, 5]


def test_a_stream_ends_when_its_client_leaves(runtime: Runtime) -> None:
    assert list(runtime.blocks_from(5, lambda: False)) == []


def test_mine_seals_empty_blocks(runtime: Runtime) -> None:
    sealed = runtime.mine(3)
    assert sealed.block.height == 3 and sealed.receipts == ()
    assert runtime.read(lambda ledger: ledger.height()) == 3


def test_metrics_move_with_blocks(runtime: Runtime) -> None:
    metrics: Metrics = runtime._metrics
    tx = tx_of(amount=4)
    runtime.submit(tx, 5_000)
    get = metrics.registry.get_sample_value
    assert get("vmchain_chain_height") == 1
    assert get("vmchain_transactions_total", {"status": "SUCCESS"}) == 1
    assert get("vmchain_vm_gas_total") == tx.body.gas_limit
    assert get("vmchain_tx_inclusion_seconds_count") == 1
    assert get("vmchain_block_transactions_sum") == 1
    assert get("vmchain_mempool_transactions") == 0


class FailingLedger(Ledger):
    """A ledger whose disk fails at the first commit."""

    def commit(self, sealed: Any) -> None:
        raise StoreError("disk on fire")


def test_a_failed_commit_stops_sealing_and_reports() -> None:
    genesis = dev_genesis()
    plain = Ledger.open(memory_store(), genesis)
    failing = FailingLedger(plain.chain, genesis, plain.retain_heights)
    faults: list[str] = []
    rt = make_runtime(ledger=failing, on_fault=faults.append)
    try:
        tx = tx_of(amount=8)
        with pytest.raises(NotSealer, match="disk on fire"):
            rt.submit(tx, 5_000)
        assert faults == ["StoreError: disk on fire"]
        assert not rt.healthy
        with pytest.raises(NotSealer, match="stopped sealing after an error: StoreError"):
            rt.submit(tx_of(amount=9), 0)
        assert rt.read(lambda ledger: ledger.height()) == 0
    finally:
        stop(rt)


def test_a_node_without_a_key_does_not_seal() -> None:
    ledger = Ledger.open(memory_store(), dev_genesis())
    rt = Runtime(ledger, key=None, policy=SealerPolicy.from_params(ledger.params))
    rt.start()
    with pytest.raises(NotSealer, match="no authority key"):
        rt.submit(tx_of(amount=1), 0)
    stop(rt)


def test_a_heartbeat_seals_empty_blocks() -> None:
    rt = make_runtime(heartbeat_ms=20)
    try:
        blocks = rt.blocks_from(1, lambda: True)
        assert [next(blocks).receipts for _ in range(3)] == [(), (), ()]
    finally:
        stop(rt)
