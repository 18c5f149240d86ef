"""Member failures: failover across endpoints, and commits whose outcome was unknown."""

from __future__ import annotations

import threading
import time

import pytest

from vmchain.replication.etcd import (
    EtcdClient,
    EtcdTimeout,
    EtcdUnavailable,
    EventType,
    TxnResult,
    prefix_end,
)

from .etcd_cluster import EtcdCluster


def test_every_call_moves_on_when_the_current_member_dies(fresh_cluster: EtcdCluster) -> None:
    leader = fresh_cluster.leader_index()
    victim = (leader + 1) % 3  # a follower: no Raft election in this test
    order = [victim, *(i for i in range(3) if i != victim)]
    with fresh_cluster.client(order) as etcd:
        lease = etcd.grant(2)
        etcd.put(b"/f/alive", b"1", lease=lease.id)
        start = etcd.put(b"/f/before", b"1")
        keepalive = etcd.keep_alive(lease)
        watcher = etcd.watch(b"/f/", prefix_end(b"/f/"), start_revision=start + 1)
        assert etcd.status().endpoint == fresh_cluster.addresses[victim]

        fresh_cluster.kill(victim)
        # Give grpc a moment to see the connection close: a write racing onto the dying socket
        # would be reported maybe_applied (correctly) instead of resent.
        time.sleep(0.2)
        after = etcd.put(b"/f/after", b"2")  # refused by the dead member, sent to the next
        assert etcd.get(b"/f/after") is not None
        assert etcd.status().endpoint != fresh_cluster.addresses[victim]
        event = watcher.get(5.0)  # the watch reopened elsewhere and missed nothing
        assert event is not None and (event.kv.key, event.revision) == (b"/f/after", after)
        assert event.type is EventType.PUT

        time.sleep(2.5)  # longer than the TTL: only a reopened keepalive keeps the key
        assert keepalive.alive() and etcd.get(b"/f/alive") is not None
        assert keepalive.reopened >= 1 and watcher.reopened >= 1
        keepalive.stop()
        watcher.close()


def test_reads_and_guarded_commits_ride_out_the_loss_of_the_raft_leader(
    fresh_cluster: EtcdCluster,
) -> None:
    leader = fresh_cluster.leader_index()
    order = [leader, *(i for i in range(3) if i != leader)]
    with fresh_cluster.client(order, attempt_timeout=0.5) as etcd:
        etcd.put(b"/l/k", b"v")
        fresh_cluster.kill(leader)
        started = time.monotonic()
        assert etcd.range(b"/l/k", timeout=10).kvs[0].value == b"v"
        result = etcd.commit_if_absent(b"/l/block", b"ours", timeout=10)
        elapsed = time.monotonic() - started
    assert result.landed and result.current is not None and result.current.version == 1
    assert elapsed < 5.0
    survivors = {i for i in range(3) if i != leader}
    assert fresh_cluster.leader_index(among=survivors) in survivors


def test_a_commit_whose_reply_was_lost_is_found_by_reading_back(
    etcd: EtcdClient, prefix: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_txn = etcd.txn
    sent: list[TxnResult] = []

    def reply_lost(*args: object, **kwargs: object) -> TxnResult:
        sent.append(real_txn(*args, **kwargs))  # type: ignore[arg-type]
        if len(sent) == 1:  # applied, but the client never hears back
            raise EtcdTimeout("Txn", "test", "DEADLINE_EXCEEDED", "lost", maybe_applied=True)
        return sent[-1]

    monkeypatch.setattr(etcd, "txn", reply_lost)
    key = prefix + b"blocks/9"
    result = etcd.commit_if_absent(key, b"ours")
    assert result.landed and result.ambiguous_attempts == 1
    assert len(sent) == 1  # the read-back answered; nothing was resent
    assert result.current is not None and result.current.version == 1
    assert result.revision == sent[0].revision

    other = etcd.commit_if_absent(prefix + b"blocks/10", b"theirs")
    assert other.landed
    sent.clear()
    lost = etcd.commit_if_absent(prefix + b"blocks/10", b"ours")
    assert not lost.landed and lost.conflict and lost.ambiguous_attempts == 1
    assert lost.current is not None and lost.current.value == b"theirs"


def test_a_commit_during_lost_quorum_resolves_once_quorum_returns(
    fresh_cluster: EtcdCluster,
) -> None:
    leader = fresh_cluster.leader_index()
    survivor = (leader + 1) % 3
    order = [survivor, *(i for i in range(3) if i != survivor)]
    with fresh_cluster.client(order, attempt_timeout=0.5) as etcd:
        etcd.put(b"/q/warm", b"1")
        hung = [i for i in range(3) if i != survivor]
        for i in hung:
            fresh_cluster.pause(i)
        with pytest.raises((EtcdTimeout, EtcdUnavailable)) as err:
            etcd.put(b"/q/plain", b"x", timeout=0.6)
        assert err.value.maybe_applied  # a plain write cannot know; it is not resent

        def resume_all() -> None:
            for i in hung:
                fresh_cluster.resume(i)

        resume = threading.Timer(1.5, resume_all)
        resume.start()
        started = time.monotonic()
        result = etcd.commit_if_absent(b"/q/block", b"ours", timeout=15)
        elapsed = time.monotonic() - started
        resume.join()
        stored = etcd.get(b"/q/block")
    assert result.landed and result.ambiguous_attempts >= 1
    assert stored is not None and (stored.value, stored.version) == (b"ours", 1)
    assert 1.4 < elapsed < 10.0
