"""The etcd v3 client replicated node mode is built on: typed calls over the generated stubs.

    client = EtcdClient(["http://127.0.0.1:2379", "http://127.0.0.1:22379"])
    lease = client.grant(3)
    with client.keep_alive(lease):
        leader = client.campaign(b"/vmchain/sealer", b"node-a", lease.id)
        result = client.commit_if_absent(b"/vmchain/blocks/7", block, guards=[leader.guard()])

What each call promises:

- Reads (`get`, `range`, `pages`, `get_all`) are linearizable unless `serializable=True`.
  `pages` pins every page to the first page's revision, so a paged read is one snapshot; watch
  from its `revision + 1` to follow on without a gap.
- `txn` runs `success` if every compare holds, else `failure`, atomically, and says which.
- `watch` delivers events in revision order from `start_revision`, reassembling fragmented
  responses, and resumes on another member after a failure; history already compacted raises
  `Compacted` with the compaction revision.
- `keep_alive` renews a lease from a background thread until stopped or until etcd reports the
  lease gone; `campaign` blocks until elected (v3election service), and `LeaderKey.guard()` is
  the compare that makes a txn fail once that leadership is lost.

Failover and retries (details in etcd_endpoints): calls go to one member at a time and move to
the next on UNAVAILABLE or DEADLINE_EXCEEDED. Reads, lease grant/revoke/TTL, campaign, leader,
resign and status are safe to resend and are. Writes (put, delete, txn, compact) are resent only
if they never reached a member; otherwise they raise `EtcdUnavailable`/`EtcdTimeout` with
`maybe_applied=True`. `commit_if_absent` is the safe way to retry a write: it reads the key back
and resends a create-if-absent txn that cannot apply twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import grpc

from vmchain._proto.etcd.etcdserverpb import rpc_pb2
from vmchain._proto.etcd.v3electionpb import v3election_pb2
from vmchain.replication.etcd_endpoints import DEFAULT_MAX_RECEIVE, Endpoints, Retry, Stubs
from vmchain.replication.etcd_errors import (
    CommitUnknown,
    Compacted,
    EtcdConfigError,
    EtcdError,
    EtcdRejected,
    EtcdRpcError,
    EtcdTimeout,
    EtcdUnavailable,
    LeaseNotFound,
    NoSpace,
    NotLeader,
    WatchCanceled,
    from_rpc_error,
)
from vmchain.replication.etcd_lease import KeepAlive
from vmchain.replication.etcd_streams import StreamReader, Watcher, WatchState, observer
from vmchain.replication.etcd_types import (
    Alarm,
    CommitResult,
    Compare,
    Delete,
    DeleteResult,
    Event,
    EventType,
    Get,
    KeyValue,
    LeaderKey,
    Lease,
    MemberStatus,
    Put,
    RangeResult,
    TxnOp,
    TxnResult,
    absent,
    created_at,
    kv_from_pb,
    leader_key_from_pb,
    leader_key_to_pb,
    modified_at,
    prefix_end,
    put_to_pb,
    range_from_pb,
    txn_from_pb,
    txn_to_pb,
    value_is,
)

__all__ = [
    "Alarm",
    "CommitResult",
    "CommitUnknown",
    "Compacted",
    "Compare",
    "Delete",
    "DeleteResult",
    "EtcdClient",
    "EtcdConfigError",
    "EtcdError",
    "EtcdRejected",
    "EtcdRpcError",
    "EtcdTimeout",
    "EtcdUnavailable",
    "Event",
    "EventType",
    "Get",
    "KeepAlive",
    "KeyValue",
    "LeaderKey",
    "Lease",
    "LeaseNotFound",
    "MemberStatus",
    "NoSpace",
    "NotLeader",
    "Put",
    "RangeResult",
    "TxnResult",
    "WatchCanceled",
    "Watcher",
    "absent",
    "created_at",
    "modified_at",
    "prefix_end",
    "value_is",
]

_FOREVER = 10 * 365 * 86400.0
_NO_LEADER = "election: no leader"
_NOT_LEADER = "election: not leader"


class EtcdClient:
    """A client for an etcd cluster given as a list of member URLs (`http://host:port`)."""

    def __init__(
        self,
        endpoints: Sequence[str],
        *,
        timeout: float = 5.0,
        attempt_timeout: float = 2.0,
        max_receive_bytes: int = DEFAULT_MAX_RECEIVE,
    ) -> None:
        self.timeout = timeout
        self.endpoints = Endpoints(
            endpoints, attempt_timeout=attempt_timeout, max_receive_bytes=max_receive_bytes
        )

    def close(self) -> None:
        self.endpoints.close()

    def __enter__(self) -> EtcdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- key-value ---------------------------------------------------------------------------

    def get(self, key: bytes, *, revision: int = 0, serializable: bool = False) -> KeyValue | None:
        page = self.range(key, revision=revision, serializable=serializable)
        return page.kvs[0] if page.kvs else None

    def range(
        self,
        key: bytes,
        range_end: bytes = b"",
        *,
        limit: int = 0,
        revision: int = 0,
        serializable: bool = False,
        timeout: float | None = None,
    ) -> RangeResult:
        """Keys in [key, range_end) (just `key` if range_end is empty), at most `limit` of them.

        The result's `revision` is the store's current revision, even for a read at an older
        `revision` (that is what etcd's header says).
        """
        request = rpc_pb2.RangeRequest(
            key=key, range_end=range_end, limit=limit, revision=revision, serializable=serializable
        )
        try:
            response = self._call("Range", lambda s, t: s.kv.Range(request, timeout=t), timeout)
        except EtcdRejected as exc:
            if "compacted" in exc.details:
                raise Compacted("range", revision, 0) from exc
            raise
        return range_from_pb(response)

    def pages(
        self, key: bytes, range_end: bytes, *, page_size: int = 100, revision: int = 0
    ) -> Iterator[RangeResult]:
        """[key, range_end) page by page, all read at one revision: `revision`, or if 0 the
        store's revision at the first page. Each page's `revision` says which."""
        page = self.range(key, range_end, limit=page_size, revision=revision)
        pinned = revision or page.revision
        yield replace(page, revision=pinned)
        while page.more and page.kvs:
            start = page.kvs[-1].key + b"\x00"
            page = self.range(start, range_end, limit=page_size, revision=pinned)
            yield replace(page, revision=pinned)

    def get_all(
        self, key: bytes, range_end: bytes, *, page_size: int = 100, revision: int = 0
    ) -> RangeResult:
        """Every key in [key, range_end), read in pages as one snapshot."""
        kvs: list[KeyValue] = []
        snapshot = revision
        for page in self.pages(key, range_end, page_size=page_size, revision=revision):
            kvs.extend(page.kvs)
            snapshot = page.revision
        return RangeResult(tuple(kvs), snapshot, False, len(kvs))

    def put(self, key: bytes, value: bytes, *, lease: int = 0, timeout: float | None = None) -> int:
        """Store `value` under `key`; returns the store revision of the write."""
        request = put_to_pb(Put(key, value, lease))
        response = self._call(
            "Put", lambda s, t: s.kv.Put(request, timeout=t), timeout, Retry.IF_NOT_SENT
        )
        return int(response.header.revision)

    def delete(
        self, key: bytes, range_end: bytes = b"", *, timeout: float | None = None
    ) -> DeleteResult:
        request = rpc_pb2.DeleteRangeRequest(key=key, range_end=range_end)
        response = self._call(
            "DeleteRange",
            lambda s, t: s.kv.DeleteRange(request, timeout=t),
            timeout,
            Retry.IF_NOT_SENT,
        )
        return DeleteResult(response.header.revision, response.deleted)

    def txn(
        self,
        compare: Sequence[Compare],
        success: Sequence[TxnOp],
        failure: Sequence[TxnOp] = (),
        *,
        timeout: float | None = None,
    ) -> TxnResult:
        """If every compare holds run `success`, else `failure`; one atomic step either way."""
        request = txn_to_pb(compare, success, failure)
        response = self._call(
            "Txn", lambda s, t: s.kv.Txn(request, timeout=t), timeout, Retry.IF_NOT_SENT
        )
        return txn_from_pb(response)

    def commit_if_absent(
        self,
        key: bytes,
        value: bytes,
        *,
        guards: Sequence[Compare] = (),
        lease: int = 0,
        timeout: float | None = None,
    ) -> CommitResult:
        """Create `key` = `value` if `key` is absent and every guard holds, retrying safely.

        Each attempt is one txn: compares `absent(key)` + guards; success puts the value; failure
        reads the key back. When an attempt times out or loses its member (it may or may not
        have been applied), the key is read back first: if it holds our value the commit
        landed; if it holds another value we lost; if it is absent the txn is sent again. The
        absent-compare makes a late-applied earlier attempt and the retry mutually exclusive,
        so the value is written at most once. Value equality is what identifies "ours": make
        values unique to the writer (a signed block is). Raises `CommitUnknown` if `timeout`
        runs out while the outcome is still unknown.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        compares = [absent(key), *guards]
        ambiguous = 0
        while True:
            try:
                result = self.txn(
                    compares, [Put(key, value, lease)], [Get(key)], timeout=_left(deadline)
                )
            except (EtcdUnavailable, EtcdTimeout) as exc:
                ambiguous += 1
                found = self._read_back(key, deadline, ambiguous, exc)
                if found is not None:
                    return CommitResult(found.value == value, found.mod_revision, found, ambiguous)
                continue
            return _commit_outcome(result, key, value, lease, ambiguous)

    def _read_back(
        self, key: bytes, deadline: float, attempts: int, error: EtcdError
    ) -> KeyValue | None:
        if _left(deadline) <= 0.001:
            raise CommitUnknown(key, attempts, error)
        try:
            page = self.range(key, timeout=_left(deadline))
        except (EtcdUnavailable, EtcdTimeout) as exc:
            raise CommitUnknown(key, attempts, exc) from exc
        return page.kvs[0] if page.kvs else None

    def compact(self, revision: int, *, physical: bool = True) -> None:
        """Drop history before `revision` (current keys stay); `physical` waits for the disk."""
        request = rpc_pb2.CompactionRequest(revision=revision, physical=physical)
        self._call(
            "Compact", lambda s, t: s.kv.Compact(request, timeout=t), None, Retry.IF_NOT_SENT
        )

    # --- watch -------------------------------------------------------------------------------

    def watch(
        self,
        key: bytes,
        range_end: bytes = b"",
        *,
        start_revision: int = 0,
        prev_kv: bool = False,
        retry_for: float = 10.0,
    ) -> Watcher:
        """Events on [key, range_end) from `start_revision` (0: from now), in order.

        Read them with `watcher.get(timeout)` or by iterating; close the watcher when done.
        """
        state = WatchState(key, range_end, start_revision, prev_kv)
        return Watcher(self.endpoints, state, retry_for)

    # --- leases ------------------------------------------------------------------------------

    def grant(self, ttl: int, *, lease_id: int = 0) -> Lease:
        """A new lease of `ttl` seconds (etcd raises too-small TTLs to its minimum)."""
        request = rpc_pb2.LeaseGrantRequest(TTL=ttl, ID=lease_id)
        response = self._call("LeaseGrant", lambda s, t: s.lease.LeaseGrant(request, timeout=t))
        if response.error:
            raise EtcdError(f"etcd LeaseGrant(ttl={ttl}) failed: {response.error}")
        return Lease(response.ID, response.TTL)

    def revoke(self, lease_id: int) -> bool:
        """Revoke a lease, deleting its keys; False if it was already gone."""
        request = rpc_pb2.LeaseRevokeRequest(ID=lease_id)
        try:
            self._call("LeaseRevoke", lambda s, t: s.lease.LeaseRevoke(request, timeout=t))
        except EtcdRejected as exc:
            if "lease not found" in exc.details:
                return False
            raise
        return True

    def time_to_live(self, lease_id: int) -> int:
        """Seconds left on the lease; -1 if it has expired or never existed."""
        request = rpc_pb2.LeaseTimeToLiveRequest(ID=lease_id)
        response = self._call(
            "LeaseTimeToLive", lambda s, t: s.lease.LeaseTimeToLive(request, timeout=t)
        )
        return int(response.TTL)

    def keep_alive(
        self, lease: Lease, *, on_lost: Callable[[str], None] | None = None
    ) -> KeepAlive:
        """Renew `lease` from a background thread until `.stop()` (see etcd_lease)."""
        return KeepAlive(self.endpoints, lease, on_lost=on_lost)

    # --- election ----------------------------------------------------------------------------

    def campaign(
        self, name: bytes, value: bytes, lease_id: int, *, timeout: float | None = None
    ) -> LeaderKey:
        """Block until this candidate (identified by its lease) leads election `name`.

        Resent on another member after a failure: the candidate's key is derived from its
        lease, so a resent campaign resumes the same candidacy. If the lease is gone, etcd
        refuses with `LeaseNotFound`. `timeout` None waits for as long as it takes.
        """
        request = v3election_pb2.CampaignRequest(name=name, lease=lease_id, value=value)
        wait = _FOREVER if timeout is None else timeout
        try:
            response = self._call(
                "Campaign",
                lambda s, t: s.election.Campaign(request, timeout=t),
                wait,
                attempt_timeout=wait,
            )
        except EtcdRpcError as exc:  # 3.4 sends this one as UNKNOWN
            if "lease not found" in exc.details:
                raise LeaseNotFound(lease_id, f"Campaign on {name!r}") from exc
            raise
        return leader_key_from_pb(response.leader)

    def leader(self, name: bytes) -> KeyValue | None:
        """The current leader's key and value for election `name`, None if nobody leads."""
        request = v3election_pb2.LeaderRequest(name=name)
        try:
            response = self._call("Leader", lambda s, t: s.election.Leader(request, timeout=t))
        except EtcdRpcError as exc:
            if _NO_LEADER in exc.details:
                return None
            raise
        return kv_from_pb(response.kv)

    def observe(self, name: bytes, *, retry_for: float = 10.0) -> StreamReader[KeyValue]:
        """The leader's key and value each time leadership or the leader's value changes."""
        return observer(self.endpoints, name, retry_for)

    def proclaim(self, leader: LeaderKey, value: bytes) -> None:
        """Change the leader's published value (raises `NotLeader` if it no longer leads)."""
        request = v3election_pb2.ProclaimRequest(leader=leader_key_to_pb(leader), value=value)
        try:
            self._call(
                "Proclaim",
                lambda s, t: s.election.Proclaim(request, timeout=t),
                retry=Retry.IF_NOT_SENT,
            )
        except EtcdRpcError as exc:
            if _NOT_LEADER in exc.details:
                raise NotLeader(leader.name, leader.key, "Proclaim") from exc
            raise

    def resign(self, leader: LeaderKey) -> None:
        """Give up leadership so the next candidate takes over (a no-op if already lost)."""
        request = v3election_pb2.ResignRequest(leader=leader_key_to_pb(leader))
        self._call("Resign", lambda s, t: s.election.Resign(request, timeout=t))

    # --- maintenance -------------------------------------------------------------------------

    def status(self, endpoint: str | None = None) -> MemberStatus:
        """Status of one member (`host:port`; the current member if None), without failover."""
        stubs = self._stubs_for(endpoint)
        try:
            response = stubs.maintenance.Status(rpc_pb2.StatusRequest(), timeout=self.timeout)
        except grpc.RpcError as exc:
            raise from_rpc_error("Status", stubs.endpoint, exc) from exc
        header = response.header
        return MemberStatus(
            stubs.endpoint,
            header.member_id,
            response.leader,
            response.raftTerm,
            header.revision,
            response.dbSize,
        )

    def alarms(self) -> tuple[Alarm, ...]:
        """Every alarm raised in the cluster (NOSPACE freezes writes cluster-wide)."""
        request = rpc_pb2.AlarmRequest(action=rpc_pb2.AlarmRequest.GET)
        response = self._call("Alarm", lambda s, t: s.maintenance.Alarm(request, timeout=t))
        return tuple(Alarm(a.memberID, rpc_pb2.AlarmType.Name(a.alarm)) for a in response.alarms)

    def disarm(self, alarm: Alarm) -> None:
        """Clear one alarm (after making room: delete, compact, defragment)."""
        request = rpc_pb2.AlarmRequest(
            action=rpc_pb2.AlarmRequest.DEACTIVATE,
            memberID=alarm.member_id,
            alarm=rpc_pb2.AlarmType.Value(alarm.kind),
        )
        self._call("Alarm", lambda s, t: s.maintenance.Alarm(request, timeout=t))

    def defragment(self, endpoint: str, *, timeout: float = 60.0) -> None:
        """Give one member's free pages back to the disk; it serves nothing meanwhile, so do
        one member at a time."""
        stubs = self._stubs_for(endpoint)
        request = rpc_pb2.DefragmentRequest()
        try:
            stubs.maintenance.Defragment(request, timeout=timeout)
        except grpc.RpcError as exc:
            raise from_rpc_error("Defragment", stubs.endpoint, exc) from exc

    def _stubs_for(self, endpoint: str | None) -> Stubs:
        if endpoint is None:
            return self.endpoints.current()[1]
        for stubs in self.endpoints.all():
            if stubs.endpoint == endpoint:
                return stubs
        raise EtcdConfigError(f"{endpoint!r} is not one of {self.endpoints.addresses}")

    def _call(
        self,
        method: str,
        invoke: Callable[[Stubs, float], Any],
        timeout: float | None = None,
        retry: Retry = Retry.SAFE,
        attempt_timeout: float | None = None,
    ) -> Any:
        total = self.timeout if timeout is None else timeout
        return self.endpoints.call(method, invoke, retry, total, attempt_timeout)


def _commit_outcome(
    result: TxnResult, key: bytes, value: bytes, lease: int, ambiguous: int
) -> CommitResult:
    if result.succeeded:
        created = KeyValue(key, value, result.revision, result.revision, 1, lease)
        return CommitResult(True, result.revision, created, ambiguous)
    page = result.responses[0]
    current = page.kvs[0] if isinstance(page, RangeResult) and page.kvs else None
    landed = current is not None and current.value == value
    return CommitResult(landed, result.revision, current, ambiguous)


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
