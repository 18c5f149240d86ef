"""Watching etcd from a revision: order, resume point, fragment reassembly, compaction."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vmchain.replication.etcd import Compacted, EtcdClient, Event, EventType, Put, prefix_end

from .etcd_cluster import EtcdCluster


def _take(watcher_get: Callable[[float], Event | None], count: int) -> list[Event]:
    events: list[Event] = []
    for _ in range(count):
        event = watcher_get(5.0)
        assert event is not None, f"only {len(events)} of {count} events arrived"
        events.append(event)
    return events


def test_watch_from_an_old_revision_replays_then_follows_in_order(
    etcd: EtcdClient, prefix: bytes
) -> None:
    end = prefix_end(prefix)
    first = etcd.put(prefix + b"1", b"a")
    etcd.put(prefix + b"2", b"b")
    etcd.delete(prefix + b"1")
    with etcd.watch(prefix, end, start_revision=first, prev_kv=True) as watcher:
        replayed = _take(watcher.get, 3)
        both = etcd.txn([], [Put(prefix + b"3", b"c"), Put(prefix + b"4", b"d")])
        live = _take(watcher.get, 2)
        assert watcher.get(0.2) is None  # nothing else happened
        assert watcher.next_revision == both.revision + 1

    assert [(e.type, e.kv.key, e.kv.value, e.revision) for e in replayed] == [
        (EventType.PUT, prefix + b"1", b"a", first),
        (EventType.PUT, prefix + b"2", b"b", first + 1),
        (EventType.DELETE, prefix + b"1", b"", first + 2),
    ]
    deleted = replayed[2].prev_kv
    assert deleted is not None and deleted.value == b"a"
    assert [(e.kv.key, e.revision) for e in live] == [
        (prefix + b"3", both.revision),
        (prefix + b"4", both.revision),
    ]


def test_watch_from_now_sees_only_later_writes(etcd: EtcdClient, prefix: bytes) -> None:
    etcd.put(prefix + b"old", b"x")
    with etcd.watch(prefix + b"old") as watcher:
        assert watcher.get(0.3) is None
        revision = etcd.put(prefix + b"old", b"y")
        event = watcher.get(5.0)
    assert event is not None and (event.kv.value, event.revision) == (b"y", revision)


def test_large_history_arrives_in_fragments_reassembled_in_order(
    etcd_cluster: EtcdCluster, prefix: bytes
) -> None:
    # Four 700 KB values replayed at once make one ~2.8 MB watch response: more than this
    # client's 2 MiB receive limit. Only etcd's fragmenting (each part under 1.5 MiB) gets it
    # through, and the client must glue the parts back together.
    values = [bytes([65 + i]) * 700_000 for i in range(4)]
    with etcd_cluster.client(max_receive_bytes=2 << 20) as small:
        revisions = [small.put(prefix + b"big%d" % i, v) for i, v in enumerate(values)]
        with small.watch(prefix, prefix_end(prefix), start_revision=revisions[0]) as watcher:
            events = _take(watcher.get, 4)
            assert watcher.fragments >= 1
    assert [(e.kv.value, e.revision) for e in events] == list(zip(values, revisions, strict=True))


def test_watch_from_a_compacted_revision_says_where_history_starts(
    etcd: EtcdClient, prefix: bytes
) -> None:
    old = etcd.put(prefix + b"k", b"1")
    etcd.put(prefix + b"k", b"2")
    kept = etcd.put(prefix + b"k", b"3")
    etcd.compact(kept)

    watcher = etcd.watch(prefix + b"k", start_revision=old)
    with pytest.raises(Compacted, match=rf"from revision {old} .* before revision {kept}") as err:
        watcher.get(5.0)
    assert (err.value.requested_revision, err.value.compact_revision) == (old, kept)
    assert watcher.get(0.1) is None  # the watch is over
    watcher.close()

    with pytest.raises(Compacted, match=f"range from revision {old}"):
        etcd.range(prefix + b"k", revision=old)
    # Current keys survive compaction: resync from a read, then watch from its revision + 1.
    current = etcd.get_all(prefix, prefix_end(prefix))
    assert [kv.value for kv in current.kvs] == [b"3"]
    with etcd.watch(prefix + b"k", start_revision=current.revision + 1) as resumed:
        revision = etcd.put(prefix + b"k", b"4")
        event = resumed.get(5.0)
    assert event is not None and event.revision == revision
