"""Crash safety on a real node: kill -9 loops under load, and the receipt-after-sync proof.

The crash harness (crash_harness.py) runs 5 rounds in CI (a random kill, each commit fail point,
a crash during recovery) and 24 in the slow suite; every round must lose no acknowledged receipt,
duplicate no tx, conserve money and pass `vmchain verify`. The seed is printed (and in every
failure); rerun one with VMCHAIN_CRASH_SEED=<seed>.

Then the ordering proof, one fail point at a time on a quiet node: a client waiting for its
receipt while the node dies at `store.write.before` gets none and the chain stays at the block
before; dying at `store.write.after` or `commit.before_ack` it gets none either, yet the block is
in the chain after the restart, so the synced write came before any reply. Resubmitting the same
signed tx (the honest retry) then returns that receipt and applies nothing twice.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import crash_harness as ch
import grpc
import pytest

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.genesis import dev_genesis

pytestmark = pytest.mark.e2e

helpers: Any = ch.helpers
KEYS = helpers.KEYS
PAYEE = bytes.fromhex("c0ffee" * 6 + "0001")


def _check_report(report: ch.Report, rounds: int) -> None:
    seed = f"seed {report.seed}"
    assert len(report.rounds) == rounds, seed
    for result in report.rounds:
        check = result.check
        where = f"{seed}, round {result.index} ({result.crash.describe()})"
        assert result.new_acked > 0, where
        assert check.acked > 0, where
        assert (check.lost, check.changed, check.duplicates) == (0, 0, 0), where
        assert check.total == dev_genesis().total_supply, where
        assert result.verified_blocks == check.blocks, where  # nothing sealed in between
    final = report.final
    assert final is not None, seed
    assert (final.lost, final.changed, final.duplicates) == (0, 0, 0), seed
    assert final.acked == report.client_total("acked") > 0, seed
    assert final.txs >= final.acked, seed
    assert report.client_total("acked_after_retry") > 0, seed  # in-flight txs were resubmitted
    assert [c["rejected"] for c in report.clients] == [{}] * len(report.clients), seed
    assert (report.lost, report.duplicates) == (0, 0), seed


def test_five_crash_rounds_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    seed = ch.seed_from_env()
    kinds = ch.mixed_plan(random.Random(seed), 5)
    assert sorted(kinds) == sorted(ch.KINDS)  # a kill, the three commit fail points, recovery
    report = ch.run_harness(tmp_path, kinds, seed=seed, clients=4)
    _check_report(report, 5)
    assert report.kills == 6  # the recovery round kills twice


@pytest.mark.slow
def test_twenty_four_crash_rounds_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    seed = ch.seed_from_env()
    kinds = ch.mixed_plan(random.Random(seed), 24)
    assert set(kinds) == set(ch.KINDS)
    report = ch.run_harness(tmp_path, kinds, seed=seed, clients=4)
    _check_report(report, 24)
    assert report.kills == 24 + kinds.count(ch.RECOVERY)


# ---------------------------------------------------------------------------------------------
# A receipt is handed out only after the synced write


@pytest.fixture
def chain_at_one(tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    """A data dir whose chain has block 1 (one acknowledged transfer), node stopped."""
    data = tmp_path / "data"
    node = helpers.NodeProcess(data, log_path=tmp_path / "node.log").start()
    try:
        first = helpers.submit(node.node, helpers.transfer(node.node, KEYS[1], PAYEE, 5)).receipt
    finally:
        assert node.stop() == 0
    assert first.height == 1
    yield data, first


def _head(node: Any) -> int:
    return int(helpers.head_height(node.node))


def _tx_count(node: Any, tx_id: bytes, head: int) -> int:
    count = 0
    for height in range(head + 1):
        block = node.node.GetBlock(npb.GetBlockRequest(height=height, full=True))
        count += [r.tx_id for r in block.receipts].count(tx_id)
    return count


@pytest.mark.parametrize(
    ("point", "durable"),
    [("store.write.before", False), ("store.write.after", True), ("commit.before_ack", True)],
)
def test_no_receipt_before_the_synced_write(
    chain_at_one: tuple[Path, Any], tmp_path: Path, point: str, durable: bool
) -> None:
    data, first = chain_at_one
    log = tmp_path / "node.log"
    armed = helpers.NodeProcess(data, log_path=log, env={ch.FAILPOINTS_ENV: f"{point}=crash@1"})
    armed.start()
    tx = helpers.transfer(armed.node, KEYS[2], PAYEE, 7, gas_price=1)
    with pytest.raises(grpc.RpcError) as caught:  # the node dies while the client waits
        helpers.submit(armed.node, tx, wait_ms=10_000, timeout=20)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, caught.value
    assert armed.proc.wait(10) == -9
    armed.kill()

    node = helpers.NodeProcess(data, log_path=log).start()
    try:
        get = ch.raw_receipt(node.channel)
        assert get(first.tx_id) == first.SerializeToString()
        assert _head(node) == (2 if durable else 1)
        stored = get(tx.tx_id)
        assert (stored is not None) == durable
        assert helpers.balance(node.node, PAYEE) == 5 + (7 if durable else 0)
        # The honest retry: the same signed tx again. Sealed already: that very receipt, no
        # new block; lost with the crash: sealed now, once.
        again = helpers.submit(node.node, tx).receipt
        if durable:
            assert again.SerializeToString() == stored
            assert _head(node) == 2
        assert again.height == 2
        assert helpers.balance(node.node, PAYEE) == 12
        assert _tx_count(node, tx.tx_id, _head(node)) == 1
    finally:
        assert node.stop() == 0
    assert ch.verify_dir(data) == 3
