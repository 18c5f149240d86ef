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

from node_helpers import NodeProcess, running_node


@pytest.fixture(scope="module")
def hostile_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A `vmchain node --dev` shared by the tests of one module."""
    with running_node(tmp_path_factory.mktemp("hostile-node"), no_traceback=True) as node:
        yield node
