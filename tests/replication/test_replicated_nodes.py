"""Replicated mode end to end: real `vmchain node --etcd` processes on a real 3-member etcd.

Every test gets its own etcd cluster and three nodes (one genesis, three authorities).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from .etcd_cluster import EtcdCluster
from .replicated_net import (
    PAYEE,
    PAYERS,
    ReplicatedNet,
    blocks,
    replicated_net,
    submit,
    submit_to_sealer,
    transfer_tx,
)

pytestmark = pytest.mark.e2e

PAYEE_TEXT = "0x" + PAYEE.hex()


@pytest.fixture
def net(fresh_cluster: EtcdCluster, tmp_path: Path) -> Iterator[ReplicatedNet]:
    with replicated_net(tmp_path, fresh_cluster) as network:
        yield network


def test_one_sealer_followers_refuse_writes_naming_it(net: ReplicatedNet) -> None:
    sealer = net.sealer()
    followers = [i for i in range(3) if i != sealer]
    receipt = submit(net.nodes[sealer], transfer_tx(PAYERS[0], b"first"))
    assert receipt.height == 1
    address = net.nodes[sealer].ready["grpc"]
    for i in followers:
        with pytest.raises(grpc.RpcError) as caught:
            submit(net.nodes[i], transfer_tx(PAYERS[0], b"to-a-follower"))
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert caught.value.details() == f"this node is a follower; the sealer is {address}"
    assert net.wait_same_head(range(3), at_least=1) >= 1


def test_three_nodes_under_load_end_at_the_same_chain(net: ReplicatedNet) -> None:
    """Four SDK gates, each given every node's address, submit concurrently."""
    from concurrent.futures import ThreadPoolExecutor

    from vmchain._proto.vmchain.v1 import node_pb2 as npb
    from vmchain.client import NodeClient, Wallet

    addresses = ",".join(node.ready["grpc"] for node in net.nodes)

    def gate(index: int) -> list[tuple[str, int]]:
        wallet = Wallet(PAYERS[index])
        with NodeClient(addresses) as client:
            return [
                (r.tx_id, r.height)
                for r in (
                    client.transfer(wallet, PAYEE_TEXT, 1, note=b"load-%d-%d" % (index, i))
                    for i in range(50)
                )
            ]

    with ThreadPoolExecutor(4) as pool:
        results = [pair for batch in pool.map(gate, range(4)) for pair in batch]
    assert len(results) == 200
    head = max(height for _, height in results)
    net.wait_same_head(range(3), at_least=head)
    chains = [list(blocks(node, 1, head)) for node in net.nodes]
    hashes = [[b.hash for b in chain] for chain in chains]
    assert hashes[0] == hashes[1] == hashes[2]
    assert [b.header.height for b in chains[0]] == list(range(1, head + 1))
    bodies = [t.body for b in chains[1] for t in b.transactions]
    assert len(bodies) == len(set(bodies)) == 200  # no gap, no duplicate
    for i in range(3):  # every node serves every receipt at the height the gate was told
        for tx_id, height in results[::20]:
            request = npb.GetReceiptRequest(tx_id=bytes.fromhex(tx_id.removeprefix("0x")))
            assert net.nodes[i].node.GetReceipt(request, timeout=5).height == height


def test_kill_the_sealer_another_takes_over_and_nothing_acknowledged_is_lost(
    net: ReplicatedNet,
) -> None:
    sealer = net.sealer()
    acknowledged = {}
    for i in range(20):
        tx = transfer_tx(PAYERS[1], b"before-%d" % i)
        acknowledged[tx.tx_id] = submit(net.nodes[sealer], tx)
    net.kill(sealer)
    killed_at = time.monotonic()
    tx = transfer_tx(PAYERS[2], b"after-kill")
    acknowledged[tx.tx_id] = submit_to_sealer(net, tx)
    failover_s = time.monotonic() - killed_at
    assert failover_s < 2 + 1 + 1.5, failover_s  # lease TTL + 1 s (+ slack for this machine)
    survivors = [i for i in range(3) if i != sealer]
    head = net.wait_same_head(survivors, at_least=acknowledged[tx.tx_id].height)
    net.start(sealer)  # the old sealer comes back as a follower and catches up
    net.wait_same_head(range(3), at_least=head)
    for tx_id, receipt in acknowledged.items():
        from vmchain._proto.vmchain.v1 import node_pb2 as npb

        for i in range(3):
            got = net.nodes[i].node.GetReceipt(npb.GetReceiptRequest(tx_id=tx_id), timeout=5)
            assert got == receipt


def test_gates_using_the_sdk_with_every_node_address_ride_out_a_sealer_kill(
    net: ReplicatedNet,
) -> None:
    from vmchain.client import NodeClient, Wallet
    from vmchain.client.retry import RetryPolicy

    addresses = ",".join(node.ready["grpc"] for node in net.nodes)
    wallet = Wallet(PAYERS[3])
    sealer = net.sealer()
    receipts = []
    with NodeClient(addresses, retry=RetryPolicy(deadline=30)) as client:
        for i in range(5):
            receipts.append(client.transfer(wallet, PAYEE_TEXT, 1, note=b"sdk-%d" % i))
        assert client.target == net.nodes[sealer].ready["grpc"]  # redirected to the sealer
        net.kill(sealer)
        for i in range(5, 10):
            receipts.append(client.transfer(wallet, PAYEE_TEXT, 1, note=b"sdk-%d" % i))
        assert client.target != net.nodes[sealer].ready["grpc"]
        assert [r.status for r in receipts] == ["SUCCESS"] * 10
        survivors = [i for i in range(3) if i != sealer]
        net.wait_same_head(survivors, at_least=receipts[-1].height)
        for receipt in receipts:
            assert client.receipt(receipt.tx_id).height == receipt.height
