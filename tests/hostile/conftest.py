"""Fixtures for the hostile-input tests: the node helpers on the path, one dev node per module.

Each module gets its own `vmchain node --dev` process (`hostile_node`), so a module that floods
or abuses its node cannot disturb another.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))

from node_helpers import NodeProcess


@pytest.fixture(scope="module")
def hostile_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A `vmchain node --dev` shared by the tests of one module."""
    base: Path = tmp_path_factory.mktemp("hostile-node")
    node = NodeProcess(base / "data", log_path=base / "node.log").start()
    try:
        yield node
    finally:
        code = node.stop()
        log = (base / "node.log").read_text()
        assert code == 0, f"node exited with {code}; log:\n{log[-3000:]}"
        assert "Traceback" not in log, f"the node logged a traceback:\n{log[-3000:]}"
