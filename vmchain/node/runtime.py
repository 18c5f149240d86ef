"""The node's engine: admission into the mempool, the sealer thread, receipt waits, block fan-out.

One lock guards the ledger (which is not thread safe), the mempool and the waiters. The sealer
thread holds it from taking txs out of the mempool through `ledger.propose`, the synced
`ledger.commit` and waking the waiters, so a tx that is being sealed is never invisible: every
other thread sees it either pending or sealed, and a duplicate submitted meanwhile waits for the
one receipt. Waiters are woken only after the commit returned, so every receipt handed out is
durable (DESIGN.md section 4).

Waits: one `_Waiter` per pending tx id, shared by every caller waiting for it (five concurrent
submits of one tx wait on one event and get one receipt). A tx that leaves the mempool without a
block (expired, or no longer valid when the block was built) wakes its waiters with the reason.

Streams read blocks by height: history from the ledger (recent blocks from a small cache), then
they sleep on a condition notified after each commit. A cursor that only ever moves forward by
one height gives no gap and no duplicate, across reconnects too.

Replicated mode (vmchain/replication): `publish` commits each sealed block to etcd before the
local commit. The etcd round trip runs with the lock released (`_publish_unlocked`): the block's
txs stay visible as pending (`_inflight`), and `apply_block` (blocks from the shared log) waits
until the publish is over, so the sealer's own height is never committed twice. `promote` and
`demote` switch the sealer role; `apply_block` checks and commits a block sealed elsewhere.

Dev Revert (`rewind`) rolls the ledger back under the lock, between two blocks. Streams keep their
cursors: one already past the new head waits until the chain grows back to its cursor and goes on
with the new blocks from there (it never sends a height twice).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NoReturn, TypeVar

from vmchain.chain.admission import check_stateless
from vmchain.chain.block import Block, SealedHeader
from vmchain.chain.errors import InvalidBlock, Reason, TxRejected
from vmchain.chain.ledger import Ledger, SealedBlock
from vmchain.chain.mempool import Mempool, MempoolLimits
from vmchain.chain.receipt import Receipt
from vmchain.chain.sealer import PendingState, SealerPolicy, SealReason, decide
from vmchain.chain.tx import Tx, decode_signed
from vmchain.crypto import PrivateKey
from vmchain.node.clock import Clock, SystemClock
from vmchain.node.errors import (
    ForkDetected,
    Halted,
    LostLeadership,
    NodeError,
    NotFoundError,
    NotSealer,
    ShuttingDown,
    TxDropped,
    WaitExpired,
)
from vmchain.node.failpoints import FailPoints
from vmchain.node.logs import fields
from vmchain.node.metrics import BlockStats, Metrics
from vmchain.state.errors import StoreError

log = logging.getLogger(__name__)

T = TypeVar("T")

# A failed block write or read of the store: the disk is full or failing (or the store is
# damaged). Logged without a traceback; every other exception while sealing is a bug.
STORAGE_ERRORS = (StoreError, OSError)
RECENT_BLOCKS = 128  # sealed blocks kept in memory for live streams
STREAM_POLL_S = 0.5  # how often an idle stream checks that its client is still there
DEFAULT_DRAIN_MS = 5_000  # on shutdown, keep sealing pending txs for at most this long


class _Waiter:
    """Where the callers waiting for one tx id meet its outcome."""

    __slots__ = ("done", "error", "receipt")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.receipt: Receipt | None = None
        self.error: Callable[[], Exception] | None = None

    def resolve(self, receipt: Receipt) -> None:
        self.receipt = receipt
        self.done.set()

    def fail(self, error: Callable[[], Exception]) -> None:
        self.error = error
        self.done.set()


@dataclass(slots=True)
class _MineRequest:
    """A Dev `Mine`: seal `blocks` blocks now, pending txs or not."""

    blocks: int
    done: threading.Event = field(default_factory=threading.Event)
    last: SealedBlock | None = None
    error: Exception | None = None


@dataclass(frozen=True, slots=True)
class Submitted:
    """The answer to a submission: the tx id, and its receipt when the caller waited."""

    tx_id: bytes
    receipt: Receipt | None = None


class Runtime:
    """Mempool, sealer thread, waits and fan-out around one Ledger."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        key: PrivateKey | None,
        policy: SealerPolicy,
        clock: Clock | None = None,
        mempool_limits: MempoolLimits | None = None,
        metrics: Metrics | None = None,
        drain_ms: int = DEFAULT_DRAIN_MS,
        on_fault: Callable[[str], None] | None = None,
        failpoints: FailPoints | None = None,
        publish: Callable[[SealedBlock], None] | None = None,
        sealing: bool = True,
        max_block_bytes: int | None = None,
    ) -> None:
        """`publish` (replicated mode) runs on every sealed block before it is committed
        here: it raises LostLeadership if the block must not be committed (then nothing is
        acknowledged). `sealing=False` starts the node as a follower: `promote` makes it seal.
        `max_block_bytes` caps the encoded txs per block (replicated mode: etcd's request
        limit)."""
        self._ledger = ledger
        self._key = key
        self._policy = policy
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._metrics = metrics if metrics is not None else Metrics()
        self._drain_ms = drain_ms
        self._on_fault = on_fault
        self._failpoints = failpoints if failpoints is not None else FailPoints()
        self._params = ledger.params
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)  # the sealer sleeps here
        self._sealed = threading.Condition(self._lock)  # streams sleep here
        self._published = threading.Condition(self._lock)  # the applier waits on a publish
        self._mempool = Mempool(mempool_limits)
        self._waiters: dict[bytes, _Waiter] = {}
        self._arrivals: dict[bytes, float] = {}  # tx id -> perf_counter at admission
        self._recent: OrderedDict[int, SealedBlock] = OrderedDict()
        self._mine: deque[_MineRequest] = deque()
        self._last_seal_ms = self._clock.monotonic_ms()
        self._publish = publish
        self._max_block_bytes = max_block_bytes
        # Replicated mode: the txs of the block being published (the lock is released while
        # etcd commits it), and a condition the applier waits on meanwhile.
        self._inflight: frozenset[bytes] = frozenset()
        self._publishing = False
        self._sealer_role = sealing
        self._follower_why = "this node is a follower"
        self._accepting = key is not None and sealing
        self._stopping = False
        self._closed = False
        self._drain_deadline_ms = 0
        self._fault: str | None = None
        self._thread = threading.Thread(target=self._run, name="vmchain-sealer", daemon=True)
        head = ledger.head().header
        self._metrics.head(head.height, head.timestamp_ms)
        self._metrics.mempool_capacity(self._mempool.limits.max_txs, self._mempool.limits.max_bytes)

    # -----------------------------------------------------------------------------------------
    # Lifecycle

    def start(self) -> None:
        if self._key is not None:
            self._thread.start()

    @property
    def healthy(self) -> bool:
        """False once sealing stopped on an error or shutdown began."""
        return self._fault is None and not self._stopping

    @property
    def fault(self) -> str | None:
        return self._fault

    @property
    def drain_seconds(self) -> float:
        return self._drain_ms / 1000

    def begin_shutdown(self) -> None:
        """Refuse new submissions; the sealer seals what is pending (bounded), then exits."""
        with self._lock:
            self._accepting = False
            self._stopping = True
            self._drain_deadline_ms = self._clock.monotonic_ms() + self._drain_ms
            self._wake.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the sealer thread; True when it has exited."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        """After join: fail remaining waiters, end streams. The ledger is closed by the owner."""
        with self._lock:
            self._closed = True
            self._accepting = False
            self._fail_all_locked(lambda: ShuttingDown("node is shutting down"))
            self._sealed.notify_all()
            self._wake.notify_all()

    def close_ledger(self, timeout_s: float) -> bool:
        """Close the ledger under the lock (no query runs meanwhile); False if the lock stayed
        busy for `timeout_s` (a stuck sealer: the ledger is left open)."""
        if not self._lock.acquire(timeout=timeout_s):
            return False
        try:
            self._ledger.close()
        finally:
            self._lock.release()
        return True

    # -----------------------------------------------------------------------------------------
    # Submission

    def submit_raw(self, raw: Any, wait_ms: int) -> Submitted:
        """Decode a SignedTransaction (bytes or message) and submit it."""
        try:
            tx = decode_signed(raw)
        except TxRejected as exc:
            self._metrics.rejected([exc.reason.value])
            raise
        return self.submit(tx, wait_ms)

    def submit(self, tx: Tx, wait_ms: int) -> Submitted:
        """Admit `tx`; with wait_ms > 0, return its receipt once sealed and durable.

        A tx already pending is not added again: with a wait, the caller shares the one
        receipt; without, ALREADY_EXISTS. A sealed duplicate returns its receipt with a wait
        and is ALREADY_EXISTS without.
        """
        try:
            check_stateless(tx, self._params)
            with self._lock:
                outcome = self._admit_locked(tx, wait_ms > 0)
        except TxRejected as exc:
            self._metrics.rejected([exc.reason.value])
            raise
        if isinstance(outcome, Receipt):
            return Submitted(tx.tx_id, outcome)
        if outcome is None:
            return Submitted(tx.tx_id)
        return Submitted(tx.tx_id, self._await(outcome, tx.tx_id, wait_ms))

    def submit_batch(self, raws: Sequence[Any]) -> list[Submitted | Exception]:
        """Admit many txs (bytes or messages) under one lock; per tx, Submitted or the error."""
        decoded: list[Tx | Exception] = []
        for raw in raws:
            try:
                tx = decode_signed(raw)
                check_stateless(tx, self._params)
                decoded.append(tx)
            except TxRejected as exc:
                decoded.append(exc)
        outcomes: list[Submitted | Exception] = []
        with self._lock:
            for item in decoded:
                if isinstance(item, Exception):
                    outcomes.append(item)
                    continue
                try:
                    self._admit_locked(item, False)
                    outcomes.append(Submitted(item.tx_id))
                except (TxRejected, NodeError) as exc:
                    outcomes.append(exc)
        self._metrics.rejected([o.reason.value for o in outcomes if isinstance(o, TxRejected)])
        return outcomes

    def _admit_locked(self, tx: Tx, wait: bool) -> _Waiter | Receipt | None:
        tx_id = tx.tx_id
        if tx_id in self._mempool or tx_id in self._inflight:
            if wait:
                return self._waiter_locked(tx_id)
            raise TxRejected(
                Reason.DUPLICATE, f"tx 0x{tx_id.hex()} is already pending (not yet sealed)", tx_id
            )
        receipt = self._ledger.receipt(tx_id)
        if receipt is not None:
            if wait:
                return receipt
            raise TxRejected(
                Reason.DUPLICATE,
                f"tx 0x{tx_id.hex()} is already sealed in block {receipt.height}",
                tx_id,
            )
        self._check_accepting_locked()
        self._ledger.admit(tx)
        self._mempool.add(tx, self._clock.monotonic_ms())
        self._arrivals[tx_id] = time.perf_counter()
        self._metrics.mempool(len(self._mempool), self._mempool.size_bytes)
        self._wake.notify()
        return self._waiter_locked(tx_id) if wait else None

    def _check_accepting_locked(self) -> None:
        if self._accepting:
            return
        if self._fault is not None:
            raise NotSealer(
                f"this node stopped sealing after an error: {self._fault}; it serves reads "
                "until it is restarted (docs/operations.md, storage faults)"
            )
        if self._stopping or self._closed:
            raise ShuttingDown("node is shutting down and accepts no new transactions")
        if not self._sealer_role:
            raise LostLeadership(self._follower_why)
        raise NotSealer("this node has no authority key and cannot seal transactions")

    def _waiter_locked(self, tx_id: bytes) -> _Waiter:
        waiter = self._waiters.get(tx_id)
        if waiter is None:
            waiter = self._waiters[tx_id] = _Waiter()
        return waiter

    @staticmethod
    def _await(waiter: _Waiter, tx_id: bytes, wait_ms: int) -> Receipt:
        if not waiter.done.wait(wait_ms / 1000):
            raise WaitExpired.for_tx(tx_id, wait_ms)
        if waiter.error is not None:
            raise waiter.error()
        assert waiter.receipt is not None
        return waiter.receipt

    def receipt(self, tx_id: bytes, wait_ms: int) -> Receipt:
        """The receipt of a sealed tx; with wait_ms > 0, wait for a pending one."""
        with self._lock:
            receipt = self._ledger.receipt(tx_id)
            if receipt is not None:
                return receipt
            pending = tx_id in self._mempool or tx_id in self._inflight
            if not pending:
                raise NotFoundError(
                    f"tx 0x{tx_id.hex()} is not known to this node (neither sealed nor pending)"
                )
            if wait_ms <= 0:
                raise NotFoundError(
                    f"tx 0x{tx_id.hex()} has no receipt yet: it is pending, not sealed "
                    "(pass wait_ms to wait for it)"
                )
            waiter = self._waiter_locked(tx_id)
        return self._await(waiter, tx_id, wait_ms)

    # -----------------------------------------------------------------------------------------
    # Reads

    def read(self, query: Callable[[Ledger], T]) -> T:
        """Run a read-only ledger query under the lock."""
        with self._lock:
            return query(self._ledger)

    @property
    def ledger(self) -> Ledger:
        """The ledger itself (for wiring and tests; call it only through `read`)."""
        return self._ledger

    def pending_count(self) -> int:
        with self._lock:
            return len(self._mempool)

    def is_pending(self, tx_id: bytes) -> bool:
        with self._lock:
            return tx_id in self._mempool or tx_id in self._inflight

    def blocks_from(self, height: int, is_active: Callable[[], bool]) -> Iterator[SealedBlock]:
        """Every sealed block from `height` on, then each new one; ends when the client leaves."""
        next_height = height
        while True:
            with self._lock:
                while next_height > self._ledger.height():
                    if self._closed:
                        raise ShuttingDown(
                            f"node is shutting down; resume from height {next_height}"
                        )
                    if not is_active():
                        return
                    self._sealed.wait(STREAM_POLL_S)
                block = self._recent.get(next_height) or self._ledger.block(next_height)
            yield block
            next_height += 1

    # -----------------------------------------------------------------------------------------
    # Dev controls

    def mine(self, blocks: int, timeout_s: float = 30.0) -> SealedBlock:
        """Seal `blocks` blocks now (empty if nothing is pending); returns the last one."""
        request = _MineRequest(blocks)
        with self._lock:
            self._check_accepting_locked()
            self._mine.append(request)
            self._wake.notify()
        if not request.done.wait(timeout_s):
            raise WaitExpired(f"mining {blocks} block(s) took longer than {timeout_s:.0f} s")
        if request.error is not None:
            raise request.error
        assert request.last is not None
        return request.last

    def rewind(self, height: int, then: Callable[[], None] | None = None) -> SealedHeader:
        """Dev Revert: roll the ledger back to `height` (chain.errors.NotFound if it is above
        the head or pruned) and forget the recent blocks above it, under the lock: no block is
        sealed meanwhile. `then` runs under the lock too, after a successful rewind (the Dev
        service restores its clock there, before the sealer can stamp another block). Pending
        txs stay pending; txs sealed above `height` may be submitted again."""
        with self._lock:
            if self._stopping or self._closed:
                raise ShuttingDown("node is shutting down; the chain cannot be reverted")
            if self._fault is not None:  # after a failed write the store takes no more
                raise NotSealer(f"sealing stopped after an error: {self._fault}; no revert")
            head = self._ledger.rewind(height)
            for above in [h for h in self._recent if h > height]:
                del self._recent[above]
            if then is not None:
                then()
            self._metrics.head(head.header.height, head.header.timestamp_ms)
            self._wake.notify()
        return head

    # -----------------------------------------------------------------------------------------
    # The sealer thread

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    job = self._next_job_locked()
                    if job is None:
                        return
                    self._seal_locked(*job)
        except Exception as exc:  # pragma: no cover - reported, then sealing stops
            log.exception("sealer thread stopped")
            self._stop_sealing(f"{type(exc).__name__}: {exc}")

    def _next_job_locked(self) -> tuple[list[Tx], list[_MineRequest]] | None:
        """Sleep until a block is due; the txs to seal and the Mine requests it serves."""
        while True:
            if self._fault is not None or self._closed:
                return None
            if not self._sealer_role:
                if self._stopping:
                    return None
                self._wake.wait()
                continue
            now = self._clock.monotonic_ms()
            if self._mine:
                return self._take_locked(), [self._mine[0]]
            if self._stopping:
                if len(self._mempool) and now < self._drain_deadline_ms:
                    return self._take_locked(), []
                return None
            decision = decide(self._policy, PendingState.of(self._mempool), now, self._last_seal_ms)
            if decision.seal:
                txs = self._take_locked()
                if txs or decision.reason is SealReason.HEARTBEAT:
                    return txs, []
                continue
            self._wake.wait(None if decision.wait_ms is None else decision.wait_ms / 1000)

    def _take_locked(self) -> list[Tx]:
        params = self._params
        selection = self._mempool.take(
            params.block_max_txs,
            params.block_gas_limit,
            self._ledger.height() + 1,
            self._max_block_bytes,
        )
        for tx in selection.expired:
            log.info("dropped an expired tx", extra=fields(tx_id="0x" + tx.tx_id.hex()))
            self._drop_locked(tx, partial(TxDropped, tx.tx_id, "its validity window ended"))
        if selection.expired:
            self._metrics.rejected([Reason.OUTSIDE_WINDOW.value] * len(selection.expired))
        return selection.txs

    def _seal_locked(self, txs: list[Tx], mine: list[_MineRequest]) -> None:
        assert self._key is not None
        timestamp_ms = self._clock.next_block_ms()
        started = time.perf_counter()
        try:
            sealed = self._ledger.propose(txs, timestamp_ms, self._key)
            proposed = time.perf_counter()
            if self._publish is not None:
                self._publish_unlocked(sealed, txs)
            self._ledger.commit(sealed)
            self._failpoints.hit("commit.before_ack")
        except LostLeadership as exc:
            self._abandon_locked(txs, mine, str(exc))
            return
        except Exception as exc:
            height = self._ledger.height() + 1
            if isinstance(exc, STORAGE_ERRORS):  # the disk failed, not our code: no traceback
                log.error(
                    "sealing block %d failed on a storage error; sealing stops: %s: %s",
                    height,
                    type(exc).__name__,
                    exc,
                )
            else:
                log.exception("sealing block %d failed; sealing stops", height)
            self._metrics.store_failed()
            self._fault = f"{type(exc).__name__}: {exc}"
            self._accepting = False
            if self._on_fault is not None:
                self._on_fault(self._fault)
            for tx in txs:
                self._drop_locked(tx, lambda: NotSealer(f"sealing failed: {self._fault}"))
            self._fail_all_locked(lambda: NotSealer(f"sealing stopped: {self._fault}"))
            for request in mine:
                request.error = NotSealer(f"sealing failed: {self._fault}")
                request.done.set()
            self._mine.clear()
            return
        committed = time.perf_counter()
        self._after_commit_locked(sealed, txs, proposed - started, committed - proposed)
        for request in mine:
            request.blocks -= 1
            request.last = sealed
            if request.blocks <= 0:
                self._mine.popleft()
                request.done.set()

    def _publish_unlocked(self, sealed: SealedBlock, txs: list[Tx]) -> None:
        """Run the publish hook (an etcd round trip) with the lock released, so submissions
        and reads go on meanwhile. The block's txs stay visible as pending (`_inflight`), and
        the applier waits (`_published`) so it cannot commit this height first."""
        assert self._publish is not None
        self._inflight = frozenset(tx.tx_id for tx in txs)
        self._publishing = True
        self._lock.release()
        try:
            self._publish(sealed)
        finally:
            self._lock.acquire()
            self._inflight = frozenset()
            self._publishing = False
            self._published.notify_all()

    def _abandon_locked(self, txs: list[Tx], mine: list[_MineRequest], why: str) -> None:
        """The block in hand was not published: nothing of it is acknowledged; its txs' waiters
        are told to resubmit (to the sealer), and this node becomes a follower."""
        log.warning("block %d abandoned: %s", self._ledger.height() + 1, why)
        for tx in txs:
            self._drop_locked(tx, lambda: LostLeadership(why))
        for request in mine:
            request.error = LostLeadership(why)
            request.done.set()
        self._demote_locked(why)

    # -----------------------------------------------------------------------------------------
    # Replicated mode: roles and blocks sealed elsewhere

    @property
    def is_sealer(self) -> bool:
        with self._lock:
            return self._sealer_role and self._fault is None

    def promote(self) -> None:
        """Become the sealer (the caller holds the election and has applied every block)."""
        with self._lock:
            if self._fault is not None or self._stopping or self._closed:
                return
            self._sealer_role = True
            self._accepting = self._key is not None
            self._last_seal_ms = self._clock.monotonic_ms()
            self._wake.notify_all()

    def halt(self, why: str) -> None:
        """Stop this node for good (replicated mode found a block it cannot follow): sealing
        stops, health goes NOT_SERVING, reads go on."""
        log.critical("replication stopped: %s", why)
        self._stop_sealing(why)

    def set_publish(
        self, publish: Callable[[SealedBlock], None], max_block_bytes: int | None = None
    ) -> None:
        """Install the replicated mode's publish hook and block byte cap (before `start`)."""
        self._publish = publish
        self._max_block_bytes = max_block_bytes

    def demote(self, why: str) -> None:
        """Stop sealing; submissions get UNAVAILABLE with `why` (which names the sealer)."""
        with self._lock:
            self._demote_locked(why)

    def _demote_locked(self, why: str) -> None:
        self._sealer_role = False
        self._follower_why = why
        if self._fault is None and not self._stopping:
            self._accepting = False
        pending = self._mempool.remove(self._mempool.tx_ids())
        for tx in pending:
            self._drop_locked(tx, lambda: LostLeadership(why))
        self._metrics.mempool(len(self._mempool), self._mempool.size_bytes)
        self._wake.notify_all()

    def settled_height(self) -> int:
        """The head height once no publish is in flight: a block this node is publishing is
        then either committed here or abandoned (the applier asks before decoding a block)."""
        with self._lock:
            while self._publishing:
                self._published.wait()
            return self._ledger.height()

    def apply_block(self, block: Block) -> bool:
        """Verify, re-execute and commit a block sealed elsewhere (the shared log's next one);
        False if this node already has it. ForkDetected (and sealing stops) if it holds a
        different block at that height or the block does not re-execute to its roots."""
        with self._lock:
            while self._publishing:  # our own block is being published: let it commit first
                self._published.wait()
            head = self._ledger.height()
            if block.height <= head:
                mine = self._ledger.block(block.height).block.hash
                if mine != block.hash:
                    self._fork_locked(
                        f"block {block.height} from the log is 0x{block.hash.hex()}, this node "
                        f"has 0x{mine.hex()}"
                    )
                return False
            if block.height != head + 1:
                raise ValueError(f"block {block.height} does not follow this node's head {head}")
            started = time.perf_counter()
            try:
                sealed = self._ledger.apply(block)
            except InvalidBlock as exc:
                self._fork_locked(f"block {block.height} from the log does not verify: {exc}")
            try:
                self._ledger.commit(sealed)
            except STORAGE_ERRORS as exc:
                self._metrics.store_failed()
                why = f"block {block.height} could not be stored: {type(exc).__name__}: {exc}"
                self._halt_locked(why)
                raise Halted(why) from None
            included = [receipt.tx_id for receipt in sealed.receipts]
            self._mempool.remove(included)
            self._after_commit_locked(sealed, [], 0.0, time.perf_counter() - started, "applied")
            return True

    def _fork_locked(self, why: str) -> NoReturn:
        self._halt_locked(why)
        raise ForkDetected(why)

    def _halt_locked(self, why: str) -> None:
        """Stop for good: no sealing, no applying; reads go on; health NOT_SERVING."""
        log.critical("replication stopped: %s", why)
        self._fault = why
        self._accepting = False
        self._sealer_role = False
        self._fail_all_locked(lambda: NotSealer(f"sealing stopped: {why}"))
        if self._on_fault is not None:
            self._on_fault(why)

    def _after_commit_locked(
        self,
        sealed: SealedBlock,
        txs: list[Tx],
        seal_s: float,
        commit_s: float,
        verb: str = "sealed",
    ) -> None:
        header = sealed.block.header
        self._clock.block_sealed(header.timestamp_ms)
        self._last_seal_ms = self._clock.monotonic_ms()
        self._recent[header.height] = sealed
        while len(self._recent) > RECENT_BLOCKS:
            self._recent.popitem(last=False)
        now = time.perf_counter()
        inclusion = []
        for receipt in sealed.receipts:
            arrival = self._arrivals.pop(receipt.tx_id, None)
            if arrival is not None:
                inclusion.append(now - arrival)
            waiter = self._waiters.pop(receipt.tx_id, None)
            if waiter is not None:
                waiter.resolve(receipt)
        included = {receipt.tx_id for receipt in sealed.receipts}
        for tx in txs:
            if tx.tx_id not in included:
                self._skipped_locked(tx, header.height)
        self._metrics.block_committed(
            BlockStats(
                height=header.height,
                timestamp_ms=header.timestamp_ms,
                gas_used=header.gas_used,
                receipts=sealed.receipts,
                seal_seconds=seal_s,
                commit_seconds=commit_s,
                inclusion_seconds=tuple(inclusion),
            )
        )
        self._metrics.mempool(len(self._mempool), self._mempool.size_bytes)
        self._sealed.notify_all()
        log.info(
            "%s block %d",
            verb,
            header.height,
            extra=fields(
                height=header.height,
                txs=len(sealed.receipts),
                gas_used=header.gas_used,
                seal_ms=round(seal_s * 1000, 2),
                commit_ms=round(commit_s * 1000, 2),
            ),
        )

    def _skipped_locked(self, tx: Tx, height: int) -> None:
        """The executor left `tx` out of block `height`: tell its waiters why."""
        log.info(
            "tx left out of block %d",
            height,
            extra=fields(height=height, tx_id="0x" + tx.tx_id.hex()),
        )
        try:
            self._ledger.admit(tx)
        except TxRejected as exc:
            self._metrics.rejected([exc.reason.value])
            rejection = exc
            self._drop_locked(tx, lambda: TxRejected(rejection.reason, rejection.message, tx.tx_id))
            return
        self._drop_locked(
            tx, lambda: TxDropped(tx.tx_id, f"the executor left it out of block {height}")
        )

    def _drop_locked(self, tx: Tx, error: Callable[[], Exception]) -> None:
        self._arrivals.pop(tx.tx_id, None)
        waiter = self._waiters.pop(tx.tx_id, None)
        if waiter is not None:
            waiter.fail(error)

    def _fail_all_locked(self, error: Callable[[], Exception]) -> None:
        for waiter in self._waiters.values():
            waiter.fail(error)
        self._waiters.clear()
        for request in self._mine:
            request.error = error()
            request.done.set()
        self._mine.clear()

    def _stop_sealing(self, why: str) -> None:
        with self._lock:
            self._fault = why
            self._accepting = False
            self._fail_all_locked(lambda: NotSealer(f"sealing stopped: {why}"))
        if self._on_fault is not None:
            self._on_fault(why)
