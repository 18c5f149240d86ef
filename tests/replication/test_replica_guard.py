"""The guard of the sealer's commit, in process: a Runtime on an in-memory ledger and a Replica
on a real etcd. Once the sealer's election key is gone (deleted here; in a partition etcd
expires it with the lease), its next block is refused by etcd: the block is abandoned, the
waiting client gets UNAVAILABLE (LostLeadership), nothing is written under that height, and the
node stops sealing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from vmchain.chain.genesis import dev_genesis, dev_keys
from vmchain.chain.ledger import Ledger
from vmchain.chain.sealer import SealerPolicy
from vmchain.chain.store import memory_store
from vmchain.chain.tx import build_transfer
from vmchain.node.errors import LostLeadership
from vmchain.node.metrics import Metrics
from vmchain.node.runtime import Runtime
from vmchain.replication.etcd import EtcdClient
from vmchain.replication.log import LogKeys
from vmchain.replication.metrics import ReplicationMetrics
from vmchain.replication.replica import Replica, ReplicaConfig

from .etcd_cluster import EtcdCluster

KEYS = dev_keys()


def transfer(note: bytes, first_valid: int) -> object:
    return build_transfer(
        KEYS[1],
        chain_id="vmchain-dev",
        to=KEYS[2].address,
        amount=1,
        first_valid=first_valid,
        last_valid=first_valid + 100,
        gas_price=0,
        note=note,
    )


@pytest.fixture
def sealer(etcd_cluster: EtcdCluster, prefix: bytes) -> Iterator[tuple[Runtime, Replica, LogKeys]]:
    ledger = Ledger.open(memory_store(), dev_genesis())
    metrics = Metrics()
    runtime = Runtime(
        ledger,
        key=KEYS[0],
        policy=SealerPolicy.from_params(ledger.params, 5, None),
        metrics=metrics,
        sealing=False,
    )
    keys = LogKeys(prefix)
    replica = Replica(
        EtcdClient(etcd_cluster.urls),
        keys,
        ReplicaConfig(lease_ttl_s=2),
        ReplicationMetrics(metrics.registry),
    )
    replica.check_genesis(ledger.block(0).block.hash)
    runtime.set_publish(replica.publish)
    runtime.start()
    replica.start(runtime, "127.0.0.1:1")
    try:
        yield runtime, replica, keys
    finally:
        replica.stop()
        runtime.begin_shutdown()
        runtime.join(10)
        runtime.close()


def test_a_sealer_without_its_election_key_cannot_commit(
    sealer: tuple[Runtime, Replica, LogKeys], etcd: EtcdClient
) -> None:
    runtime, _, keys = sealer
    deadline = time.monotonic() + 10
    while not runtime.is_sealer and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runtime.is_sealer
    receipt = runtime.submit(transfer(b"while-leader", 1), 5_000).receipt  # type: ignore[arg-type]
    assert receipt is not None and receipt.height == 1
    assert etcd.get(keys.block(1)) is not None

    leader = etcd.leader(keys.election)
    assert leader is not None and leader.value == b"127.0.0.1:1"
    etcd.delete(leader.key)  # leadership gone; the lease (and its keepalive) is untouched

    with pytest.raises(LostLeadership) as caught:
        runtime.submit(transfer(b"after-the-key-went", 2), 5_000)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "block 2 was not acknowledged: this node no longer holds the sealer election; "
        "retry with the sealer"
    )
    assert etcd.get(keys.block(2)) is None
    assert runtime.read(lambda ledger: ledger.height()) == 1


def test_a_sealer_halts_when_its_own_block_is_rewritten_in_the_log(
    sealer: tuple[Runtime, Replica, LogKeys], etcd: EtcdClient
) -> None:
    """The watch brings the sealer's own block back and it must match what the sealer
    committed (compared with the bytes it published, not re-encoded); a second write under the
    same height, such as a restored or tampered etcd, halts the node instead of being ignored."""
    runtime, _, keys = sealer
    deadline = time.monotonic() + 10
    while not runtime.is_sealer and time.monotonic() < deadline:
        time.sleep(0.01)
    receipt = runtime.submit(transfer(b"own-block", 1), 5_000).receipt  # type: ignore[arg-type]
    assert receipt is not None and receipt.height == 1
    original = etcd.get(keys.block(1))
    assert original is not None

    etcd.put(keys.block(1), original.value + b"\x00")
    deadline = time.monotonic() + 10
    while runtime.fault is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runtime.fault == "block 1 in the log differs from the one this node holds"
    assert not runtime.is_sealer
    assert runtime.read(lambda ledger: ledger.block(1).block.to_bytes()) == original.value
