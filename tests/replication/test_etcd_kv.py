"""The etcd client's key-value calls against a real 3-member cluster: reads, paging, txns."""

from __future__ import annotations

import pytest

from vmchain.replication.etcd import (
    CommitResult,
    CommitUnknown,
    Delete,
    EtcdClient,
    EtcdConfigError,
    EtcdRejected,
    EtcdUnavailable,
    Get,
    KeyValue,
    Put,
    RangeResult,
    absent,
    created_at,
    modified_at,
    prefix_end,
    value_is,
)
from vmchain.replication.etcd_endpoints import parse_endpoint

from .etcd_cluster import free_ports


def test_put_then_get_returns_the_stored_key(etcd: EtcdClient, prefix: bytes) -> None:
    key = prefix + b"a"
    first = etcd.put(key, b"one")
    second = etcd.put(key, b"two")
    assert second == first + 1
    assert etcd.get(key) == KeyValue(key, b"two", first, second, 2, 0)
    assert etcd.get(key, revision=first) == KeyValue(key, b"one", first, first, 1, 0)
    assert etcd.get(prefix + b"missing") is None
    assert etcd.delete(key).deleted == 1
    assert etcd.get(key) is None


def test_pages_cover_a_prefix_in_order_at_one_revision(etcd: EtcdClient, prefix: bytes) -> None:
    keys = [prefix + b"k%03d" % i for i in range(25)]
    for i, key in enumerate(keys):
        etcd.put(key, b"v%d" % i)
    snapshot = etcd.get_all(prefix, prefix_end(prefix)).revision
    etcd.put(prefix + b"k999", b"written after the first page")  # must not show up

    pages = list(etcd.pages(prefix, prefix_end(prefix), page_size=10, revision=snapshot))

    assert [len(p.kvs) for p in pages] == [10, 10, 5]
    assert [p.more for p in pages] == [True, True, False]
    assert {p.revision for p in pages} == {snapshot}
    assert [kv.key for p in pages for kv in p.kvs] == keys
    everything = etcd.get_all(prefix, prefix_end(prefix), page_size=7)
    assert [kv.key for kv in everything.kvs] == [*keys, prefix + b"k999"]
    assert everything.count == 26


def test_guarded_txn_runs_success_only_while_every_compare_holds(
    etcd: EtcdClient, prefix: bytes
) -> None:
    key, other = prefix + b"block/1", prefix + b"head"
    created = etcd.put(other, b"0")

    won = etcd.txn(
        [absent(key), created_at(other, created)],
        [Put(key, b"b1"), Put(other, b"1")],
        [Get(key)],
    )
    assert won.succeeded
    assert etcd.get(key) == KeyValue(key, b"b1", won.revision, won.revision, 1, 0)

    lost = etcd.txn([absent(key)], [Put(key, b"b1-again")], [Get(key), Get(other)])
    assert not lost.succeeded
    assert lost.revision == won.revision  # nothing was written
    assert [r.kvs for r in lost.responses if isinstance(r, RangeResult)] == [
        (KeyValue(key, b"b1", won.revision, won.revision, 1, 0),),
        (KeyValue(other, b"1", created, won.revision, 2, 0),),
    ]

    stale = etcd.txn([modified_at(other, created)], [Delete(other)], [])
    assert not stale.succeeded and stale.responses == ()
    by_value = etcd.txn([value_is(other, b"1")], [Delete(other)])
    assert by_value.succeeded and etcd.get(other) is None


def test_commit_if_absent_lands_once_and_reports_a_conflict(
    etcd: EtcdClient, prefix: bytes
) -> None:
    key = prefix + b"blocks/7"
    first = etcd.commit_if_absent(key, b"ours")
    assert first == CommitResult(True, first.revision, first.current, 0)
    assert first.current == KeyValue(key, b"ours", first.revision, first.revision, 1, 0)

    again = etcd.commit_if_absent(key, b"ours")  # a retry of a commit that landed
    assert again.landed and not again.conflict and again.current == first.current

    theirs = etcd.commit_if_absent(key, b"theirs")
    assert not theirs.landed and theirs.conflict and theirs.current == first.current


def test_commit_if_absent_fails_when_a_guard_fails(etcd: EtcdClient, prefix: bytes) -> None:
    guard = created_at(prefix + b"election-key", 12345)  # no such key: the guard is false
    result = etcd.commit_if_absent(prefix + b"blocks/1", b"x", guards=[guard])
    assert (result.landed, result.current, result.conflict) == (False, None, False)
    assert etcd.get(prefix + b"blocks/1") is None


def test_too_large_a_request_is_rejected_with_etcds_reason(etcd: EtcdClient, prefix: bytes) -> None:
    with pytest.raises(EtcdRejected, match="request is too large") as err:
        etcd.put(prefix + b"big", b"x" * 1_600_000)  # over --max-request-bytes (1.5 MiB)
    assert err.value.code == "INVALID_ARGUMENT" and not err.value.maybe_applied


def test_a_write_that_reached_no_member_is_retried_then_reported_unsent() -> None:
    dead = [f"http://127.0.0.1:{port}" for port in free_ports(2)]  # nothing listens there
    with EtcdClient(dead, timeout=0.3) as etcd:
        with pytest.raises(EtcdUnavailable, match="no member answered in time") as err:
            etcd.put(b"k", b"v")
        assert err.value.code == "UNAVAILABLE" and not err.value.maybe_applied
        assert "failed to connect" in err.value.details
        with pytest.raises(CommitUnknown, match=r"commit of b'k' unresolved after 1 attempt"):
            etcd.commit_if_absent(b"k", b"v", timeout=0.3)


def test_prefix_end_and_endpoint_parsing() -> None:
    assert prefix_end(b"/a/") == b"/a0"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"\xff") == b"\x00"
    assert parse_endpoint("http://10.0.0.1:2379") == "10.0.0.1:2379"
    assert parse_endpoint("127.0.0.1:2379/") == "127.0.0.1:2379"
    with pytest.raises(EtcdConfigError, match="only http:// is supported"):
        parse_endpoint("https://a:2379")
    with pytest.raises(EtcdConfigError, match="not host:port"):
        parse_endpoint("http://a")
    with pytest.raises(EtcdConfigError, match="at least one endpoint"):
        EtcdClient([])
