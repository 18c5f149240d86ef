"""Long-lived etcd streams read in a background thread: watches and election observers.

`StreamReader` owns one server stream at a time. A thread reads it, turns responses into items
with a handler, and queues them for the consumer (`get(timeout)` or iteration). When the member
fails (UNAVAILABLE, or a lost Raft leader, which etcd signals because the stream is opened with
`hasleader`), the reader reopens the stream on the next member; `WatchState` makes the new watch
start right after the last revision delivered, so nothing is lost or repeated. Errors that
reopening cannot fix (a compacted start revision, a canceled watch, every member down for
`retry_for` seconds) are queued too and raised to the consumer.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

import grpc

from vmchain._proto.etcd.etcdserverpb import rpc_pb2
from vmchain._proto.etcd.v3electionpb import v3election_pb2
from vmchain.replication.etcd_endpoints import REQUIRE_LEADER, Endpoints, Stubs
from vmchain.replication.etcd_errors import (
    Compacted,
    EtcdError,
    EtcdUnavailable,
    WatchCanceled,
    from_rpc_error,
    rpc_code,
    rpc_details,
)
from vmchain.replication.etcd_types import Event, KeyValue, event_from_pb, kv_from_pb

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
_CLOSED = object()
_REOPEN_CODES = {"UNAVAILABLE", "DEADLINE_EXCEEDED"}


class StreamHandler(Protocol[T_co]):
    """What a concrete stream does: open it on a member, turn each response into items."""

    def open(self, stubs: Stubs, done: threading.Event) -> Any:
        """Start the call on `stubs`' member; a request stream must stay open until `done`."""

    def handle(self, response: Any) -> Iterable[T_co]:
        """The items in one response (raise an EtcdError to end the stream for good)."""


class StreamReader(Generic[T]):
    """Items from a server stream, in order, across member failover, until `close()`."""

    def __init__(
        self, endpoints: Endpoints, what: str, handler: StreamHandler[T], retry_for: float
    ) -> None:
        self.what = what
        self._endpoints, self._handler, self._retry_for = endpoints, handler, retry_for
        self._queue: queue.Queue[object] = queue.Queue()
        self._stop = threading.Event()
        self._call: Any = None
        self._lock = threading.Lock()
        self._failing_since: float | None = None
        self.reopened = 0  # how many times the stream moved to another member
        self._thread = threading.Thread(target=self._run, name=f"etcd {what}", daemon=True)
        self._thread.start()

    def get(self, timeout: float | None = None) -> T | None:
        """The next item; None if none came within `timeout` or the reader is closed."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _CLOSED:
            self._queue.put(_CLOSED)  # stay closed for later calls
            return None
        if isinstance(item, EtcdError):
            self._queue.put(_CLOSED)
            raise item
        return item  # type: ignore[return-value]

    def __iter__(self) -> Iterator[T]:
        while (item := self.get()) is not None:
            yield item

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._call is not None:
                self._call.cancel()
        self._thread.join(timeout=5)

    def __enter__(self) -> StreamReader[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        try:
            while not self._stop.is_set() and self._run_once():
                pass
        except EtcdError as exc:
            self._queue.put(exc)
        self._queue.put(_CLOSED)

    def _run_once(self) -> bool:
        """Read one stream to its end; True to reopen it on the next member."""
        index, stubs = self._endpoints.current()
        done = threading.Event()
        try:
            with self._lock:
                if self._stop.is_set():
                    return False
                self._call = self._handler.open(stubs, done)
            for response in self._call:
                self._failing_since = None  # a member answered: the stream works again
                for item in self._handler.handle(response):
                    self._queue.put(item)
        except grpc.RpcError as exc:
            if self._stop.is_set():
                return False
            if rpc_code(exc) not in _REOPEN_CODES:
                raise from_rpc_error(self.what, stubs.endpoint, exc) from exc
            return self._reopen(index, rpc_code(exc), rpc_details(exc))
        finally:
            done.set()
        # The member ended the stream without an error: nothing we asked for is over, so reopen.
        return not self._stop.is_set() and self._reopen(index, "OK", "the stream ended")

    def _reopen(self, index: int, code: str, details: str) -> bool:
        """Move to the next member and reopen, unless none has worked for `retry_for` s."""
        self._endpoints.advance(index)
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        elif now - self._failing_since > self._retry_for:
            raise EtcdUnavailable(
                self.what,
                ", ".join(self._endpoints.addresses),
                code,
                details,
                note=f"no member kept the stream open for {self._retry_for} s",
            )
        self.reopened += 1
        self._stop.wait(0.05)
        return True


class WatchState:
    """One watch: reassembles fragments and remembers the next revision to resume from."""

    def __init__(self, key: bytes, range_end: bytes, start_revision: int, prev_kv: bool) -> None:
        self.key, self.range_end, self.prev_kv = key, range_end, prev_kv
        self.next_revision = start_revision  # 0 until the first watch says where "now" is
        self.fragments = 0  # responses that were parts of a larger, fragmented one
        self._pending: list[Event] = []

    def open(self, stubs: Stubs, done: threading.Event) -> Any:
        self._pending = []
        create = rpc_pb2.WatchCreateRequest(
            key=self.key,
            range_end=self.range_end,
            start_revision=self.next_revision,
            prev_kv=self.prev_kv,
            fragment=True,
        )
        requests = _hold_open(rpc_pb2.WatchRequest(create_request=create), done)
        return stubs.watch.Watch(requests, metadata=REQUIRE_LEADER)

    def handle(self, response: rpc_pb2.WatchResponse) -> Iterable[Event]:
        if response.compact_revision:
            raise Compacted("watch", self.next_revision, response.compact_revision)
        if response.canceled:
            raise WatchCanceled(self.key, response.cancel_reason)
        if response.created and self.next_revision == 0:
            self.next_revision = response.header.revision + 1
        self._pending.extend(event_from_pb(e) for e in response.events)
        if response.fragment:
            self.fragments += 1
            return ()
        events, self._pending = self._pending, []
        if events:
            self.next_revision = events[-1].revision + 1
        return events


class ObserveState:
    """An election observer: the leader's key and value at every change of leader or value."""

    def __init__(self, name: bytes) -> None:
        self.name = name

    def open(self, stubs: Stubs, done: threading.Event) -> Any:
        return stubs.election.Observe(
            v3election_pb2.LeaderRequest(name=self.name), metadata=REQUIRE_LEADER
        )

    def handle(self, response: v3election_pb2.LeaderResponse) -> Iterable[KeyValue]:
        return (kv_from_pb(response.kv),)


class Watcher:
    """Events on a key or range from a revision on, in order (see `EtcdClient.watch`)."""

    def __init__(self, endpoints: Endpoints, state: WatchState, retry_for: float) -> None:
        self.state = state
        self.reader = StreamReader(endpoints, f"Watch {state.key!r}", state, retry_for)

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event; None after `timeout` or once closed. Raises `Compacted`,
        `WatchCanceled` or `EtcdUnavailable` when the watch cannot go on."""
        return self.reader.get(timeout)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.reader)

    @property
    def next_revision(self) -> int:
        """The revision the watch resumes from: one past the last event delivered."""
        return self.state.next_revision

    @property
    def fragments(self) -> int:
        return self.state.fragments

    @property
    def reopened(self) -> int:
        return self.reader.reopened

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def observer(endpoints: Endpoints, name: bytes, retry_for: float) -> StreamReader[KeyValue]:
    return StreamReader(endpoints, f"Observe {name!r}", ObserveState(name), retry_for)


def _hold_open(first: object, done: threading.Event) -> Iterator[Any]:
    """A request stream that sends `first` and stays open until the call is over."""
    yield first
    done.wait()
