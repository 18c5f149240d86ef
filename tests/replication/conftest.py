"""Fixtures for the etcd client tests: a shared 3-member cluster, and fresh ones to break."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vmchain.replication.etcd import EtcdClient

from .etcd_cluster import EtcdCluster, running_cluster


@pytest.fixture(scope="session")
def etcd_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdCluster]:
    """One cluster for the tests that leave every member running."""
    with running_cluster(tmp_path_factory.mktemp("etcd")) as cluster:
        yield cluster


@pytest.fixture
def fresh_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdCluster]:
    """A cluster of its own for a test that kills or pauses members."""
    with running_cluster(tmp_path_factory.mktemp("etcd-fresh")) as cluster:
        yield cluster


@pytest.fixture
def etcd(etcd_cluster: EtcdCluster) -> Iterator[EtcdClient]:
    with etcd_cluster.client() as client:
        yield client


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> bytes:
    """A key prefix no other test uses."""
    return f"/test/{request.node.name}/".encode()
