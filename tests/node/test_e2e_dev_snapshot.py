"""End to end: Dev Snapshot / Revert on a real `vmchain node --dev` process of its own.

Not the session's shared dev node: a Revert takes the chain back for every client. The tests of
this module run in order on one node; each reads the head it starts from.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from node_helpers import (
    KEYS,
    NodeProcess,
    assert_rpc_error,
    balance,
    head_height,
    mine,
    receipt_status,
    running_node,
    submit,
    transfer,
)

from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.client import NodeClient, Wallet
from vmchain.client.errors import NotFound

pytestmark = pytest.mark.e2e

Code = grpc.StatusCode
DAY_MS = 86_400_000
PAYER, PAYEE = KEYS[3], KEYS[4]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    with running_node(tmp_path_factory.mktemp("dev-snapshot")) as process:
        yield process


def snapshot(node: NodeProcess) -> int:
    snapshot_id: int = node.devc.Snapshot(dpb.SnapshotRequest(), timeout=10).id
    return snapshot_id


def revert(node: NodeProcess, snapshot_id: int) -> int:
    height: int = node.devc.Revert(dpb.RevertRequest(id=snapshot_id), timeout=30).height
    return height


def test_revert_undoes_a_transfer_and_the_tx_can_be_sealed_again(node: NodeProcess) -> None:
    stub = node.node
    start = head_height(stub)
    before = balance(stub, PAYER.address), balance(stub, PAYEE.address)
    snap = snapshot(node)
    assert snap == 1

    tx = transfer(stub, PAYER, PAYEE.address, 1_234, note=b"snapshot-1")
    receipt = submit(stub, tx).receipt
    assert receipt_status(receipt) == "SUCCESS" and receipt.height == start + 1
    assert balance(stub, PAYER.address) == before[0] - 1_234  # gas price 0: no fee
    assert balance(stub, PAYEE.address) == before[1] + 1_234

    assert revert(node, snap) == start
    assert head_height(stub) == start
    assert (balance(stub, PAYER.address), balance(stub, PAYEE.address)) == before
    assert_rpc_error(
        Code.NOT_FOUND,
        "is not known to this node",
        stub.GetReceipt,
        npb.GetReceiptRequest(tx_id=tx.tx_id),
    )
    assert_rpc_error(
        Code.NOT_FOUND,
        f"no block at height {start + 1}; the head is {start}",
        stub.GetBlock,
        npb.GetBlockRequest(height=start + 1),
    )

    again = submit(stub, tx).receipt  # the same signed tx, no longer in the chain
    assert receipt_status(again) == "SUCCESS" and again.height == start + 1
    assert again.tx_id == tx.tx_id
    assert balance(stub, PAYER.address) == before[0] - 1_234
    assert balance(stub, PAYEE.address) == before[1] + 1_234


def test_unknown_and_used_up_snapshots_are_not_found(node: NodeProcess) -> None:
    revert_ = node.devc.Revert
    assert_rpc_error(
        Code.NOT_FOUND,
        "snapshot 1 is gone: a Revert to it or to an earlier snapshot used it up",
        revert_,
        dpb.RevertRequest(id=1),
    )
    assert_rpc_error(
        Code.NOT_FOUND,
        "no snapshot 999: this node has taken 1 snapshot(s) since it started, with ids 1..1",
        revert_,
        dpb.RevertRequest(id=999),
    )
    assert_rpc_error(Code.NOT_FOUND, "no snapshot 0", revert_, dpb.RevertRequest())


def test_revert_uses_up_later_snapshots_and_keeps_earlier_ones(node: NodeProcess) -> None:
    stub, devc = node.node, node.devc
    start = head_height(stub)
    first = snapshot(node)
    mine(devc)
    second = snapshot(node)
    mine(devc)
    third = snapshot(node)
    assert (first, second, third) == (2, 3, 4)
    assert head_height(stub) == start + 2

    assert revert(node, second) == start + 1
    for gone in (second, third):
        assert_rpc_error(Code.NOT_FOUND, f"snapshot {gone} is gone", devc.Revert,
                         dpb.RevertRequest(id=gone))  # fmt: skip
    assert snapshot(node) == 5  # ids are never reused
    assert revert(node, first) == start
    assert head_height(stub) == start


def test_revert_puts_the_dev_clock_back(node: NodeProcess) -> None:
    stub, devc = node.node, node.devc
    stamped = mine(devc).timestamp_ms
    snap = snapshot(node)
    devc.IncreaseTime(dpb.IncreaseTimeRequest(seconds=DAY_MS // 1000))
    ahead = mine(devc).timestamp_ms
    assert ahead >= stamped + DAY_MS

    height = revert(node, snap)
    after = mine(devc)
    assert after.height == height + 1
    assert stamped <= after.timestamp_ms < stamped + 60_000  # the day is undone
    header = stub.GetBlock(npb.GetBlockRequest(height=height + 1)).header
    assert header.timestamp_ms == after.timestamp_ms


def test_a_stream_past_the_reverted_height_goes_on_at_its_cursor(node: NodeProcess) -> None:
    stub, devc = node.node, node.devc
    start = head_height(stub)
    snap = snapshot(node)
    stream = stub.StreamBlocks(npb.StreamBlocksRequest(from_height=start + 1), timeout=30)
    mine(devc, 2)
    old = [next(stream), next(stream)]
    assert [b.header.height for b in old] == [start + 1, start + 2]

    assert revert(node, snap) == start
    mine(devc, 3)
    following = next(stream)  # heights start+1 and start+2 are not sent again
    assert following.header.height == start + 3
    replaced = stub.GetBlock(npb.GetBlockRequest(height=start + 2))
    assert replaced.hash != old[1].hash
    assert following.header.parent_hash == replaced.hash
    stream.cancel()


def test_a_snapshot_whose_state_is_pruned_cannot_be_reverted_to(node: NodeProcess) -> None:
    snap = snapshot(node)
    height = head_height(node.node)
    mine(node.devc, 257)  # the node keeps the state of the last 256 heights
    message = assert_rpc_error(
        Code.NOT_FOUND,
        f"snapshot {snap} (height {height}) cannot be reverted to: cannot rewind to height "
        f"{height}: its state is pruned (retained heights {height + 2}..{height + 257}",
        node.devc.Revert,
        dpb.RevertRequest(id=snap),
    )
    assert "retain_heights=256" in message
    assert head_height(node.node) == height + 257


def test_the_sdk_dev_client_and_a_restart_keep_the_reverted_chain(node: NodeProcess) -> None:
    with NodeClient(node.ready["grpc"]) as client:
        before = client.balance(PAYEE.address)
        snap = client.dev.snapshot()
        client.transfer(Wallet(PAYER), PAYEE.address, 77)
        assert client.balance(PAYEE.address) == before + 77
        state = client.dev.revert(snap)
        assert client.balance(PAYEE.address) == before
        with pytest.raises(NotFound, match=f"snapshot {snap} is gone"):
            client.dev.revert(snap)
    assert node.stop() == 0

    restarted = NodeProcess(node.data_dir, log_path=node.log_path).start()
    try:  # same data dir: the chain as reverted, and no snapshots
        assert head_height(restarted.node) == state.height
        assert balance(restarted.node, PAYEE.address) == before
        assert_rpc_error(
            Code.NOT_FOUND,
            "no snapshot 1: this node has taken no snapshot since it started",
            restarted.devc.Revert,
            dpb.RevertRequest(id=1),
        )
    finally:
        assert restarted.stop() == 0
