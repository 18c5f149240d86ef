"""The per-execution context handlers see: the host, the call environment, view mode."""

from __future__ import annotations

from vmchain.vm.host import Host


class ExecContext:
    """Fixed for one contract execution; read by environment and state handlers."""

    __slots__ = (
        "address",
        "caller",
        "chain_id",
        "depth",
        "height",
        "host",
        "static",
        "timestamp",
        "timestamp_ms",
        "value",
    )

    def __init__(self, host: Host, static: bool, depth: int) -> None:
        self.host = host
        self.static = static  # a view call: writes trap WRITE_IN_VIEW
        self.depth = depth  # cross-contract call depth, 0 for the outermost
        self.caller = host.caller
        self.address = host.address
        self.value = host.value
        self.height = host.block_height
        self.timestamp_ms = host.timestamp_ms
        self.timestamp = host.timestamp_ms // 1000
        self.chain_id = host.chain_id
