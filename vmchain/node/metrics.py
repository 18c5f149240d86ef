"""Prometheus metrics of a node (DESIGN.md section 12): collectors, recording hooks, HTTP server.

Every collector lives in the node's own `CollectorRegistry` (so tests can build many nodes in one
process) and is served by prometheus_client's HTTP server on its own port, loopback by default.
The names are an API: tests/node/test_e2e_node_metrics.py pins DESIGN.md's list and
tests/ops/test_metrics_documented.py fails when a name in docs/operations.md's table disappears.
The runtime reports blocks, rejections, mempool size and store failures through the methods here;
the gRPC ones are recorded by node/interceptor.py, never by hand inside an RPC.

The parking view (`ParkingView`) is derived from the events of sealed blocks: parking sessions
(SessionOpened, SessionClosed and its fee) and payment channels (ChannelOpened, Redeemed,
ChannelClosed). Labels are bounded (the event kind only, never a lot, vehicle or channel id).
It counts what this process saw sealed: counters restart at zero with the node (use rate()),
and `vmchain_parking_sessions_open` counts the sessions opened since the node started that
are still open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from vmchain.chain.errors import Reason
from vmchain.chain.receipt import STATUS_NAMES, Event, Receipt
from vmchain.encoding import abi
from vmchain.encoding.errors import EncodingError
from vmchain.node.config import split_address

_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_INCLUSION = (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_TX_COUNTS = (0, 1, 5, 10, 50, 100, 250, 500, 1000, 2000, 5000)
_DURATION = (60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 259_200, 604_800)
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

# Beyond DESIGN.md section 12: what operators alert on and the parking view.
OPERATIONS_METRIC_NAMES: tuple[str, ...] = (
    "vmchain_mempool_capacity_transactions",
    "vmchain_mempool_capacity_bytes",
    "vmchain_store_errors_total",
    "vmchain_parking_sessions_opened_total",
    "vmchain_parking_sessions_closed_total",
    "vmchain_parking_sessions_open",
    "vmchain_parking_fees_settled_total",
    "vmchain_parking_session_duration_seconds",
    "vmchain_channel_vouchers_redeemed_total",
    "vmchain_channel_redeemed_amount_total",
    "vmchain_channel_settlement_lag_seconds",
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


def _fields(event: Event, count: int) -> tuple[abi.AbiValue, ...] | None:
    """The event's decoded fields when there are `count` of them (another contract's event of
    the same name with another shape is ignored)."""
    try:
        values = abi.decode(event.data)
    except EncodingError:
        return None
    return values if len(values) == count else None


def _int(value: abi.AbiValue) -> int:
    return value if isinstance(value, int) else 0


class ParkingView:
    """Parking sessions, fees and payment-channel settlement, from sealed contract events."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.opened = Counter(
            "vmchain_parking_sessions_opened", "Parking sessions opened (SessionOpened)", registry=r
        )
        self.closed = Counter(
            "vmchain_parking_sessions_closed", "Parking sessions closed (SessionClosed)", registry=r
        )
        self.open_now = Gauge(
            "vmchain_parking_sessions_open",
            "Parking sessions opened since the node started and not yet closed",
            registry=r,
        )
        self.fees = Counter(
            "vmchain_parking_fees_settled",
            "Parking fees settled at exit, smallest unit (float: not for accounting)",
            registry=r,
        )
        self.duration = Histogram(
            "vmchain_parking_session_duration_seconds",
            "Parking session length at exit (exit - entry, block time)",
            buckets=_DURATION,
            registry=r,
        )
        self.redeemed = Counter(
            "vmchain_channel_vouchers_redeemed",
            "Payment-channel vouchers settled on chain (Redeemed)",
            registry=r,
        )
        self.redeemed_amount = Counter(
            "vmchain_channel_redeemed_amount",
            "Value paid to payees by redeemed vouchers, smallest unit (float: not for accounting)",
            registry=r,
        )
        self.settlement_lag = Histogram(
            "vmchain_channel_settlement_lag_seconds",
            "Block time from a channel's open (or previous redemption) to a redemption or close",
            buckets=_DURATION,
            registry=r,
        )
        self._sessions: set[tuple[bytes, bytes]] = set()  # (contract, vehicle) open sessions
        self._channels: dict[tuple[bytes, int], int] = {}  # (contract, id) -> last settled, s
        self._handlers: dict[
            str, tuple[int, Callable[[Event, tuple[abi.AbiValue, ...], int], None]]
        ]
        self._handlers = {
            "SessionOpened": (3, self._session_opened),
            "SessionClosed": (5, self._session_closed),
            "ChannelOpened": (5, self._channel_opened),
            "Redeemed": (3, self._redeemed),
            "ChannelClosed": (3, self._channel_closed),
        }

    def observe(self, timestamp_ms: int, receipts: Iterable[Receipt]) -> None:
        """Move the view by the events of one sealed block stamped `timestamp_ms`."""
        now_s = timestamp_ms // 1000
        for receipt in receipts:
            for event in receipt.events:
                handler = self._handlers.get(event.name)
                if handler is None:
                    continue
                values = _fields(event, handler[0])
                if values is not None:
                    handler[1](event, values, now_s)
        self.open_now.set(len(self._sessions))

    def _session_opened(self, event: Event, values: tuple[abi.AbiValue, ...], now_s: int) -> None:
        self.opened.inc()
        vehicle = values[1]
        if isinstance(vehicle, bytes):
            self._sessions.add((event.contract, vehicle))

    def _session_closed(self, event: Event, values: tuple[abi.AbiValue, ...], now_s: int) -> None:
        self.closed.inc()
        vehicle = values[1]
        if isinstance(vehicle, bytes):
            self._sessions.discard((event.contract, vehicle))
        self.fees.inc(_int(values[4]))
        self.duration.observe(max(0, _int(values[3]) - _int(values[2])))

    def _channel_opened(self, event: Event, values: tuple[abi.AbiValue, ...], now_s: int) -> None:
        self._channels[(event.contract, _int(values[0]))] = now_s

    def _redeemed(self, event: Event, values: tuple[abi.AbiValue, ...], now_s: int) -> None:
        self.redeemed.inc()
        self.redeemed_amount.inc(_int(values[2]))
        self._settled(event.contract, _int(values[0]), now_s, closing=False)

    def _channel_closed(self, event: Event, values: tuple[abi.AbiValue, ...], now_s: int) -> None:
        self._settled(event.contract, _int(values[0]), now_s, closing=True)

    def _settled(self, contract: bytes, channel_id: int, now_s: int, *, closing: bool) -> None:
        key = (contract, channel_id)
        last = self._channels.pop(key, None) if closing else self._channels.get(key)
        if last is not None:
            self.settlement_lag.observe(max(0, now_s - last))
        if not closing:
            self._channels[key] = now_s


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
        self.mempool_capacity_transactions = Gauge(
            "vmchain_mempool_capacity_transactions",
            "The mempool's limit on transactions (alerts use mempool/capacity)",
            registry=r,
        )
        self.mempool_capacity_bytes = Gauge(
            "vmchain_mempool_capacity_bytes", "The mempool's limit on encoded bytes", registry=r
        )
        self.store_errors = Counter(
            "vmchain_store_errors",
            "Failures to execute or write a block (the node stops sealing after one)",
            registry=r,
        )
        self.parking = ParkingView(r)
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
        self.parking.observe(stats.timestamp_ms, stats.receipts)

    def mempool_capacity(self, max_transactions: int, max_bytes: int) -> None:
        self.mempool_capacity_transactions.set(max_transactions)
        self.mempool_capacity_bytes.set(max_bytes)

    def store_failed(self) -> None:
        """Sealing a block failed in execution or in the synced write; sealing stops."""
        self.store_errors.inc()

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
