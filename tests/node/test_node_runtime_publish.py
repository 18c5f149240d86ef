"""The runtime's replicated-mode hooks in process: publish with the lock released, roles, and
blocks applied from elsewhere. A real Ledger over an in-memory store; the publish hook is a
test double that blocks until told (standing in for the etcd round trip)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from vmchain.chain.genesis import dev_genesis, dev_keys
from vmchain.chain.ledger import Ledger, SealedBlock
from vmchain.chain.sealer import SealerPolicy
from vmchain.chain.store import memory_store
from vmchain.chain.tx import Tx, build_transfer
from vmchain.node.errors import ForkDetected, LostLeadership
from vmchain.node.metrics import Metrics
from vmchain.node.runtime import Runtime

KEYS = dev_keys()


def tx(note: bytes, key_index: int = 1) -> Tx:
    return build_transfer(
        KEYS[key_index],
        chain_id="vmchain-dev",
        to=KEYS[9].address,
        amount=1,
        first_valid=1,
        last_valid=100,
        gas_price=0,
        note=note,
    )


class Gate:
    """A publish hook that records blocks and blocks until released (or raises)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.blocks: list[SealedBlock] = []
        self.refuse: str | None = None

    def __call__(self, sealed: SealedBlock) -> None:
        self.blocks.append(sealed)
        self.entered.set()
        assert self.release.wait(10)
        if self.refuse is not None:
            raise LostLeadership(self.refuse)


def make(sealing: bool = True, gate: Gate | None = None) -> Runtime:
    ledger = Ledger.open(memory_store(), dev_genesis())
    policy = SealerPolicy.from_params(ledger.params, 5, None)
    runtime = Runtime(ledger, key=KEYS[0], policy=policy, metrics=Metrics(), sealing=sealing)
    if gate is not None:
        runtime.set_publish(gate)
    runtime.start()
    return runtime


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def runtime(gate: Gate) -> Iterator[Runtime]:
    rt = make(gate=gate)
    yield rt
    gate.release.set()
    rt.begin_shutdown()
    rt.join(10)
    rt.close()


def submit_in_thread(rt: Runtime, t: Tx, results: list[object]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(rt.submit(t, 10_000).receipt)
        except Exception as exc:  # the test asserts on it
            results.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_while_etcd_commits_the_node_admits_and_answers_and_keeps_the_block_pending(
    runtime: Runtime, gate: Gate
) -> None:
    first = tx(b"in-flight")
    results: list[object] = []
    waiting = submit_in_thread(runtime, first, results)
    assert gate.entered.wait(10)  # block 1 is being published; the lock is free
    assert runtime.read(lambda ledger: ledger.height()) == 0
    assert runtime.is_pending(first.tx_id)
    duplicate: list[object] = []
    twin = submit_in_thread(runtime, first, duplicate)  # shares the one receipt
    later = runtime.submit(tx(b"admitted-meanwhile", 2), 0)  # admission does not wait
    assert later.receipt is None and runtime.is_pending(later.tx_id)
    gate.release.set()
    waiting.join(10)
    twin.join(10)
    assert results == duplicate
    receipt = results[0]
    assert getattr(receipt, "height", None) == 1
    assert [b.block.height for b in gate.blocks][:1] == [1]


def test_a_refused_publish_abandons_the_block_and_demotes(runtime: Runtime, gate: Gate) -> None:
    gate.refuse = "this node no longer holds the sealer election"
    gate.release.set()
    with pytest.raises(LostLeadership, match="no longer holds the sealer election"):
        runtime.submit(tx(b"refused"), 5_000)
    assert runtime.read(lambda ledger: ledger.height()) == 0
    assert not runtime.is_sealer
    with pytest.raises(LostLeadership, match="no longer holds the sealer election"):
        runtime.submit(tx(b"to-a-follower"), 0)


def test_apply_block_waits_for_the_publish_of_the_same_height(runtime: Runtime, gate: Gate) -> None:
    results: list[object] = []
    waiting = submit_in_thread(runtime, tx(b"raced"), results)
    assert gate.entered.wait(10)
    own = gate.blocks[0].block
    applied: list[bool] = []
    applier = threading.Thread(target=lambda: applied.append(runtime.apply_block(own)))
    applier.start()
    applier.join(0.3)
    assert applier.is_alive()  # it waits for the publish instead of committing height 1 itself
    gate.release.set()
    waiting.join(10)
    applier.join(10)
    assert applied == [False]  # already committed by the sealer: nothing to do
    assert runtime.read(lambda ledger: ledger.height()) == 1


def test_a_follower_applies_blocks_sealed_elsewhere_and_halts_on_a_different_one() -> None:
    sealer = make()
    follower = make(sealing=False)
    try:
        receipt = sealer.submit(tx(b"sealed-elsewhere"), 5_000).receipt
        assert receipt is not None
        block = sealer.read(lambda ledger: ledger.block(1).block)
        assert follower.apply_block(block) is True
        assert follower.apply_block(block) is False
        assert follower.receipt(receipt.tx_id, 0) == receipt
        other = make()
        try:
            other.submit(tx(b"another-history", 3), 5_000)
            forked = other.read(lambda ledger: ledger.block(1).block)
        finally:
            other.begin_shutdown()
            other.join(10)
            other.close()
        with pytest.raises(ForkDetected, match="block 1 from the log is 0x"):
            follower.apply_block(forked)
        assert follower.fault is not None and not follower.healthy
    finally:
        for rt in (sealer, follower):
            rt.begin_shutdown()
            rt.join(10)
            rt.close()


def test_settled_height_waits_for_the_publish_in_flight(runtime: Runtime, gate: Gate) -> None:
    results: list[object] = []
    waiting = submit_in_thread(runtime, tx(b"settle"), results)
    assert gate.entered.wait(10)
    assert runtime.read(lambda ledger: ledger.height()) == 0  # reads do not wait
    settled: list[int] = []
    asker = threading.Thread(target=lambda: settled.append(runtime.settled_height()))
    asker.start()
    asker.join(0.3)
    assert asker.is_alive() and settled == []
    gate.release.set()
    asker.join(10)
    waiting.join(10)
    assert settled == [1]
