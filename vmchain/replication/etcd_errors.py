"""What can go wrong talking to etcd, one exception class per consequence.

The caller decides by class, not by parsing text: `EtcdUnavailable` and `EtcdTimeout` say
whether a write may still have been applied (`maybe_applied`), `Compacted` carries the revision
history now starts at, `NotLeader` means an election key is gone. `from_rpc_error` is the one
place a `grpc.RpcError` becomes one of these.
"""

from __future__ import annotations

from typing import Any

import grpc


class EtcdError(Exception):
    """Base class of every error the etcd client raises."""


class EtcdConfigError(EtcdError):
    """The client was configured wrongly (no endpoints, an unsupported URL scheme)."""


class EtcdRpcError(EtcdError):
    """An etcd RPC failed; `code` is the gRPC status name, `details` etcd's own text."""

    def __init__(
        self,
        method: str,
        endpoint: str,
        code: str,
        details: str,
        *,
        maybe_applied: bool = False,
        note: str = "",
    ) -> None:
        self.method, self.endpoint, self.code, self.details = method, endpoint, code, details
        self.maybe_applied = maybe_applied
        extra = f"; {note}" if note else ""
        super().__init__(f"etcd {method} via {endpoint} failed: {code}: {details}{extra}")


class EtcdUnavailable(EtcdRpcError):
    """No member could serve the call, or a write's connection broke mid-call.

    `maybe_applied` is True when the request may have reached a member (a write whose outcome
    is unknown: read the key back before retrying it).
    """


class EtcdTimeout(EtcdRpcError):
    """The call's deadline passed; a write may still have been applied (`maybe_applied`)."""


class EtcdRejected(EtcdRpcError):
    """etcd refused the request: too large, database full (NOSPACE), malformed, not allowed."""


class NoSpace(EtcdRejected):
    """The cluster's database reached its quota and raised the NOSPACE alarm: only reads and
    deletes work until old keys are deleted, history compacted, members defragmented and the
    alarm disarmed (`EtcdClient.alarms` / `disarm`)."""


class Compacted(EtcdError):
    """A read or watch asked for history that compaction has already dropped.

    `compact_revision` is the oldest revision still kept (0 if etcd did not say: a Range).

    Resync by reading the current keys and watching from that read's revision + 1.
    """

    def __init__(self, what: str, requested_revision: int, compact_revision: int) -> None:
        self.requested_revision, self.compact_revision = requested_revision, compact_revision
        where = f"before revision {compact_revision}" if compact_revision > 0 else "there"
        super().__init__(
            f"etcd {what} from revision {requested_revision} failed: history {where} has been "
            "compacted"
        )


class WatchCanceled(EtcdError):
    """etcd canceled a watch for a reason other than compaction (`reason` is etcd's text)."""

    def __init__(self, key: bytes, reason: str) -> None:
        self.key, self.reason = key, reason
        super().__init__(f"etcd canceled the watch on {key!r}: {reason or 'no reason given'}")


class LeaseNotFound(EtcdError):
    """The lease does not exist (never granted, revoked, or expired)."""

    def __init__(self, lease_id: int, what: str) -> None:
        self.lease_id = lease_id
        super().__init__(f"etcd {what}: lease {lease_id:x} not found (expired or revoked)")


class NotLeader(EtcdError):
    """An election call used a leader key that no longer holds the election."""

    def __init__(self, name: bytes, key: bytes, what: str) -> None:
        self.name, self.key = name, key
        super().__init__(f"etcd {what} on election {name!r}: key {key!r} is not the leader")


class CommitUnknown(EtcdError):
    """A commit kept failing ambiguously until its deadline: it may or may not have landed."""

    def __init__(self, key: bytes, attempts: int, last: EtcdError) -> None:
        self.key, self.attempts, self.last = key, attempts, last
        super().__init__(
            f"commit of {key!r} unresolved after {attempts} attempt(s): it may still land; "
            f"read the key back later (last error: {last})"
        )


# Server-side text of the errors that get their own class (etcd 3.4 rpctypes).
_LEASE_NOT_FOUND = "requested lease not found"
_COMPACTED = "required revision has been compacted"
_NO_SPACE = "database space exceeded"
_REJECTED = {"INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "PERMISSION_DENIED"}
_REJECTED |= {"UNAUTHENTICATED", "OUT_OF_RANGE", "NOT_FOUND", "ALREADY_EXISTS", "UNIMPLEMENTED"}


def from_rpc_error(
    method: str, endpoint: str, error: grpc.RpcError, *, maybe_applied: bool = False
) -> EtcdRpcError:
    """The exception for a failed call (`maybe_applied` only matters for UNAVAILABLE/DEADLINE)."""
    code, details = rpc_code(error), rpc_details(error)
    if code == "UNAVAILABLE":
        return EtcdUnavailable(method, endpoint, code, details, maybe_applied=maybe_applied)
    if code == "DEADLINE_EXCEEDED":
        return EtcdTimeout(method, endpoint, code, details, maybe_applied=maybe_applied)
    if code in _REJECTED:
        cls = NoSpace if _NO_SPACE in details else EtcdRejected
        return cls(method, endpoint, code, details)
    return EtcdRpcError(method, endpoint, code, details)


def is_compacted(error: grpc.RpcError) -> bool:
    return _COMPACTED in rpc_details(error)


def is_lease_not_found(error: grpc.RpcError) -> bool:
    return _LEASE_NOT_FOUND in rpc_details(error)


# etcd passes some server-side context errors on as UNKNOWN; they mean the same as the code.
_UNKNOWN_MEANS = {"context deadline exceeded": "DEADLINE_EXCEEDED"}


def rpc_code(error: grpc.RpcError) -> str:
    """The status code's name, with etcd's UNKNOWN "context deadline exceeded" read as
    DEADLINE_EXCEEDED (a linearizable read or a write whose server-side wait ran out)."""
    code: Any = error.code() if hasattr(error, "code") else None
    name = str(code.name) if code is not None else "UNKNOWN"
    if name == "UNKNOWN":
        return _UNKNOWN_MEANS.get(rpc_details(error), name)
    return name


def rpc_details(error: grpc.RpcError) -> str:
    details: Any = error.details() if hasattr(error, "details") else None
    return str(details or error)
