"""Leader election through etcd's v3election service, two campaigners, two ways to hand over."""

from __future__ import annotations

import re
import threading

import pytest

from vmchain.replication.etcd import (
    EtcdClient,
    LeaderKey,
    NotLeader,
    Put,
    absent,
)


def _leader_value(etcd: EtcdClient, name: bytes) -> bytes | None:
    current = etcd.leader(name)
    return None if current is None else current.value


class Candidate:
    """Campaigns in a thread, so a second candidate can wait while the first one leads."""

    def __init__(self, etcd: EtcdClient, name: bytes, value: bytes, lease_id: int) -> None:
        self.leader: LeaderKey | None = None
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(etcd, name, value, lease_id))
        self._thread.start()

    def _run(self, etcd: EtcdClient, name: bytes, value: bytes, lease_id: int) -> None:
        try:
            self.leader = etcd.campaign(name, value, lease_id, timeout=15)
        except Exception as exc:
            self.error = exc

    def wait(self, timeout: float) -> LeaderKey | None:
        self._thread.join(timeout)
        assert self.error is None, self.error
        return self.leader


def test_second_candidate_wins_when_the_leader_resigns(etcd: EtcdClient, prefix: bytes) -> None:
    name = prefix + b"sealer"
    assert etcd.leader(name) is None
    lease_a, lease_b = etcd.grant(5), etcd.grant(5)
    with etcd.observe(name) as observer:
        a = etcd.campaign(name, b"node-a", lease_a.id)
        b = Candidate(etcd, name, b"node-b", lease_b.id)
        assert b.wait(0.5) is None  # still waiting behind a
        current = etcd.leader(name)
        assert current is not None and (current.key, current.value) == (a.key, b"node-a")
        assert a.lease == lease_a.id and a.revision == current.create_revision

        block = prefix + b"blocks/1"
        assert etcd.txn([absent(block), a.guard()], [Put(block, b"by a")]).succeeded
        etcd.resign(a)
        b_key = b.wait(5.0)
        assert b_key is not None and _leader_value(etcd, name) == b"node-b"

        # a's guard no longer holds: a stale sealer cannot commit.
        stale = etcd.commit_if_absent(prefix + b"blocks/2", b"by a", guards=[a.guard()])
        assert not stale.landed and stale.current is None
        assert etcd.commit_if_absent(prefix + b"blocks/2", b"by b", guards=[b_key.guard()]).landed
        seen = [observer.get(5.0), observer.get(5.0)]
    assert [kv.value for kv in seen if kv is not None] == [b"node-a", b"node-b"]
    etcd.revoke(lease_a.id)
    etcd.revoke(lease_b.id)


def test_leadership_passes_on_when_the_leaders_lease_expires(
    etcd: EtcdClient, prefix: bytes
) -> None:
    name = prefix + b"sealer"
    lease_a, lease_b = etcd.grant(2), etcd.grant(2)
    keep_a, keep_b = etcd.keep_alive(lease_a), etcd.keep_alive(lease_b)
    a = etcd.campaign(name, b"node-a", lease_a.id)
    b = Candidate(etcd, name, b"node-b", lease_b.id)
    assert b.wait(0.3) is None
    keep_a.stop()  # node a "crashes": nobody renews its lease, nobody resigns
    b_key = b.wait(6.0)
    assert b_key is not None and _leader_value(etcd, name) == b"node-b"
    with pytest.raises(NotLeader, match=f"key {re.escape(repr(a.key))} is not the leader"):
        etcd.proclaim(a, b"still a?")
    etcd.proclaim(b_key, b"node-b v2")
    assert _leader_value(etcd, name) == b"node-b v2"
    keep_b.stop()
    etcd.revoke(lease_b.id)
