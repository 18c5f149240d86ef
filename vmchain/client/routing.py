"""Which node a NodeClient talks to: one address, or several with failover and sealer redirects.

`NodeClient("a:50051,b:50051,c:50051")` knows three nodes of one (replicated) chain. Calls go to
the current one. When an attempt fails the router picks where the retry goes:

- UNAVAILABLE naming the sealer ("... the sealer is HOST:PORT", a follower's answer): go there
  (a gate that was pointed at any node ends up submitting to the sealer, and follows it after a
  failover);
- other UNAVAILABLE (the node is down, stopping, or its connection died: the SDK's channels
  ping an open call's node, so a node that went silent mid-call fails within a few seconds):
  the next address in the list, round robin;
- DEADLINE_EXCEEDED that the client's own deadline raised (grpc's "Deadline Exceeded": the node
  said nothing at all, as a host behind a partition): the next address too. A node that is
  alive answers a wait that ran out with its own message before that deadline, and stays.

Every call the SDK makes is safe to repeat (client/retry.py), so moving a retry to another node
never applies a transaction twice. One channel per address, opened on first use.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import grpc

SEALER_HINT = re.compile(r"the sealer is (\S+)$")
SILENT = "Deadline Exceeded"  # grpc's own details when the node never answered in time


class Router:
    """The node addresses, a channel per address, and the current one."""

    def __init__(self, target: str, open_channel: Callable[[str], Any]) -> None:
        targets = [part.strip() for part in target.split(",") if part.strip()]
        if not targets:
            raise ValueError(
                f"expected a node address HOST:PORT (or several, comma-separated), got {target!r}"
            )
        self.targets = targets
        self._open = open_channel
        self._channels: dict[str, Any] = {}
        self._current = targets[0]
        self._lock = threading.Lock()

    @property
    def current(self) -> str:
        return self._current

    def channel(self, address: str | None = None) -> Any:
        """The channel to `address` (default: the current node), opened on first use."""
        address = self._current if address is None else address
        with self._lock:
            channel = self._channels.get(address)
            if channel is None:
                channel = self._channels[address] = self._open(address)
            return channel

    def route(self, exc: grpc.RpcError) -> None:
        """After a failed attempt: point the next one at the sealer, or the next node."""
        code = exc.code() if callable(getattr(exc, "code", None)) else None
        details = (exc.details() if callable(getattr(exc, "details", None)) else "") or ""
        silent = code == grpc.StatusCode.DEADLINE_EXCEEDED and details == SILENT
        if code != grpc.StatusCode.UNAVAILABLE and not silent:
            return
        hint = SEALER_HINT.search(details)
        with self._lock:
            if hint is not None:
                self._current = hint.group(1)
            elif len(self.targets) > 1 and self._current in self.targets:
                following = self.targets.index(self._current) + 1
                self._current = self.targets[following % len(self.targets)]
            elif len(self.targets) > 1:
                self._current = self.targets[0]

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()
