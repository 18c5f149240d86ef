"""Replicated mode: one sealer elected through etcd, every node applying the shared block log.

A `Replica` runs beside a node's Runtime (DESIGN.md section 14):

- The elector thread holds a lease (kept alive) and campaigns in the ``sealer`` election with
  this node's advertised gRPC address. Once elected it waits until this node has applied every
  block in the log, then `Runtime.promote`s it. It steps down (`Runtime.demote`, resign, new
  lease) when a guarded commit fails or etcd says the lease is gone: never on a local timer or a
  broken keepalive stream alone (etcd.md: safety comes from the txn guard).
- `publish` is the Runtime's hook between sealing a block and committing it: a create-if-absent
  txn on ``blocks/<height>`` guarded by the election key. Only if it landed does the Runtime
  commit locally and hand out receipts. If it failed, or its outcome stayed unknown, the block
  is abandoned (LostLeadership: nothing acknowledged) and this node steps down; whatever did
  land is applied from the log like any other block.
- The applier thread reads the log from this node's head + 1 (paged, at one revision), then
  watches from that revision on, and applies each block through `Runtime.apply_block`: seal,
  parent, limits, re-execution and roots are checked; a mismatch stops the node loudly. Blocks
  it already has (the sealer's own) must be byte-identical. Blocks pruned from etcd are fetched
  from the sealer over vmchain's gRPC (GetBlock) and checked the same way: plaintext, or TLS
  with `PeerTls` (the CA that signed the other nodes' certificates, and a client certificate
  for nodes that require one), as etcd's --peer-* flags.
- The sealer prunes the log to the last `keep_blocks` blocks and compacts etcd's history; every
  node keeps the full chain in its RocksDB.
- The observer thread follows the election (etcd's Observe stream), so a follower names the new
  sealer in its refusals as soon as etcd elects it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass

import grpc

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.block import Block, decode_block
from vmchain.chain.errors import InvalidBlock
from vmchain.chain.ledger import Ledger, SealedBlock
from vmchain.node.errors import ForkDetected, Halted, LostLeadership
from vmchain.node.runtime import Runtime
from vmchain.replication.etcd import (
    CommitUnknown,
    Compacted,
    EtcdClient,
    EtcdError,
    EtcdTimeout,
    EventType,
    LeaderKey,
    Lease,
)
from vmchain.replication.log import LogKeys
from vmchain.replication.metrics import ReplicationMetrics

log = logging.getLogger(__name__)

DEFAULT_LEASE_TTL_S = 3
DEFAULT_KEEP_BLOCKS = 1_024
PAGE_BLOCKS = 32  # blocks per Range page: 32 full blocks stay well under the receive limit
CAMPAIGN_POLL_S = 1.0  # how often a waiting candidate refreshes the follower hint
PRUNE_EVERY_S = 5.0
FAULT_POLL_S = 0.2  # how soon a sealer whose node stopped (store error) steps down
# The most encoded tx bytes a sealer puts in one block: well under etcd's request limit
# (--max-request-bytes, 1.5 MiB by default) with room for the header and the txn.
DEFAULT_MAX_BLOCK_BYTES = 1_200_000
RETRY_S = 0.5
PEER_MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a GetBlock answer, as the SDK's limit
OWN_BLOCKS_KEPT = 16  # a sealer's published bytes kept until the watch brings them back


class ReplicationConfigError(ValueError):
    """The etcd log belongs to another chain, or the node cannot join it."""


@dataclass(frozen=True, slots=True)
class PeerTls:
    """How this node dials the other nodes' gRPC over TLS (PEM bytes): the CA to trust, and a
    client certificate and key for nodes that require one (--client-ca)."""

    ca: bytes
    cert: bytes | None = None
    key: bytes | None = None

    def __post_init__(self) -> None:
        if (self.cert is None) != (self.key is None):
            raise ValueError("a peer client certificate needs its key, and a key its certificate")


@dataclass(frozen=True, slots=True)
class ReplicaConfig:
    lease_ttl_s: int = DEFAULT_LEASE_TTL_S
    max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES
    keep_blocks: int = DEFAULT_KEEP_BLOCKS
    commit_timeout_s: float = 5.0
    peer_tls: PeerTls | None = None  # None: other nodes are dialled in plaintext


def peer_channel(address: str, tls: PeerTls | None) -> grpc.Channel:
    """A channel to another node's gRPC, as `tls` says. It takes blocks of any size the chain
    allows (a block sealed before the chain was replicated is not held to the 1.2 MB cap)."""
    options = [("grpc.max_receive_message_length", PEER_MAX_MESSAGE_BYTES)]
    if tls is None:
        return grpc.insecure_channel(address, options=options)
    credentials = grpc.ssl_channel_credentials(tls.ca, tls.key, tls.cert)
    return grpc.secure_channel(address, credentials, options=options)


class Replica:
    """Election, publishing and applying for one node; `start(runtime)`, then `stop()`."""

    def __init__(
        self,
        client: EtcdClient,
        keys: LogKeys,
        config: ReplicaConfig,
        metrics: ReplicationMetrics,
    ) -> None:
        self._client = client
        self._keys = keys
        self._config = config
        self._metrics = metrics
        self._runtime: Runtime | None = None
        self._leader: LeaderKey | None = None
        self._lost = threading.Event()
        self._lost_why = ""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sealer_address = ""
        self._advertise = ""  # this node's gRPC address as peers and clients dial it
        self._pruned_below = 0
        self._next_prune = 0.0
        self._role_lock = threading.Lock()  # role changes: elected, stepped down, hint
        # height -> the bytes this sealer committed, compared with the watch's copy (no
        # re-encoding of its own block); bounded, and a miss reads the block from the store.
        self._own: dict[int, bytes] = {}
        self._own_lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------

    def check_genesis(self, genesis_hash: bytes) -> None:
        """Write this chain's genesis hash to the log, or check the one there is ours."""
        result = self._client.commit_if_absent(self._keys.genesis, genesis_hash)
        if result.landed:
            return
        theirs = result.current.value if result.current is not None else b""
        raise ReplicationConfigError(
            f"the etcd log under {self._keys.prefix.decode()} belongs to a chain with genesis "
            f"0x{theirs.hex()}, this node's genesis is 0x{genesis_hash.hex()}"
        )

    def start(self, runtime: Runtime, advertise: str) -> None:
        """Follow the log and campaign as `advertise` (the gRPC address others dial)."""
        self._runtime = runtime
        self._advertise = advertise
        threads = (
            ("applier", self._apply_loop),
            ("elector", self._elect_loop),
            ("observer", self._observe_loop),
        )
        for name, target in threads:
            thread = threading.Thread(target=target, name=f"vmchain-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Step down (resign, so another node takes over at once), end both threads and
        close the etcd client."""
        self._stop.set()
        self._lose("this node is shutting down")
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._client.close()

    @property
    def is_sealer(self) -> bool:
        return self._leader is not None and not self._lost.is_set()

    # --- the sealer side ---------------------------------------------------------------------

    def publish(self, sealed: SealedBlock) -> None:
        """The Runtime's hook: commit `sealed` to the log, or raise LostLeadership."""
        leader = self._leader
        height = sealed.block.height
        if leader is None or self._lost.is_set():
            raise LostLeadership(self._follower_message())
        started = time.perf_counter()
        raw = sealed.block.to_bytes()
        try:
            result = self._client.commit_if_absent(
                self._keys.block(height),
                raw,
                guards=[leader.guard()],
                timeout=self._config.commit_timeout_s,
            )
        except CommitUnknown as exc:
            self._lose(f"etcd did not confirm block {height}: {exc}")
            raise LostLeadership(
                f"block {height} was not acknowledged: etcd did not confirm it ({exc}); "
                "this node stepped down, retry with the sealer"
            ) from None
        except EtcdError as exc:
            self._lose(f"etcd refused block {height}: {exc}")
            raise LostLeadership(f"block {height} was not acknowledged: {exc}") from None
        self._metrics.commit_seconds.observe(time.perf_counter() - started)
        if result.landed:
            self._keep_own(height, raw)
            return
        why = (
            f"another sealer already wrote block {height}"
            if result.current is not None
            else "this node no longer holds the sealer election"
        )
        self._lose(why)
        raise LostLeadership(f"block {height} was not acknowledged: {why}; retry with the sealer")

    def _keep_own(self, height: int, raw: bytes) -> None:
        with self._own_lock:
            self._own[height] = raw
            while len(self._own) > OWN_BLOCKS_KEPT:
                del self._own[min(self._own)]

    def _lose(self, why: str) -> None:
        """Mark the term over (the elector thread demotes, resigns and campaigns again). Called
        under the Runtime's lock from publish: only sets flags."""
        if not self._lost.is_set():
            self._lost_why = why
            self._lost.set()

    # --- the elector thread ------------------------------------------------------------------

    def _elect_loop(self) -> None:
        while not self._stop.is_set() and self._need_runtime().fault is None:
            try:
                self._serve_one_term()
            except EtcdError as exc:
                log.warning("sealer election: %s; retrying", exc)
                self._stop.wait(RETRY_S)
            except Exception:  # a bug; keep taking part in the election
                log.exception("sealer election failed; retrying")
                self._stop.wait(RETRY_S)

    def _serve_one_term(self) -> None:
        lease = self._client.grant(self._config.lease_ttl_s)
        keep = self._client.keep_alive(lease, on_lost=lambda why: self._lose(f"lease lost: {why}"))
        try:
            leader = self._campaign(lease)
            if leader is None:
                return
            self._lead(leader)
        finally:
            keep.stop()
            with contextlib.suppress(EtcdError):  # it expires by itself
                self._client.revoke(lease.id)

    def _campaign(self, lease: Lease) -> LeaderKey | None:
        value = self._advertise.encode()
        while not self._stop.is_set():
            self._refresh_hint()
            try:
                return self._client.campaign(
                    self._keys.election, value, lease.id, timeout=CAMPAIGN_POLL_S
                )
            except EtcdTimeout:
                continue
        return None

    def _lead(self, leader: LeaderKey) -> None:
        runtime = self._need_runtime()
        if not self._wait_caught_up():
            self._resign(leader)
            return
        with self._role_lock:
            self._lost.clear()
            self._leader = leader
            runtime.promote()
            self._role_changed(self._advertise, sealer=True)
        log.info("this node is the sealer from height %d", _height(runtime) + 1)
        while not self._stop.is_set() and not self._lost.is_set():
            self._lost.wait(FAULT_POLL_S)
            if runtime.fault is not None:  # e.g. a full disk: let a healthy node seal
                self._lose(f"this node stopped: {runtime.fault}")
            elif time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + PRUNE_EVERY_S
                self._prune()
        why = self._lost_why or "this node is shutting down"
        with self._role_lock:
            self._leader = None
            runtime.demote(f"this node stopped sealing ({why}); {self._follower_message()}")
            self._role_changed("", sealer=False)
        log.warning("this node stepped down as sealer: %s", why)
        self._resign(leader)

    def _resign(self, leader: LeaderKey) -> None:
        try:
            self._client.resign(leader)
        except EtcdError as exc:
            log.info("resign: %s (the lease ends the term anyway)", exc)

    def _wait_caught_up(self) -> bool:
        """Until this node has applied every block in the log (nobody else can add one now)."""
        runtime = self._need_runtime()
        while not self._stop.is_set() and runtime.fault is None:
            page = self._client.range(
                self._keys.block(_height(runtime) + 1), self._keys.blocks_end, limit=1
            )
            if not page.kvs:
                return True
            self._stop.wait(0.01)
        return False

    def _refresh_hint(self) -> None:
        """Name the current sealer in the follower's UNAVAILABLE message."""
        try:
            current = self._client.leader(self._keys.election)
        except EtcdError:
            return
        self._sealer_is(current.value.decode(errors="replace") if current is not None else "")

    def _sealer_is(self, address: str) -> None:
        """Another node (or nobody: "") seals now; ignored while this node holds the role."""
        with self._role_lock:
            if self._leader is not None or address == self._advertise:
                return
            if address != self._sealer_address:
                self._role_changed(address, sealer=False)
                self._need_runtime().demote(self._follower_message())

    def _observe_loop(self) -> None:
        while not self._stop.is_set():
            try:
                reader = self._client.observe(self._keys.election)
                try:
                    while not self._stop.is_set():
                        current = reader.get(timeout=0.5)
                        if current is not None:
                            self._sealer_is(current.value.decode(errors="replace"))
                finally:
                    reader.close()
            except EtcdError as exc:
                log.info("observing the sealer election: %s; retrying", exc)
                self._stop.wait(RETRY_S)

    def _role_changed(self, address: str, *, sealer: bool) -> None:
        self._sealer_address = address
        self._metrics.leader_changes.inc()
        self._metrics.is_sealer.set(1 if sealer else 0)

    def _follower_message(self) -> str:
        if self._sealer_address and self._sealer_address != self._advertise:
            return f"this node is a follower; the sealer is {self._sealer_address}"
        return "this node is a follower; no sealer is elected right now, retry shortly"

    def _prune(self) -> None:
        """Drop blocks older than the last keep_blocks from the log and compact its history."""
        cut = _height(self._need_runtime()) - self._config.keep_blocks
        if cut <= self._pruned_below:
            return
        try:
            deleted = self._client.delete(self._keys.block(0), self._keys.block(cut))
            self._client.compact(deleted.revision)
        except EtcdError as exc:
            log.warning("pruning the block log below %d: %s", cut, exc)
            return
        self._pruned_below = cut

    # --- the applier thread ------------------------------------------------------------------

    def _apply_loop(self) -> None:
        while not self._stop.is_set():
            try:
                revision = self._catch_up()
                self._follow(revision + 1)
            except Halted:
                return  # the runtime has stopped (fork or store error) and said why
            except Compacted:
                continue  # read the current keys again
            except (EtcdError, grpc.RpcError, ValueError) as exc:
                log.warning("applying the block log: %s; retrying", exc)
                self._stop.wait(RETRY_S)
            except Exception as exc:  # a bug: stop loudly rather than fall silently behind
                log.exception("applying the block log failed")
                self._need_runtime().halt(f"applying the block log failed: {exc!r}")
                return

    def _catch_up(self) -> int:
        """Apply every block the log holds above this node's head; the revision read at."""
        runtime = self._need_runtime()
        start = _height(runtime) + 1
        revision = 0
        expected = start
        for page in self._client.pages(
            self._keys.block(start), self._keys.blocks_end, page_size=PAGE_BLOCKS
        ):
            revision = page.revision
            for kv in page.kvs:
                height = self._keys.height_of(kv.key)
                if height > expected:
                    self._fetch_from_sealer(expected, height - 1)
                self._apply(kv.value, height)
                expected = height + 1
        return revision

    def _follow(self, revision: int) -> None:
        runtime = self._need_runtime()
        watcher = self._client.watch(
            self._keys.blocks_prefix, self._keys.blocks_end, start_revision=revision
        )
        try:
            while not self._stop.is_set():
                event = watcher.get(timeout=0.5)
                if event is None or event.type is EventType.DELETE:
                    continue
                height = self._keys.height_of(event.kv.key)
                if height > _height(runtime) + 1:
                    return  # a gap: read the log again from our head
                self._apply(event.kv.value, height)
        finally:
            watcher.close()

    def _apply(self, raw: bytes, height: int) -> None:
        runtime = self._need_runtime()
        if height <= runtime.settled_height():  # the sealer's own block: no decode needed
            with self._own_lock:
                have = self._own.pop(height, None)
            if have is None:
                have = runtime.read(lambda ledger: _block_bytes(ledger, height))
            if have != raw:
                runtime.halt(f"block {height} in the log differs from the one this node holds")
                raise ForkDetected(f"block {height} differs")
            return
        try:
            block = decode_block(raw)
        except InvalidBlock as exc:
            runtime.halt(f"block {height} in the log does not decode: {exc}")
            raise ForkDetected(str(exc)) from None
        if block.height != height:
            runtime.halt(f"the log's key for height {height} holds block {block.height}")
            raise ForkDetected("height mismatch")
        if runtime.apply_block(block):
            lag_ms = time.time_ns() // 1_000_000 - block.header.timestamp_ms
            self._metrics.lag_seconds.observe(max(lag_ms, 0) / 1000)

    def _fetch_from_sealer(self, first: int, last: int) -> None:
        """Blocks first..last were pruned from the log: take them from the sealer's gRPC."""
        address = self._sealer_address
        if not address or address == self._advertise:
            raise ValueError(
                f"blocks {first}..{last} are no longer in the log and no other node is known "
                "to fetch them from"
            )
        log.info("fetching blocks %d..%d from %s", first, last, address)
        with peer_channel(address, self._config.peer_tls) as channel:
            stub = npb_grpc.NodeStub(channel)  # type: ignore[no-untyped-call]
            for height in range(first, last + 1):
                request = npb.GetBlockRequest(height=height, full=True)
                try:
                    info = stub.GetBlock(request, timeout=10)
                except grpc.RpcError as exc:
                    raise ValueError(self._fetch_failed(address, first, last, exc)) from None
                raw = pb.Block(sealed=info.sealed, transactions=info.transactions)
                self._apply(raw.SerializeToString(deterministic=True), height)
                self._metrics.fetched_blocks.inc()

    def _fetch_failed(self, address: str, first: int, last: int, exc: grpc.RpcError) -> str:
        how = "over TLS" if self._config.peer_tls is not None else "in plaintext"
        hint = (
            "; if the nodes serve TLS, give --peer-ca (and --peer-cert and --peer-key where "
            "they require client certificates)"
            if self._config.peer_tls is None
            else "; check --peer-ca, --peer-cert and --peer-key against that node's TLS"
        )
        code = exc.code().name if hasattr(exc, "code") else "error"
        details = exc.details() if hasattr(exc, "details") else str(exc)
        return (
            f"cannot fetch blocks {first}..{last} (pruned from etcd) from the sealer at "
            f"{address} {how}: {code} {details}{hint if code == 'UNAVAILABLE' else ''}"
        )

    def _need_runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("Replica.start(runtime) was not called")
        return self._runtime


def _height(runtime: Runtime) -> int:
    return runtime.read(_ledger_height)


def _ledger_height(ledger: Ledger) -> int:
    return ledger.height()


def _block_bytes(ledger: Ledger, height: int) -> bytes:
    block: Block = ledger.block(height).block
    return block.to_bytes()
