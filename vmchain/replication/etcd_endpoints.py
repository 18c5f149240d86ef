"""Several etcd members behind one client: a channel each, and failover from one to the next.

Every call goes to the current member. When it fails with UNAVAILABLE (member down, or it lost
its Raft leader) or DEADLINE_EXCEEDED (member hung or partitioned; etcd also reports a server-side
wait that ran out as UNKNOWN "context deadline exceeded", read the same way), the client moves to
the next member for the following calls. Whether the *same* call is sent again depends on its
`Retry` class:

- `Retry.SAFE`: reads (Range, Status, Leader, LeaseTimeToLive) and idempotent requests
  (LeaseRevoke, Resign, Campaign with the same lease, LeaseGrant, whose only waste is an unused
  lease that expires). Resent on the next member until the call's deadline.
- `Retry.IF_NOT_SENT`: writes (Put, DeleteRange, Txn, Compact). Resent only when the request
  certainly reached no member (the connection was refused). After any other UNAVAILABLE or
  DEADLINE_EXCEEDED the write may have been applied, and it is raised with
  `maybe_applied=True`: the caller must read back before retrying, which
  `EtcdClient.commit_if_absent` does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import grpc

from vmchain._proto.etcd.etcdserverpb import rpc_pb2_grpc
from vmchain._proto.etcd.v3electionpb import v3election_pb2_grpc
from vmchain.replication.etcd_errors import (
    EtcdConfigError,
    EtcdRpcError,
    EtcdTimeout,
    EtcdUnavailable,
    from_rpc_error,
    rpc_code,
    rpc_details,
)

T = TypeVar("T")

# Historical watch replays and paged ranges of 64 KiB blocks exceed grpc's 4 MiB default.
DEFAULT_MAX_RECEIVE = 64 << 20
# The metadata etcd checks to refuse streams on a member without a Raft leader (clientv3's
# WithRequireLeader): a partitioned member then cancels them instead of going silent.
REQUIRE_LEADER = (("hasleader", "true"),)
_NOT_SENT = "failed to connect to all addresses"
_FAILOVER_CODES = {"UNAVAILABLE", "DEADLINE_EXCEEDED"}


class Retry(Enum):
    SAFE = "safe"
    IF_NOT_SENT = "if_not_sent"


@dataclass(frozen=True, slots=True)
class Stubs:
    """The generated stubs over one member's channel."""

    endpoint: str
    kv: Any
    watch: Any
    lease: Any
    election: Any
    maintenance: Any


def parse_endpoint(url: str) -> str:
    """`http://host:port` or `host:port` -> `host:port` (TLS is not supported yet)."""
    scheme, sep, rest = url.strip().partition("://")
    target = rest if sep else scheme
    if sep and scheme != "http":
        raise EtcdConfigError(f"etcd endpoint {url!r}: only http:// is supported, not {scheme}://")
    host, colon, port = target.rstrip("/").rpartition(":")
    if not colon or not host or not port.isdigit():
        raise EtcdConfigError(f"etcd endpoint {url!r} is not host:port")
    return f"{host}:{port}"


class Endpoints:
    """One gRPC channel per member, the index of the current one, and the failover loop."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        attempt_timeout: float = 2.0,
        max_receive_bytes: int = DEFAULT_MAX_RECEIVE,
    ) -> None:
        if not urls:
            raise EtcdConfigError("etcd client needs at least one endpoint")
        self.addresses = tuple(parse_endpoint(u) for u in urls)
        self.attempt_timeout = attempt_timeout
        options = [
            ("grpc.max_receive_message_length", max_receive_bytes),
            ("grpc.max_send_message_length", max_receive_bytes),
            # Reconnect quickly to a member that comes back (grpc's default backoff grows to 120 s).
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 1000),
        ]
        self._channels = [grpc.insecure_channel(a, options=options) for a in self.addresses]
        self._stubs = [_stubs(a, ch) for a, ch in zip(self.addresses, self._channels, strict=True)]
        self._index = 0
        self._lock = threading.Lock()

    def current(self) -> tuple[int, Stubs]:
        with self._lock:
            return self._index, self._stubs[self._index]

    def all(self) -> tuple[Stubs, ...]:
        return tuple(self._stubs)

    def advance(self, failed: int) -> None:
        """Move past member `failed` (no-op if another thread already moved on)."""
        with self._lock:
            if self._index == failed:
                self._index = (failed + 1) % len(self._stubs)

    def call(
        self,
        method: str,
        invoke: Callable[[Stubs, float], T],
        retry: Retry,
        timeout: float,
        attempt_timeout: float | None = None,
    ) -> T:
        """Run `invoke(stubs, attempt_timeout)` on the current member, failing over as above.

        Each attempt gets at most `attempt_timeout` (the client's default if None) of the
        `timeout` the whole call may take.
        """
        deadline = time.monotonic() + timeout
        per_attempt = self.attempt_timeout if attempt_timeout is None else attempt_timeout
        attempts = 0
        while True:
            index, stubs = self.current()
            remaining = deadline - time.monotonic()
            try:
                return invoke(stubs, max(0.001, min(remaining, per_attempt)))
            except grpc.RpcError as exc:
                attempts += 1
                if rpc_code(exc) in _FAILOVER_CODES:
                    self.advance(index)  # later calls go to the next member either way
                failure = _failure(method, stubs.endpoint, exc, retry)
                if failure is not None:
                    raise failure from exc
                if deadline - time.monotonic() <= 0:
                    raise self._exhausted(method, exc, attempts) from exc
                if attempts % len(self._stubs) == 0:  # every member failed once: back off a bit
                    time.sleep(min(0.05 * attempts, 0.5, max(0.0, deadline - time.monotonic())))

    def _exhausted(self, method: str, exc: grpc.RpcError, attempts: int) -> EtcdRpcError:
        """The call's time ran out: a timeout if the last member hung, else unavailable."""
        cls = EtcdTimeout if rpc_code(exc) == "DEADLINE_EXCEEDED" else EtcdUnavailable
        note = f"no member answered in time ({attempts} attempt(s))"
        return cls(method, ", ".join(self.addresses), rpc_code(exc), rpc_details(exc), note=note)

    def close(self) -> None:
        for channel in self._channels:
            channel.close()


def _failure(method: str, endpoint: str, exc: grpc.RpcError, retry: Retry) -> EtcdRpcError | None:
    """The error to raise now, or None to resend the call to the next member."""
    code = rpc_code(exc)
    if code not in _FAILOVER_CODES:
        return from_rpc_error(method, endpoint, exc)
    if retry is Retry.SAFE or _NOT_SENT in rpc_details(exc):
        return None
    return from_rpc_error(method, endpoint, exc, maybe_applied=True)


# The generated stub classes are untyped; typed as Any once, here.
_KV: Any = rpc_pb2_grpc.KVStub
_WATCH: Any = rpc_pb2_grpc.WatchStub
_LEASE: Any = rpc_pb2_grpc.LeaseStub
_ELECTION: Any = v3election_pb2_grpc.ElectionStub
_MAINTENANCE: Any = rpc_pb2_grpc.MaintenanceStub


def _stubs(address: str, channel: grpc.Channel) -> Stubs:
    return Stubs(
        endpoint=address,
        kv=_KV(channel),
        watch=_WATCH(channel),
        lease=_LEASE(channel),
        election=_ELECTION(channel),
        maintenance=_MAINTENANCE(channel),
    )
