"""A full etcd database: the NOSPACE alarm, and the way back (delete, compact, defrag, disarm)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from vmchain.replication.etcd import NoSpace, prefix_end

from .etcd_cluster import running_cluster


def test_a_full_database_freezes_writes_until_cleaned_and_disarmed(tmp_path: Path) -> None:
    quota = ("--quota-backend-bytes", str(8 << 20))
    with running_cluster(tmp_path, extra_args=quota) as cluster, cluster.client() as etcd:
        value = b"x" * (1 << 20)
        with pytest.raises(NoSpace, match="database space exceeded") as err:
            for i in range(32):
                etcd.put(b"/blocks/%02d" % i, value)
        assert err.value.code == "RESOURCE_EXHAUSTED"
        raised = etcd.alarms()
        members = {etcd.status(address).member_id for address in cluster.addresses}
        assert raised and {a.kind for a in raised} == {"NOSPACE"}
        assert {a.member_id for a in raised} <= members
        with pytest.raises(NoSpace):
            etcd.put(b"/small", b"1")  # even a tiny write is refused while the alarm is up

        deleted = etcd.delete(b"/blocks/", prefix_end(b"/blocks/"))  # deletes still work
        assert deleted.deleted >= 1
        etcd.compact(deleted.revision)
        for address in cluster.addresses:
            etcd.defragment(address)
        # Members reach the quota one after another: a member may raise its NOSPACE alarm after
        # the list above was read, so disarm whatever is raised until nothing is (what an
        # operator does too: docs/operations.md, "The NOSPACE alarm").
        deadline = time.monotonic() + 10
        while (current := etcd.alarms()) and time.monotonic() < deadline:
            for alarm in current:
                etcd.disarm(alarm)
            time.sleep(0.1)
        assert etcd.alarms() == ()
        assert etcd.put(b"/small", b"1") > deleted.revision
