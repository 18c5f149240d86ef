"""Pytest helpers over vmchain.testing.etcd's EtcdCluster (a real 3-member etcd on loopback):
skip when etcd is not installed, and a started cluster that is always killed on exit."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from vmchain.testing.etcd import EtcdCluster, free_ports

__all__ = ["EtcdCluster", "free_ports", "require_etcd", "running_cluster"]


def require_etcd() -> None:
    """Skip when etcd is not installed, unless CI asked for it (VMCHAIN_REQUIRE_ETCD=1)."""
    if shutil.which("etcd"):
        return
    reason = "etcd binary not found (apt-get install etcd-server)"
    if os.environ.get("VMCHAIN_REQUIRE_ETCD") == "1":
        pytest.fail(f"{reason}; VMCHAIN_REQUIRE_ETCD=1 says it must be there")
    pytest.skip(reason)


@contextmanager
def running_cluster(
    base: Path, size: int = 3, extra_args: tuple[str, ...] = ()
) -> Iterator[EtcdCluster]:
    """A started, healthy cluster, killed on exit (`extra_args` go to every member)."""
    require_etcd()
    cluster = EtcdCluster(base, size, extra_args)
    try:
        for i in range(size):
            cluster.start(i)
        cluster.leader_index()
        yield cluster
    finally:
        cluster.stop()
