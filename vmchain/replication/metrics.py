"""Prometheus collectors of replicated mode, in the node's registry (docs/operations.md)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ReplicationMetrics:
    """Role, leader changes, etcd commit latency, replication lag, blocks fetched from peers."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.is_sealer = Gauge(
            "vmchain_replication_is_sealer", "1 while this node is the elected sealer", registry=r
        )
        self.leader_changes = Counter(
            "vmchain_replication_leader_changes",
            "Times this node saw the sealer change (elected, stepped down, another node)",
            registry=r,
        )
        self.commit_seconds = Histogram(
            "vmchain_replication_etcd_commit_seconds",
            "Guarded etcd commit of one sealed block, as the sealer saw it",
            buckets=_LATENCY,
            registry=r,
        )
        self.lag_seconds = Histogram(
            "vmchain_replication_lag_seconds",
            "From a block's timestamp to this node applying it from the log",
            buckets=_LATENCY,
            registry=r,
        )
        self.fetched_blocks = Counter(
            "vmchain_replication_fetched_blocks",
            "Blocks fetched from the sealer's gRPC because etcd no longer held them",
            registry=r,
        )
