"""Plain values for the etcd client: keys and events out, compares and operations in.

Frozen dataclasses at the edge of the client so no protobuf type leaks to callers; the `to_pb`
and `*_from_pb` functions here are the only place the two meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from vmchain._proto.etcd.etcdserverpb import rpc_pb2
from vmchain._proto.etcd.mvccpb import kv_pb2
from vmchain._proto.etcd.v3electionpb import v3election_pb2


@dataclass(frozen=True, slots=True)
class KeyValue:
    """One key as stored: its value, the revisions that created and last changed it, its lease."""

    key: bytes
    value: bytes
    create_revision: int
    mod_revision: int
    version: int
    lease: int


class EventType(Enum):
    PUT = "put"
    DELETE = "delete"  # also a lease expiry; `kv.mod_revision` is the deletion's revision


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    kv: KeyValue
    prev_kv: KeyValue | None = None

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


@dataclass(frozen=True, slots=True)
class RangeResult:
    """A page of keys, read at store revision `revision`; `more` means the limit cut it short."""

    kvs: tuple[KeyValue, ...]
    revision: int
    more: bool
    count: int


@dataclass(frozen=True, slots=True)
class PutResult:
    revision: int


@dataclass(frozen=True, slots=True)
class DeleteResult:
    revision: int
    deleted: int


OpResult = RangeResult | PutResult | DeleteResult


@dataclass(frozen=True, slots=True)
class TxnResult:
    """Which branch ran (`succeeded`), the store revision after it, one result per op run."""

    succeeded: bool
    revision: int
    responses: tuple[OpResult, ...]


# --- what goes in ------------------------------------------------------------------------------


class Target(Enum):
    """What a compare looks at; the value is the proto field holding the operand."""

    CREATE = "create_revision"
    MOD = "mod_revision"
    VERSION = "version"
    VALUE = "value"
    LEASE = "lease"


class Op(Enum):
    EQUAL = "EQUAL"
    NOT_EQUAL = "NOT_EQUAL"
    LESS = "LESS"
    GREATER = "GREATER"


@dataclass(frozen=True, slots=True)
class Compare:
    """`key`'s `target` `op` `operand`; a missing key has create/mod revision and version 0."""

    key: bytes
    target: Target
    op: Op
    operand: int | bytes


def absent(key: bytes) -> Compare:
    """True while `key` does not exist (its create_revision is 0)."""
    return Compare(key, Target.CREATE, Op.EQUAL, 0)


def created_at(key: bytes, revision: int) -> Compare:
    """True while `key` is the same incarnation created at `revision` (e.g. an election key)."""
    return Compare(key, Target.CREATE, Op.EQUAL, revision)


def modified_at(key: bytes, revision: int) -> Compare:
    """True while nobody wrote `key` since `revision` (optimistic concurrency)."""
    return Compare(key, Target.MOD, Op.EQUAL, revision)


def value_is(key: bytes, value: bytes) -> Compare:
    return Compare(key, Target.VALUE, Op.EQUAL, value)


@dataclass(frozen=True, slots=True)
class Put:
    key: bytes
    value: bytes
    lease: int = 0


@dataclass(frozen=True, slots=True)
class Delete:
    key: bytes
    range_end: bytes = b""


@dataclass(frozen=True, slots=True)
class Get:
    key: bytes
    range_end: bytes = b""
    limit: int = 0


TxnOp = Put | Delete | Get


@dataclass(frozen=True, slots=True)
class Lease:
    id: int
    ttl: int  # seconds, as granted (etcd may raise a too-small request to its minimum)


@dataclass(frozen=True, slots=True)
class LeaderKey:
    """Proof of holding election `name`: `key` was created at `revision` under `lease`."""

    name: bytes
    key: bytes
    revision: int
    lease: int

    def guard(self) -> Compare:
        """A compare that holds only while this leadership does: put it in every guarded txn."""
        return created_at(self.key, self.revision)


@dataclass(frozen=True, slots=True)
class MemberStatus:
    endpoint: str
    member_id: int
    leader: int  # member id of the Raft leader as this member sees it; 0 = none
    raft_term: int
    revision: int
    db_size: int


@dataclass(frozen=True, slots=True)
class Alarm:
    """An alarm raised on a member: `kind` is "NOSPACE" (quota reached) or "CORRUPT"."""

    member_id: int
    kind: str


def prefix_end(prefix: bytes) -> bytes:
    """The range_end that makes a range cover every key starting with `prefix`."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return b"\x00"  # etcd: from key to the end of the keyspace
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


# --- protobuf conversions ------------------------------------------------------------------------


def kv_from_pb(kv: kv_pb2.KeyValue) -> KeyValue:
    return KeyValue(kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version, kv.lease)


_EVENT_TYPES = {kv_pb2.Event.PUT: EventType.PUT, kv_pb2.Event.DELETE: EventType.DELETE}


def event_from_pb(event: kv_pb2.Event) -> Event:
    prev = kv_from_pb(event.prev_kv) if event.HasField("prev_kv") else None
    return Event(_EVENT_TYPES[event.type], kv_from_pb(event.kv), prev)


def range_from_pb(resp: rpc_pb2.RangeResponse) -> RangeResult:
    kvs = tuple(kv_from_pb(kv) for kv in resp.kvs)
    return RangeResult(kvs, resp.header.revision, resp.more, resp.count)


def compare_to_pb(compare: Compare) -> rpc_pb2.Compare:
    pb = rpc_pb2.Compare(
        key=compare.key,
        target=rpc_pb2.Compare.CompareTarget.Value(compare.target.name),
        result=rpc_pb2.Compare.CompareResult.Value(compare.op.value),
    )
    setattr(pb, compare.target.value, compare.operand)
    return pb


def op_to_pb(op: TxnOp) -> rpc_pb2.RequestOp:
    if isinstance(op, Put):
        return rpc_pb2.RequestOp(request_put=put_to_pb(op))
    if isinstance(op, Delete):
        return rpc_pb2.RequestOp(
            request_delete_range=rpc_pb2.DeleteRangeRequest(key=op.key, range_end=op.range_end)
        )
    get = rpc_pb2.RangeRequest(key=op.key, range_end=op.range_end, limit=op.limit)
    return rpc_pb2.RequestOp(request_range=get)


def put_to_pb(op: Put) -> rpc_pb2.PutRequest:
    return rpc_pb2.PutRequest(key=op.key, value=op.value, lease=op.lease)


def txn_to_pb(
    compare: Sequence[Compare], success: Sequence[TxnOp], failure: Sequence[TxnOp]
) -> rpc_pb2.TxnRequest:
    return rpc_pb2.TxnRequest(
        compare=[compare_to_pb(c) for c in compare],
        success=[op_to_pb(op) for op in success],
        failure=[op_to_pb(op) for op in failure],
    )


def txn_from_pb(resp: rpc_pb2.TxnResponse) -> TxnResult:
    revision = resp.header.revision
    results = tuple(_op_result(r, revision) for r in resp.responses)
    return TxnResult(resp.succeeded, revision, results)


def _op_result(resp: rpc_pb2.ResponseOp, revision: int) -> OpResult:
    kind = resp.WhichOneof("response")
    if kind == "response_range":
        return range_from_pb(resp.response_range)
    if kind == "response_delete_range":
        return DeleteResult(revision, resp.response_delete_range.deleted)
    return PutResult(revision)


def leader_key_from_pb(key: v3election_pb2.LeaderKey) -> LeaderKey:
    return LeaderKey(key.name, key.key, key.rev, key.lease)


def leader_key_to_pb(key: LeaderKey) -> v3election_pb2.LeaderKey:
    return v3election_pb2.LeaderKey(name=key.name, key=key.key, rev=key.revision, lease=key.lease)


@dataclass(frozen=True, slots=True)
class CommitResult:
    """How a create-if-absent commit ended (see `EtcdClient.commit_if_absent`).

    `landed`: the key now holds exactly our value (`current`), from this call or from an earlier
    attempt whose reply was lost. Otherwise `current` is what the key holds (another writer
    won: a conflict), or None when the key is absent, which means a guard failed (e.g. our
    election key is gone).
    `ambiguous_attempts` counts attempts that timed out or lost their member mid-call.
    """

    landed: bool
    revision: int
    current: KeyValue | None
    ambiguous_attempts: int

    @property
    def conflict(self) -> bool:
        return not self.landed and self.current is not None
