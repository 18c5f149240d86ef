"""Leases against a real cluster: expiry deletes keys, a keepalive thread holds them."""

from __future__ import annotations

import time

from vmchain.replication.etcd import EtcdClient, EventType


def test_an_expired_lease_deletes_its_keys(etcd: EtcdClient, prefix: bytes) -> None:
    lease = etcd.grant(1)
    assert lease.ttl == 2  # etcd's minimum TTL with a 1 s election timeout
    key = prefix + b"presence"
    created = etcd.put(key, b"here", lease=lease.id)
    stored = etcd.get(key)
    assert stored is not None and stored.lease == lease.id
    started = time.monotonic()
    with etcd.watch(key, start_revision=created + 1) as watcher:
        event = watcher.get(6.0)
    assert event is not None and event.type is EventType.DELETE
    assert 1.0 < time.monotonic() - started < 6.0
    assert etcd.get(key) is None
    assert etcd.time_to_live(lease.id) == -1
    assert etcd.revoke(lease.id) is False  # already gone


def test_keepalive_holds_a_key_until_stopped(etcd: EtcdClient, prefix: bytes) -> None:
    lease = etcd.grant(2)
    key = prefix + b"sealer"
    etcd.put(key, b"node-a", lease=lease.id)
    lost: list[str] = []
    keepalive = etcd.keep_alive(lease, on_lost=lost.append)
    time.sleep(3.2)  # well past the TTL
    assert etcd.get(key) is not None
    assert keepalive.alive() and keepalive.renewals >= 3 and lost == []
    assert 1 <= etcd.time_to_live(lease.id) <= 2
    keepalive.stop()
    assert not keepalive._thread.is_alive()

    assert etcd.revoke(lease.id) is True  # revoking drops the key at once
    assert etcd.get(key) is None


def test_keepalive_reports_a_lease_revoked_behind_its_back(etcd: EtcdClient, prefix: bytes) -> None:
    lease = etcd.grant(2)
    lost: list[str] = []
    with etcd.keep_alive(lease, on_lost=lost.append) as keepalive:
        etcd.revoke(lease.id)
        assert keepalive.lost.wait(3.0)
    assert lost == [f"etcd says lease {lease.id:x} expired or was revoked"]
