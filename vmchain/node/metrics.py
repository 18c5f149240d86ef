"""Prometheus metrics of a node (DESIGN.md section 12): collectors, recording hooks, HTTP server.

Every collector lives in the node's own `CollectorRegistry` (so tests can build many nodes in one
process) and is served by prometheus_client's HTTP server on its own port, loopback by default.
The names are an API: tests/node/test_metrics.py fails when one disappears or is renamed. The
runtime reports blocks, rejections and mempool size through the methods here; the gRPC ones are
recorded by node/interceptor.py, never by hand inside an RPC.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from vmchain.chain.errors import Reason
from vmchain.chain.receipt import STATUS_NAMES, Receipt
from vmchain.node.config import split_address

_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_INCLUSION = (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_TX_COUNTS = (0, 1, 5, 10, 50, 100, 250, 500, 1000, 2000, 5000)
_GAS = (0, 21_000, 100_000, 1_000_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000)

# Every metric name (as exposed, counters with their _total suffix): the API the test pins.
METRIC_NAMES: tuple[str, ...] = (
    "vmchain_chain_height",
    "vmchain_last_block_timestamp_seconds",
    "vmchain_block_seal_seconds",
    "vmchain_block_transactions",
    "vmchain_block_gas_used",
    "vmchain_transactions_total",
    "vmchain_tx_rejected_total",
    "vmchain_tx_inclusion_seconds",
    "vmchain_mempool_transactions",
    "vmchain_mempool_bytes",
    "vmchain_vm_gas_total",
    "vmchain_state_commit_seconds",
    "vmchain_grpc_requests_total",
    "vmchain_grpc_request_seconds",
    "vmchain_contract_events_total",
)


@dataclass(frozen=True, slots=True)
class BlockStats:
    """What the runtime measured about one committed block."""

    height: int
    timestamp_ms: int
    gas_used: int
    receipts: tuple[Receipt, ...]
    seal_seconds: float  # propose: execute and seal
    commit_seconds: float  # the one synced write
    inclusion_seconds: tuple[float, ...]  # submit -> durable, per tx submitted here


class Metrics:
    """The node's collectors and the hooks that move them."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.chain_height = Gauge("vmchain_chain_height", "Height of the head block", registry=r)
        self.last_block_timestamp = Gauge(
            "vmchain_last_block_timestamp_seconds",
            "Timestamp of the head block (Unix seconds)",
            registry=r,
        )
        self.block_seal = Histogram(
            "vmchain_block_seal_seconds",
            "Time to execute and seal a block (before the commit)",
            buckets=_SECONDS,
            registry=r,
        )
        self.block_transactions = Histogram(
            "vmchain_block_transactions", "Transactions per block", buckets=_TX_COUNTS, registry=r
        )
        self.block_gas_used = Histogram(
            "vmchain_block_gas_used", "Gas used per block", buckets=_GAS, registry=r
        )
        self.transactions = Counter(
            "vmchain_transactions", "Sealed transactions by receipt status", ["status"], registry=r
        )
        self.tx_rejected = Counter(
            "vmchain_tx_rejected",
            "Transactions refused admission, by reason",
            ["reason"],
            registry=r,
        )
        self.tx_inclusion = Histogram(
            "vmchain_tx_inclusion_seconds",
            "Time from submission to a sealed, durable receipt",
            buckets=_INCLUSION,
            registry=r,
        )
        self.mempool_transactions = Gauge(
            "vmchain_mempool_transactions", "Transactions waiting in the mempool", registry=r
        )
        self.mempool_bytes = Gauge(
            "vmchain_mempool_bytes", "Encoded bytes of the mempool's transactions", registry=r
        )
        self.vm_gas = Counter("vmchain_vm_gas", "Gas used by sealed transactions", registry=r)
        self.state_commit = Histogram(
            "vmchain_state_commit_seconds",
            "Time of a block's one synced write (state, block, receipts, index, head)",
            buckets=_SECONDS,
            registry=r,
        )
        self.grpc_requests = Counter(
            "vmchain_grpc_requests",
            "gRPC calls by method and status code",
            ["method", "code"],
            registry=r,
        )
        self.grpc_request_seconds = Histogram(
            "vmchain_grpc_request_seconds",
            "gRPC call latency by method (streams: until the stream ends)",
            ["method"],
            buckets=_SECONDS,
            registry=r,
        )
        self.contract_events = Counter(
            "vmchain_contract_events",
            "Contract events in sealed blocks, by name",
            ["event"],
            registry=r,
        )
        for status in STATUS_NAMES:
            self.transactions.labels(status=status)
        for reason in Reason:
            self.tx_rejected.labels(reason=reason.value)

    def head(self, height: int, timestamp_ms: int) -> None:
        """The head block is `height`, stamped `timestamp_ms`."""
        self.chain_height.set(height)
        self.last_block_timestamp.set(timestamp_ms / 1000)

    def block_committed(self, stats: BlockStats) -> None:
        self.head(stats.height, stats.timestamp_ms)
        self.block_seal.observe(stats.seal_seconds)
        self.state_commit.observe(stats.commit_seconds)
        self.block_transactions.observe(len(stats.receipts))
        self.block_gas_used.observe(stats.gas_used)
        self.vm_gas.inc(stats.gas_used)
        for receipt in stats.receipts:
            self.transactions.labels(status=receipt.status).inc()
            for event in receipt.events:
                self.contract_events.labels(event=event.name).inc()
        for seconds in stats.inclusion_seconds:
            self.tx_inclusion.observe(seconds)

    def rejected(self, reasons: Iterable[str]) -> None:
        for reason in reasons:
            self.tx_rejected.labels(reason=reason).inc()

    def mempool(self, count: int, size_bytes: int) -> None:
        self.mempool_transactions.set(count)
        self.mempool_bytes.set(size_bytes)

    def grpc_request(self, method: str, code: str, seconds: float) -> None:
        self.grpc_requests.labels(method=method, code=code).inc()
        self.grpc_request_seconds.labels(method=method).observe(seconds)


class MetricsServer:
    """prometheus_client's HTTP server for one registry, on its own thread."""

    def __init__(self, metrics: Metrics, address: str) -> None:
        host, port = split_address(address)
        self._httpd: WSGIServer
        self._thread: threading.Thread
        self._httpd, self._thread = start_http_server(port, host, registry=metrics.registry)

    @property
    def port(self) -> int:
        port: int = self._httpd.server_port
        return port

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
