"""Replicated mode when one node's disk fails, and blocks near etcd's request limit.

A node whose store fails stops (NOT_SERVING, UNAVAILABLE saying why) whether it was sealing or
following; if it was the sealer it gives up the election at once and another node seals. Blocks
are capped in bytes below etcd's request limit, so big transactions are spread over blocks
instead of stalling the chain. A node told to advertise a wildcard address refuses to start.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .etcd_cluster import EtcdCluster
from .replicated_net import (
    PAYERS,
    ReplicatedNet,
    is_sealer,
    replicated_net,
    submit,
    submit_to_sealer,
    transfer_tx,
)

pytestmark = pytest.mark.e2e

FAIL_ON_4TH_WRITE = {"VMCHAIN_FAILPOINTS": "store.write.before=ioerror@4"}


def health(net: ReplicatedNet, i: int) -> int:
    stub = health_pb2_grpc.HealthStub(net.nodes[i].channel)
    status: int = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status
    return status


def grow(net: ReplicatedNet, payer: int, blocks: int) -> int:
    """Seal `blocks` one-tx blocks through whichever node seals; the last height."""
    height = 0
    for i in range(blocks):
        height = submit_to_sealer(net, transfer_tx(PAYERS[payer], b"grow-%d" % i)).height
    return height


def assert_halted(net: ReplicatedNet, i: int) -> None:
    deadline = time.monotonic() + 10
    while health(net, i) != health_pb2.HealthCheckResponse.NOT_SERVING:
        assert time.monotonic() < deadline, "the failed node still reports SERVING"
        time.sleep(0.1)
    assert not is_sealer(net.nodes[i])
    with pytest.raises(grpc.RpcError) as caught:
        submit(net.nodes[i], transfer_tx(PAYERS[7], b"to-the-failed-node"))
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "injected I/O error" in caught.value.details(), caught.value.details()


def test_a_sealer_whose_disk_fails_steps_down_and_another_seals(
    fresh_cluster: EtcdCluster, tmp_path: Path
) -> None:
    with replicated_net(tmp_path, fresh_cluster, start=False) as net:
        net.start(0, env=FAIL_ON_4TH_WRITE)
        assert net.sealer(among=[0]) == 0
        net.start(1)
        net.start(2)
        head = grow(net, 0, 8)  # node 0 fails sealing its 4th block
        assert_halted(net, 0)
        assert net.sealer(among=[1, 2]) in (1, 2)
        assert net.wait_same_head([1, 2], at_least=head) >= 8


def test_a_follower_whose_disk_fails_halts_and_the_others_go_on(
    fresh_cluster: EtcdCluster, tmp_path: Path
) -> None:
    with replicated_net(tmp_path, fresh_cluster, start=False) as net:
        net.start(1)
        assert net.sealer(among=[1]) == 1
        net.start(0, env=FAIL_ON_4TH_WRITE)
        net.start(2)
        head = grow(net, 1, 8)
        assert_halted(net, 0)
        assert net.sealer() == 1
        assert net.wait_same_head([1, 2], at_least=head) >= 8
        assert "could not be stored" in net.log(0)


def test_big_transactions_are_spread_over_blocks_under_etcds_limit(
    fresh_cluster: EtcdCluster, tmp_path: Path
) -> None:
    with replicated_net(tmp_path, fresh_cluster) as net:
        sealer = net.sealer()
        note = b"n" * 120_000
        txs = [transfer_tx(PAYERS[2 + i % 4], note + b"%d" % i) for i in range(16)]
        node = net.nodes[sealer].node
        from vmchain._proto.vmchain.v1 import node_pb2 as npb
        from vmchain.chain.tx import signed_message

        for tx in txs:  # 1.9 MB in all: more than etcd's 1.5 MiB request limit
            node.SubmitTransaction(npb.SubmitRequest(tx=signed_message(tx)), timeout=5)
        receipts = [
            node.GetReceipt(npb.GetReceiptRequest(tx_id=tx.tx_id, wait_ms=20_000), timeout=25)
            for tx in txs
        ]
        heights = sorted({r.height for r in receipts})
        assert len(heights) >= 2  # at most 1.2 MB of txs per block
        assert net.sealer() == sealer  # nobody had to step down
        net.wait_same_head(range(3), at_least=heights[-1])


def test_a_wildcard_address_without_advertise_is_refused(
    fresh_cluster: EtcdCluster, tmp_path: Path
) -> None:
    with replicated_net(tmp_path, fresh_cluster, size=1, start=False) as net:
        home = tmp_path / "node0"
        command = [sys.executable, "-m", "vmchain", "node", "--grpc", "0.0.0.0:0"]
        command += ["--metrics", "off", "--data-dir", str(home / "data")]
        command += ["--node-key", str(home / "node.key"), "--etcd", fresh_cluster.urls[0]]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert "--grpc 0.0.0.0:" in done.stderr
        assert "other nodes cannot dial a wildcard address; give --advertise HOST:PORT" in (
            done.stderr
        )
        assert net.nodes[0].proc is None
