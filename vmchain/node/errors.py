"""Errors raised by the node layer itself (requests, waits, lifecycle, dev controls).

Each class names one consequence for the caller; node/status.py maps them (with the chain's and
the state layer's errors) to gRPC status codes. Messages say what was wrong.
"""

from __future__ import annotations


class NodeError(Exception):
    """Base class of every node-layer error."""


class BadRequest(NodeError):
    """A request field that cannot be used (wrong size, bad amount, out of range)."""


class NotFoundError(NodeError):
    """The thing asked for (tx, receipt, block) is not known to this node."""


class WaitExpired(NodeError):
    """A wait ran out (for a receipt: the tx is still pending)."""

    @classmethod
    def for_tx(cls, tx_id: bytes, waited_ms: int) -> WaitExpired:
        return cls(
            f"tx 0x{tx_id.hex()} is still pending after {waited_ms} ms: admitted but not yet "
            "sealed (mempool acceptance is not durable); ask again with GetReceipt"
        )


class TxDropped(NodeError):
    """An admitted tx left the mempool without being sealed (expired or no longer valid)."""

    def __init__(self, tx_id: bytes, why: str) -> None:
        super().__init__(f"tx 0x{tx_id.hex()} was dropped without being sealed: {why}")
        self.tx_id = tx_id
        self.why = why


class ShuttingDown(NodeError):
    """The node is stopping and accepts no new work; retry against a running node."""


class Overloaded(NodeError):
    """A per-node limit is reached (open streams); retry later or elsewhere."""


class NotSealer(NodeError):
    """The node cannot seal (no authority key, or sealing stopped after an I/O error)."""


class LostLeadership(NotSealer):
    """Replicated mode: this node is no longer (or not yet) the sealer; the message names the
    sealer when it is known. Its block was not committed anywhere."""


class Halted(NodeError):
    """Replicated mode: this node stopped following the shared log (a store error, or a block
    it cannot follow); it serves reads and reports NOT_SERVING."""


class ForkDetected(Halted):
    """Replicated mode: a block from the shared log differs from the one this node holds at
    that height. The node stops: it must not serve a chain the others do not share."""


class ConfigError(NodeError):
    """A node configuration that cannot be used: bad flag value, key file, data dir."""
