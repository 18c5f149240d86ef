"""Fixtures for the node tests: one shared dev node process for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from node_helpers import NodeProcess, running_node


@pytest.fixture(scope="session")
def dev_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A `vmchain node --dev` shared by the e2e tests that do not need a node of their own."""
    with running_node(tmp_path_factory.mktemp("dev-node")) as node:
        yield node
