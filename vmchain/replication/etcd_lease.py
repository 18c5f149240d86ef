"""Keeping an etcd lease alive from a background thread, across member failover.

The thread streams LeaseKeepAlive requests every third of the TTL. A broken stream is simply
reopened on the next member: losing a connection is not losing the lease. The lease is lost
only when etcd says so (a keepalive answered with TTL <= 0: it expired or was revoked); then
`lost` is set and, if given, `on_lost` is called once from the thread. `stop()` ends the thread
cleanly and leaves the lease to expire by itself (revoke it to drop its keys at once).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from vmchain._proto.etcd.etcdserverpb import rpc_pb2
from vmchain.replication.etcd_endpoints import REQUIRE_LEADER, Endpoints
from vmchain.replication.etcd_errors import rpc_code, rpc_details
from vmchain.replication.etcd_types import Lease

_REOPEN_CODES = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED"}


class KeepAlive:
    """Renews `lease` until `stop()` or until etcd reports it gone (`lost`)."""

    def __init__(
        self,
        endpoints: Endpoints,
        lease: Lease,
        *,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        self.lease = lease
        self.interval = max(lease.ttl / 3, 0.2)
        self.lost = threading.Event()
        self.lost_reason = ""
        self.renewals = 0
        self.reopened = 0
        self.last_ttl = lease.ttl
        self.last_renewed = time.monotonic()
        self._endpoints, self._on_lost = endpoints, on_lost
        self._stop = threading.Event()
        self._call: Any = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name=f"etcd keepalive {lease.id:x}", daemon=True
        )
        self._thread.start()

    def alive(self) -> bool:
        return not self.lost.is_set()

    def stop(self) -> None:
        """End the keepalive (the lease then expires after its TTL unless revoked)."""
        self._stop.set()
        with self._lock:
            if self._call is not None:
                self._call.cancel()
        self._thread.join(timeout=5)

    def __enter__(self) -> KeepAlive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set() and not self.lost.is_set():
            index, stubs = self._endpoints.current()
            done = threading.Event()
            try:
                with self._lock:
                    if self._stop.is_set():
                        return
                    self._call = stubs.lease.LeaseKeepAlive(
                        self._requests(done), metadata=REQUIRE_LEADER
                    )
                for response in self._call:
                    self._renewed(response)
            except grpc.RpcError as exc:
                if self._stop.is_set() or self.lost.is_set():
                    return
                if rpc_code(exc) not in _REOPEN_CODES:
                    self._mark_lost(f"keepalive failed: {rpc_code(exc)}: {rpc_details(exc)}")
                    return
                self._endpoints.advance(index)
                self.reopened += 1
                self._stop.wait(0.05)
            finally:
                done.set()

    def _requests(self, done: threading.Event) -> Iterator[rpc_pb2.LeaseKeepAliveRequest]:
        while not done.is_set() and not self._stop.is_set():
            yield rpc_pb2.LeaseKeepAliveRequest(ID=self.lease.id)
            done.wait(self.interval)

    def _renewed(self, response: rpc_pb2.LeaseKeepAliveResponse) -> None:
        if response.TTL <= 0:
            self._mark_lost(f"etcd says lease {self.lease.id:x} expired or was revoked")
            with self._lock:
                if self._call is not None:
                    self._call.cancel()
            return
        self.last_ttl, self.last_renewed = response.TTL, time.monotonic()
        self.renewals += 1

    def _mark_lost(self, reason: str) -> None:
        if self.lost.is_set():
            return
        self.lost_reason = reason
        self.lost.set()
        if self._on_lost is not None:
            self._on_lost(reason)
