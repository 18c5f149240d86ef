"""End to end: a NodeClient given several nodes moves off one that went silent.

A node that is down refuses connections (UNAVAILABLE, already routed). A host that is cut off
or frozen says nothing at all: here a real `vmchain node --dev` stopped with SIGSTOP, whose
kernel still accepts TCP while the process answers nothing. The SDK's channels ping the node of
an open call (keepalive), so a call in flight on a frozen node fails with UNAVAILABLE within a
few seconds, and a fresh connection to one ends at the client's own deadline; the router moves
the retry to the next address either way. Both nodes run the same dev chain, as replicas would.
"""

from __future__ import annotations

import importlib
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vmchain.chain.genesis import dev_key
from vmchain.client import NodeClient, Wallet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
node_helpers: Any = importlib.import_module("node_helpers")

pytestmark = pytest.mark.e2e

ALICE = Wallet(dev_key(0))
BOB = Wallet(dev_key(1))


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        node_helpers.running_node(tmp_path / "a") as a,
        node_helpers.running_node(tmp_path / "b") as b,
    ):
        try:
            yield a, b
        finally:
            a.signal(signal.SIGCONT)


def test_a_call_in_flight_on_a_frozen_node_moves_to_the_next(two_nodes: tuple[Any, Any]) -> None:
    a, b = two_nodes
    first, second = a.ready["grpc"], b.ready["grpc"]
    with NodeClient(f"{first},{second}") as client:
        assert client.info().chain_id == "vmchain-dev"  # connected to the first node
        assert client.target == first
        tx = client.build_transfer(ALICE, BOB.address, 7)
        a.signal(signal.SIGSTOP)
        started = time.monotonic()
        receipt = client.submit(tx)  # one attempt may wait up to 30 s for the receipt
        took = time.monotonic() - started
        assert client.target == second
        assert receipt.succeeded and receipt.height >= 1
        assert client.balance(BOB.address) == 10**24 + 7
        # keepalive: 2 s pings, 2 s to answer; without it the submit waits out its 30 s
        assert took < 15, f"{took:.1f} s on a frozen node"


def test_a_new_connection_to_a_frozen_node_moves_at_the_deadline(
    two_nodes: tuple[Any, Any],
) -> None:
    a, b = two_nodes
    first, second = a.ready["grpc"], b.ready["grpc"]
    a.signal(signal.SIGSTOP)
    with NodeClient(f"{first},{second}", timeout=2) as client:
        info = client.info()  # never connected to the first: its handshake gets no answer
        assert client.target == second
        assert info.height >= 0 and info.chain_id == "vmchain-dev"
