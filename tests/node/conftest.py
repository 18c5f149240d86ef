"""Fixtures for the node tests: one shared dev node process for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from node_helpers import NodeProcess


@pytest.fixture(scope="session")
def dev_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A `vmchain node --dev` shared by the e2e tests that do not need a node of their own."""
    base: Path = tmp_path_factory.mktemp("dev-node")
    node = NodeProcess(base / "data", log_path=base / "node.log").start()
    try:
        yield node
    finally:
        code = node.stop()
        log = (base / "node.log").read_text()
        assert code == 0, f"node exited with {code}; log:\n{log[-3000:]}"
