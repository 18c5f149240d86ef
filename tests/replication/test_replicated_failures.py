"""Replicated mode under failures, with real etcd members and real `vmchain node --etcd` processes.

- The etcd Raft leader is killed: the same sealer goes on after etcd elects a new leader.
- The sealer and its own etcd member (the one it talks to first) die together: another node
  seals after etcd's election plus the lease TTL; nothing acknowledged is lost.
- A follower is stopped while the chain grows past what etcd keeps (--keep-blocks 10): on
  restart it fetches the pruned blocks from the sealer over gRPC and catches up.
- A sealer frozen (SIGSTOP) past its lease, as in a partition, loses the election; when it
  wakes its guarded commit fails, it abandons the block (UNAVAILABLE, nothing acknowledged)
  and follows the new sealer: one chain, no fork.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import grpc
import pytest

from vmchain._proto.vmchain.v1 import node_pb2 as npb

from .etcd_cluster import EtcdCluster
from .replicated_net import (
    PAYERS,
    ReplicatedNet,
    blocks,
    fetched_blocks,
    is_sealer,
    outgrow_the_log,
    replicated_net,
    submit,
    submit_to_sealer,
    transfer_tx,
)

pytestmark = pytest.mark.e2e


def receipts_everywhere(
    net: ReplicatedNet, acknowledged: dict[bytes, object], nodes: list[int]
) -> None:
    for tx_id, receipt in acknowledged.items():
        for i in nodes:
            got = net.nodes[i].node.GetReceipt(npb.GetReceiptRequest(tx_id=tx_id), timeout=5)
            assert got == receipt


def test_the_etcd_leader_dies_and_the_sealer_goes_on(
    fresh_cluster: EtcdCluster, tmp_path: Path
) -> None:
    with replicated_net(tmp_path, fresh_cluster) as net:
        sealer = net.sealer()
        acknowledged = {}
        for i in range(10):
            tx = transfer_tx(PAYERS[0], b"pre-%d" % i)
            acknowledged[tx.tx_id] = submit(net.nodes[sealer], tx)
        leader = fresh_cluster.leader_index()
        fresh_cluster.kill(leader)
        for i in range(10):
            tx = transfer_tx(PAYERS[1], b"post-%d" % i)
            acknowledged[tx.tx_id] = submit_to_sealer(net, tx)
        assert net.sealer() == sealer  # etcd's election does not end the sealer's lease
        head = max(r.height for r in acknowledged.values())
        net.wait_same_head(range(3), at_least=head)
        receipts_everywhere(net, acknowledged, [0, 1, 2])


def test_the_sealer_and_its_etcd_member_die_together(
    fresh_cluster: EtcdCluster, tmp_path: Path
) -> None:
    with replicated_net(tmp_path, fresh_cluster) as net:
        sealer = net.sealer()
        acknowledged = {}
        for i in range(10):
            tx = transfer_tx(PAYERS[2], b"pre-%d" % i)
            acknowledged[tx.tx_id] = submit(net.nodes[sealer], tx)
        net.kill(sealer)
        fresh_cluster.kill(sealer)  # node i talks to member i first
        started = time.monotonic()
        tx = transfer_tx(PAYERS[3], b"post")
        acknowledged[tx.tx_id] = submit_to_sealer(net, tx, timeout_s=30)
        assert time.monotonic() - started < 10  # etcd election (~1 s) + TTL 2 s + 1 s + slack
        survivors = [i for i in range(3) if i != sealer]
        net.wait_same_head(survivors, at_least=acknowledged[tx.tx_id].height)
        receipts_everywhere(net, acknowledged, survivors)


def test_a_stopped_follower_catches_up_past_the_pruned_log(
    fresh_cluster: EtcdCluster, tmp_path: Path
) -> None:
    with replicated_net(tmp_path, fresh_cluster, args=["--keep-blocks", "10"]) as net:
        sealer = net.sealer()
        follower = (sealer + 1) % 3
        head = outgrow_the_log(net, sealer, follower)
        net.start(follower)
        net.wait_same_head([sealer, follower], at_least=head, timeout_s=30)
        assert fetched_blocks(net.nodes[follower]) >= 1
        ours = [b.hash for b in blocks(net.nodes[follower], 1, head)]
        assert ours == [b.hash for b in blocks(net.nodes[sealer], 1, head)]


def test_a_frozen_sealer_loses_the_election_and_cannot_commit(
    fresh_cluster: EtcdCluster, tmp_path: Path
) -> None:
    with replicated_net(tmp_path, fresh_cluster) as net:
        old = net.sealer()
        first = submit(net.nodes[old], transfer_tx(PAYERS[5], b"before"))
        proc = net.nodes[old].proc
        assert proc is not None
        proc.send_signal(signal.SIGSTOP)
        try:
            new = net.sealer(among=[i for i in range(3) if i != old], timeout_s=15)
            after = submit(net.nodes[new], transfer_tx(PAYERS[6], b"new-sealer"))
        finally:
            proc.send_signal(signal.SIGCONT)
        with pytest.raises(grpc.RpcError) as caught:
            submit(net.nodes[old], transfer_tx(PAYERS[7], b"to-the-old-sealer"))
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, caught.value.details()
        deadline = time.monotonic() + 10
        while is_sealer(net.nodes[old]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not is_sealer(net.nodes[old])
        head = net.wait_same_head(range(3), at_least=after.height)
        hashes = [[b.hash for b in blocks(node, 1, head)] for node in net.nodes]
        assert hashes[0] == hashes[1] == hashes[2]
        assert first.height < after.height
