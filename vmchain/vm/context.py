"""The per-execution context handlers see: the host, the call environment, view mode."""

from __future__ import annotations

from vmchain.vm.errors import HostError
from vmchain.vm.host import Host
from vmchain.vm.limits import INT_MAX, MAX_BYTES


def host_int(value: object, what: str) -> int:
    """A host-supplied integer, checked to be a VM int >= 0."""
    if type(value) is not int or not 0 <= value <= INT_MAX:
        raise HostError(f"host gave {what} = {value!r}, not an int in 0..2**255-1")
    return value


def host_bytes(value: object, what: str) -> bytes:
    """A host-supplied byte string, checked to be a VM bytes value."""
    if type(value) is not bytes or len(value) > MAX_BYTES:
        raise HostError(f"host gave {what} = {value!r:.60}, not bytes of at most {MAX_BYTES}")
    return value


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
        self.caller = host_bytes(host.caller, "caller")
        self.address = host_bytes(host.address, "address")
        self.value = host_int(host.value, "value")
        self.height = host_int(host.block_height, "block_height")
        self.timestamp_ms = host_int(host.timestamp_ms, "timestamp_ms")
        self.timestamp = self.timestamp_ms // 1000
        self.chain_id = host_bytes(host.chain_id, "chain_id")
