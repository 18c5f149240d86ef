"""Wiring of a node: store, ledger, runtime, gRPC server, health, reflection, metrics; shutdown.

`NodeServer(config, genesis=..., key=...)` opens the RocksDB store under the data dir, the
Ledger, the Runtime (the sealer thread) and a gRPC server with the Node service (and Dev with
`config.dev`), standard health and reflection, the interceptor for errors and metrics, message
size limits, and the Prometheus endpoint. `stop()` is the graceful path SIGTERM takes: health goes
NOT_SERVING, submissions are refused, the pending txs are sealed (bounded), streams end, the gRPC
server drains, the store is flushed and closed.

Storage faults (docs/operations.md): before the read-write open of an existing data dir the
database is opened read-only and the chain's head checked (`probe_store`): RocksDB deletes
table files its MANIFEST does not name when it opens a database for writing, so a damaged
MANIFEST would otherwise lose them for good and show an older or empty chain. A write that
fails while the node runs stops sealing (Runtime); the node keeps serving reads, reports
NOT_SERVING, and on stop closes the store as far as RocksDB lets it (the next start recovers
every block whose synced write completed from the write-ahead log).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from vmchain._proto.vmchain.v1 import dev_pb2, node_pb2
from vmchain._proto.vmchain.v1 import dev_pb2_grpc as dpb_grpc
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc
from vmchain.chain.genesis import Genesis
from vmchain.chain.ledger import Ledger
from vmchain.chain.sealer import SealerPolicy
from vmchain.chain.store import ChainStore, open_rocks
from vmchain.chain.verify import DEFAULT_CHECK_BLOCKS, check_recent_blocks
from vmchain.crypto import PrivateKey, address_to_text
from vmchain.node.clock import Clock, DevClock, SystemClock
from vmchain.node.config import NodeConfig, db_path, is_loopback, read_tls
from vmchain.node.dev import DevService
from vmchain.node.errors import ConfigError
from vmchain.node.failpoints import FailingStore, FailPoints
from vmchain.node.interceptor import ServiceInterceptor
from vmchain.node.metrics import Metrics, MetricsServer
from vmchain.node.runtime import Runtime
from vmchain.node.service import NodeService
from vmchain.state.errors import StoreError, UnknownColumnFamily
from vmchain.state.kv import Store
from vmchain.state.rocks import (
    DamagedStore,
    RocksStore,
    check_current,
    database_exists,
    table_files,
)

log = logging.getLogger(__name__)

NODE_SERVICE = node_pb2.DESCRIPTOR.services_by_name["Node"].full_name
DEV_SERVICE = dev_pb2.DESCRIPTOR.services_by_name["Dev"].full_name
HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where a started node listens (ports resolved when the config asked for port 0)."""

    grpc: str
    metrics: str | None


def _with_port(address: str, port: int) -> str:
    host = address.rpartition(":")[0]
    return f"{host}:{port}"


def probe_store(path: Path) -> None:
    """Check an existing database at `path` before the node opens it for writing: opened
    read-only (nothing is deleted or written), it must hold a chain whose head block and state
    journal agree (Ledger.open's checks). DamagedStore or CorruptStore otherwise; nothing
    when there is no database yet."""
    check_current(str(path))
    if not database_exists(str(path)):
        return
    store = RocksStore(str(path), (), read_only=True)
    try:
        if _genesis_text(store) is None:
            tables = table_files(str(path))
            if tables:
                raise DamagedStore(
                    f"RocksDB at {path} holds {len(tables)} table files but no chain: its "
                    "MANIFEST does not name them (truncated or damaged?)"
                )
            return
        Ledger.open(store).close()
    finally:
        store.close()


def _genesis_text(store: Store) -> str | None:
    try:
        return ChainStore(store).genesis_text()
    except UnknownColumnFamily:  # created, but the chain's column families never were
        return None


class NodeServer:
    """One node: open with the constructor, `start()`, then `stop()` (idempotent)."""

    def __init__(
        self,
        config: NodeConfig,
        *,
        genesis: Genesis | None,
        key: PrivateKey,
        check_blocks: int = DEFAULT_CHECK_BLOCKS,
        failpoints: FailPoints | None = None,
        replicated: bool = False,
    ) -> None:
        """Open the store and the ledger; the last `check_blocks` blocks are re-executed
        first (0: none) and a mismatch refuses the start (CorruptStore naming the block)."""
        self.config = config
        self._key = key
        self._check_blocks = check_blocks
        self._failpoints = failpoints if failpoints is not None else FailPoints()
        self._tmp_dir: Path | None = None
        data_dir = config.data_dir
        if data_dir is None:
            if not config.dev:
                raise ConfigError("--data-dir is required without --dev")
            data_dir = self._tmp_dir = Path(tempfile.mkdtemp(prefix="vmchain-dev-"))
        self.data_dir = data_dir
        self.metrics = Metrics()
        self.clock: Clock = DevClock() if config.dev else SystemClock()
        self.health = health.HealthServicer(experimental_non_blocking=True)
        self.endpoints = Endpoints(config.grpc_address, config.metrics_address)
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._server: Any = None
        self._metrics_server: MetricsServer | None = None
        try:
            self.ledger = self._open_ledger(genesis)
            self._check_authority()
        except BaseException:
            self._remove_tmp_dir()
            raise
        self.runtime = Runtime(
            self.ledger,
            key=key,
            policy=SealerPolicy.from_params(
                self.ledger.params, config.block_time_ms, config.heartbeat_ms
            ),
            clock=self.clock,
            mempool_limits=config.mempool,
            metrics=self.metrics,
            on_fault=self._on_fault,
            failpoints=self._failpoints,
            sealing=not replicated,  # replicated mode seals only once elected
        )

    def _open_ledger(self, genesis: Genesis | None) -> Ledger:
        path = db_path(self.data_dir)
        probe_store(path)
        if genesis is None and not (path / "CURRENT").exists():
            raise ConfigError(
                f"{self.data_dir} holds no chain; create one first with "
                f"`vmchain init --genesis FILE --data-dir {self.data_dir}`"
            )
        rocks = open_rocks(str(path))
        store: Store = FailingStore(rocks, self._failpoints) if self._failpoints else rocks
        try:
            ledger = Ledger.open(store, genesis, retain_heights=self.config.retain_heights)
        except BaseException:
            store.close()
            raise
        try:
            checked = check_recent_blocks(ledger, self._check_blocks, before_each=self._startup_hit)
        except BaseException:
            ledger.close()
            raise
        if checked:
            log.info("start-up check: blocks %d..%d re-executed", checked[0], checked[-1])
        return ledger

    def _startup_hit(self, height: int) -> None:
        del height
        self._failpoints.hit("startup.check")

    def _check_authority(self) -> None:
        authorities = self.ledger.genesis.authorities
        if self._key.address not in authorities:
            self.ledger.close()
            listed = ", ".join(address_to_text(a) for a in authorities)
            raise ConfigError(
                f"the node key's address {address_to_text(self._key.address)} is not an "
                f"authority of chain {self.ledger.genesis.chain_id!r} (authorities: {listed})"
            )

    # -----------------------------------------------------------------------------------------

    def start(self) -> Endpoints:
        """Start the sealer, the gRPC server and the metrics endpoint; returns the endpoints."""
        config = self.config
        server = grpc.server(
            ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="vmchain-grpc"),
            interceptors=[ServiceInterceptor(self.metrics)],
            options=self._grpc_options(),
            maximum_concurrent_rpcs=config.max_concurrent_rpcs,
        )
        npb_grpc.add_NodeServicer_to_server(  # type: ignore[no-untyped-call]
            NodeService(
                self.runtime,
                dev=config.dev,
                call_gas_cap=config.call_gas_cap,
                max_streams=config.max_streams,
            ),
            server,
        )
        services = [NODE_SERVICE, HEALTH_SERVICE]
        if config.dev:
            assert isinstance(self.clock, DevClock)
            dpb_grpc.add_DevServicer_to_server(  # type: ignore[no-untyped-call]
                DevService(self.runtime, self.clock), server
            )
            services.append(DEV_SERVICE)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        if config.reflection:
            reflection.enable_server_reflection([*services, reflection.SERVICE_NAME], server)
        port = self._bind(server, config)
        self._server = server
        self.runtime.start()
        server.start()
        for name in ["", *services]:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        metrics_address = None
        if config.metrics_address is not None:
            self._metrics_server = MetricsServer(self.metrics, config.metrics_address)
            metrics_address = _with_port(config.metrics_address, self._metrics_server.port)
        self.endpoints = Endpoints(_with_port(config.grpc_address, port), metrics_address)
        self._warn_exposure()
        return self.endpoints

    def _grpc_options(self) -> list[tuple[str, int]]:
        return [
            ("grpc.max_receive_message_length", self.config.max_receive_bytes),
            ("grpc.max_send_message_length", self.config.max_send_bytes),
            ("grpc.so_reuseport", 0),  # a port in use is an error, not a shared socket
            # Clients may ping (the SDK does every 2 s during a call, to notice a silent node);
            # no ping rate is punished with GOAWAY.
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_recv_ping_interval_without_data_ms", 10_000),
            ("grpc.http2.max_ping_strikes", 0),
        ]

    @staticmethod
    def _bind(server: Any, config: NodeConfig) -> int:
        address = config.grpc_address
        try:
            if config.tls is None:
                port: int = server.add_insecure_port(address)
            else:
                cert, key, client_ca = read_tls(config.tls)
                credentials = grpc.ssl_server_credentials(
                    [(key, cert)],
                    root_certificates=client_ca,
                    require_client_auth=client_ca is not None,
                )
                port = server.add_secure_port(address, credentials)
        except RuntimeError as exc:
            raise ConfigError(f"--grpc: cannot listen on {address}: {exc}") from None
        if port == 0:
            raise ConfigError(f"--grpc: cannot listen on {address}")
        return port

    def _warn_exposure(self) -> None:
        if not is_loopback(self.config.grpc_address) and self.config.tls is None:
            log.warning("gRPC listens on %s without TLS", self.config.grpc_address)
            if self.config.dev:
                log.warning("the Dev service is reachable from other hosts")
        if self.config.metrics_address and not is_loopback(self.config.metrics_address):
            log.warning("metrics are served on %s (not loopback)", self.config.metrics_address)

    def _on_fault(self, why: str) -> None:
        log.error("sealing stopped: %s; health is NOT_SERVING", why)
        for name in ["", NODE_SERVICE]:
            self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

    # -----------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Graceful shutdown: NOT_SERVING, refuse submissions, seal what is pending, drain the
        gRPC server, flush and close the store. Safe to call twice."""
        with self._stop_lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
        self.health.enter_graceful_shutdown()
        self.runtime.begin_shutdown()
        if not self.runtime.join(timeout=self.runtime.drain_seconds + 10):
            log.error("the sealer did not finish within its drain time")
        self.runtime.close()
        if self._server is not None:
            self._server.stop(self.config.shutdown_grace_s).wait()
        try:
            if not self.runtime.close_ledger(timeout_s=10):
                log.error("the store could not be closed: the sealer still holds it")
        except StoreError as exc:
            log.error("%s; the next start recovers every completed block write from the WAL", exc)
        if self._metrics_server is not None:
            self._metrics_server.close()
        self._remove_tmp_dir()
        log.info("node stopped")

    def _remove_tmp_dir(self) -> None:
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)

    def wait_stopped(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)
