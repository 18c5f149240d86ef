"""Fixtures for the contract tests: a real dev node (child process) shared by the SDK tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vmchain.client import NodeClient
from vmchain.sim.devnode import DevNode


@pytest.fixture(scope="session")
def node() -> Iterator[NodeClient]:
    """An SDK client of a `vmchain node --dev` sealing every 5 ms."""
    with DevNode(block_time_ms=5) as devnode, NodeClient(devnode.grpc) as client:
        yield client
