"""The load generator: operations due by the schedule (or kept at a fixed concurrency), sent in
batches on one streamed call, and seen sealed in the node's block stream.

The driver thread makes operations due: open loop, operation i at start + i / rate; closed loop
(--max), a new one whenever fewer than `concurrency` are queued or in flight. Each takes a free
car (a car has at most one tx in flight, so a gate's exit follows its entry and vouchers rise),
is signed, registered as in flight and queued, with the others ready, as one batch on the run's
one SubmitTransactions call (bench/stream.py, whose reader thread ends a refused tx at once
with the refusal's gRPC code). The watcher thread follows StreamBlocks (bench/blocks.py) from
the first height after setup: each receipt of an in-flight tx ends that operation at the moment
its block arrived, frees its car and wakes the driver. After the window the driver stops making
operations (those still waiting for a car are "unsent") and waits up to `drain` for the ones in
flight; any left then are errors (DEADLINE_EXCEEDED, or the code of the call that broke while
sending them). A batch that is not full is followed by a 5 ms pause that gathers the next
(a gateway's batching: at most 5 ms of latency, far fewer messages for the node to handle).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from vmchain.bench.blocks import BlockFeed, SealedReceipts
from vmchain.bench.fleet import Car, Fleet
from vmchain.bench.ops import Built, ChainWindow, OnSuccess, build
from vmchain.bench.report import OpResult, Phase, RssSample, RunFacts
from vmchain.bench.rss import RssError, RssProbe
from vmchain.bench.schedule import Mix, due_ns, kind_sequence
from vmchain.bench.stats import NS_PER_S
from vmchain.bench.stream import BatchStream
from vmchain.client import NodeClient
from vmchain.client.types import hex_text

MAX_BATCH = 500  # txs per SubmitTransactions message
TICK_NS = 5_000_000  # after a batch that was not full, wait this long before the next
NOT_SEALED = "DEADLINE_EXCEEDED"
ACCEPTED = ("OK", "ALREADY_EXISTS")
SUCCESS = "SUCCESS"


class LoadError(RuntimeError):
    """The load could not go on (the block stream failed); the message says why."""


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """How to load the node: the mix, open loop at `rate` (None: closed loop at `concurrency`)
    and the timings, in nanoseconds."""

    mix: Mix
    rate: int | None
    concurrency: int
    warmup_ns: int
    duration_ns: int
    interval_ns: int
    drain_ns: int


@dataclass(slots=True)
class Op:
    kind: str
    due_ns: int
    measured: bool  # False: a warmup operation


@dataclass(slots=True)
class Flight:
    """An operation whose tx was sent: who sent it, what to do on success, and the code it
    ends with if it is never seen sealed."""

    op: Op
    car: Car
    on_success: OnSuccess
    failure: str = NOT_SEALED


@dataclass(slots=True)
class Outcome:
    """What the run did, for report.build."""

    warmup: Phase = field(default_factory=Phase)
    measured: Phase = field(default_factory=Phase)
    rss: list[RssSample] = field(default_factory=list)
    start_ns: int = 0
    end_ns: int = 0
    last_height: int = 0
    foreign_txs: int = 0  # sealed txs in the blocks watched that the bench did not send


Tag = list[tuple[str, Flight]]  # a sent batch: each tx id and its flight


class Runner:
    """One run of the load against a set-up fleet."""

    def __init__(
        self,
        node: NodeClient,
        fleet: Fleet,
        spec: LoadSpec,
        rss: RssProbe | None = None,
    ) -> None:
        self.node = node
        self.feed = BlockFeed(node.target, fleet.height + 1)
        self.fleet = fleet
        self.spec = spec
        self.probe = rss
        self.window = ChainWindow(node.info())
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.idle: deque[Car] = deque(fleet.cars)
        self.flights: dict[str, Flight] = {}
        self.queue: deque[Op] = deque()
        self.out = Outcome(last_height=fleet.height)
        self.watch_error: BaseException | None = None
        self.stream: BatchStream[Tag] = BatchStream(node.target, self._answered, self._broken)

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> Outcome:
        watcher = threading.Thread(target=self._watch, name="bench-blocks", daemon=True)
        watcher.start()
        t0 = time.monotonic_ns()
        self.out.start_ns = t0 + self.spec.warmup_ns
        self.out.end_ns = self.out.start_ns + self.spec.duration_ns
        sampler = threading.Thread(target=self._sample_rss, name="bench-rss", daemon=True)
        if self.probe is not None:
            sampler.start()
        try:
            self._drive(t0)
            self._drain()
        finally:
            self.stream.close()
            self.stopping.set()
            self.feed.close()
        if self.probe is not None:
            sampler.join()
        self._take_rss()
        return self.out

    def _phase(self, op: Op) -> Phase:
        return self.out.measured if op.measured else self.out.warmup

    def _new_op(self, kind: str, due: int) -> None:
        op = Op(kind, due, due >= self.out.start_ns)
        self._phase(op).scheduled += 1
        self.queue.append(op)

    def _drive(self, t0: int) -> None:
        kinds = kind_sequence(self.spec.mix)
        index = 0
        while True:
            self.wake.clear()
            if self.watch_error is not None:
                raise LoadError(f"the block stream failed: {self.watch_error}")
            now = time.monotonic_ns()
            index = self._make_due(kinds, index, t0, min(now, self.out.end_ns))
            if now >= self.out.end_ns:
                while batch := self._dispatch():  # what fell due and has a car goes out
                    self._send(batch)
                return
            batch = self._dispatch()
            if batch:
                self._send(batch)
                if len(batch) < MAX_BATCH:  # gather what falls due in the next tick
                    time.sleep(TICK_NS / NS_PER_S)
                continue
            self.wake.wait(self._idle_seconds(index, t0, now))

    def _make_due(self, kinds: Iterator[str], index: int, t0: int, now: int) -> int:
        """Queue every operation due by `now` (open loop: by the schedule, up to the window's
        end; closed loop: up to the concurrency); the next schedule index."""
        rate = self.spec.rate
        if rate is None:
            if now >= self.out.end_ns:
                return index
            with self.lock:
                busy = len(self.flights) + len(self.queue)
            for _ in range(self.spec.concurrency - busy):
                self._new_op(next(kinds), now)
            return index
        end = self.out.end_ns
        while (due := due_ns(t0, index, rate)) <= now and due < end:
            self._new_op(next(kinds), due)
            index += 1
        if now >= end:  # the window closed: whatever fell due in it is scheduled
            while (due := due_ns(t0, index, rate)) < end:
                self._new_op(next(kinds), due)
                index += 1
        return index

    def _idle_seconds(self, index: int, t0: int, now: int) -> float:
        wake_at = self.out.end_ns
        if self.spec.rate is not None:
            wake_at = min(wake_at, due_ns(t0, index, self.spec.rate))
        return max(0, wake_at - now) / NS_PER_S

    def _dispatch(self) -> list[tuple[Built, Flight]]:
        """Pair queued operations with free cars, sign them, register them as in flight."""
        with self.lock:
            pairs: list[tuple[Op, Car]] = []
            while self.queue and self.idle and len(pairs) < MAX_BATCH:
                pairs.append((self.queue.popleft(), self.idle.popleft()))
        batch = []
        for op, car in pairs:
            built = build(op.kind, car, self.window)
            batch.append((built, Flight(op, car, built.on_success)))
        with self.lock:
            for built, flight in batch:
                self.flights[hex_text(built.tx.tx_id)] = flight
        return batch

    def _send(self, batch: list[tuple[Built, Flight]]) -> None:
        tag = [(hex_text(built.tx.tx_id), flight) for built, flight in batch]
        self.stream.send(tag, [built.tx.encoded for built, _ in batch])

    def _answered(self, tag: Tag, results: Sequence[tuple[str, str]]) -> None:
        """The node's admission answers to one batch: refused txs end now with their code."""
        now = time.monotonic_ns()
        with self.lock:
            for (tx_id, _), (code, _) in zip(tag, results, strict=False):
                if code in ACCEPTED:
                    continue
                refused = self.flights.pop(tx_id, None)
                if refused is not None:
                    self._end(refused, now, sealed=False, status=code)
        self.wake.set()

    def _broken(self, tags: list[Tag], code: str) -> None:
        """The submit call broke before answering these: they end with `code` unless sealed."""
        for tag in tags:
            for _, flight in tag:
                flight.failure = code

    def _end(self, flight: Flight, now: int, *, sealed: bool, status: str) -> None:
        """Record how an operation ended and free its car (the lock held)."""
        result = OpResult(flight.op.kind, flight.op.due_ns, now, sealed, status)
        self._phase(flight.op).results.append(result)
        self.idle.append(flight.car)

    def _drain(self) -> None:
        deadline = time.monotonic_ns() + self.spec.drain_ns
        while self.watch_error is None:
            with self.lock:
                if not self.flights:
                    break
            left = deadline - time.monotonic_ns()
            if left <= 0:
                break
            self.wake.wait(min(left / NS_PER_S, 0.1))
            self.wake.clear()
        now = time.monotonic_ns()
        with self.lock:
            for flight in self.flights.values():
                self._end(flight, now, sealed=False, status=flight.failure)
            self.flights.clear()

    # -- the block watcher -----------------------------------------------------------------

    def _watch(self) -> None:
        try:
            for block in self.feed:
                self._sealed(block)
        except BaseException as exc:  # ended by closing the feed, or a real failure
            if not self.stopping.is_set():
                self.watch_error = exc
                self.wake.set()

    def _sealed(self, block: SealedReceipts) -> None:
        seen = time.monotonic_ns()
        self.window.height = max(self.window.height, block.height)
        with self.lock:
            self.out.last_height = block.height
            for tx_id, status in block.receipts:
                flight = self.flights.pop(tx_id, None)
                if flight is None:
                    self.out.foreign_txs += 1
                    continue
                if status == SUCCESS:
                    flight.on_success()
                self._end(flight, seen, sealed=True, status=status)
        self.wake.set()

    # -- memory ----------------------------------------------------------------------------

    def _take_rss(self) -> None:
        if self.probe is None:
            return
        with contextlib.suppress(RssError):  # the node went away: the samples so far stand
            self.out.rss.append(RssSample(time.monotonic_ns(), self.probe.read()))

    def _sample_rss(self) -> None:
        """At the window's start, then every interval until the run ends."""
        delay = max(0, self.out.start_ns - time.monotonic_ns()) / NS_PER_S
        if self.stopping.wait(delay):
            return
        self._take_rss()
        while not self.stopping.wait(self.spec.interval_ns / NS_PER_S):
            self._take_rss()


def facts(
    outcome: Outcome,
    spec: LoadSpec,
    options: dict[str, Any],
    fleet: Fleet,
    probe: RssProbe | None,
) -> RunFacts:
    """What report.build needs besides the phases."""
    return RunFacts(
        options=options,
        setup=fleet.describe(),
        start_ns=outcome.start_ns,
        end_ns=outcome.end_ns,
        interval_ns=spec.interval_ns,
        rss_source=None if probe is None else probe.source,
        rss=tuple(outcome.rss),
        chain={
            "first_height": fleet.height + 1,
            "last_height": outcome.last_height,
            "foreign_txs": outcome.foreign_txs,
        },
    )
