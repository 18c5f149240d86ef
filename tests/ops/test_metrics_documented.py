"""docs/operations.md's metrics table and the node's registry cannot drift apart.

The tables (name, type, labels, meaning) are parsed from the doc: the node's table under
"Metrics" and the replicated mode's table under "Replicated mode (etcd)". A fresh `Metrics()`
registry with the `ReplicationMetrics` a replicated node (`--etcd`) adds to it must expose
exactly those names with those types, and DESIGN.md section 12's list (`METRIC_NAMES`) must be
among them. Every `vmchain_` series the alert rules and the Grafana
dashboard query must be one the node exposes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from vmchain.node.metrics import METRIC_NAMES, OPERATIONS_METRIC_NAMES, Metrics
from vmchain.replication.metrics import ReplicationMetrics

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations.md"
ROW = re.compile(r"^\| `(vmchain_\w+)` \| (\w+) \|([^|]*)\|")
_SUFFIXES = ("_bucket", "_sum", "_count", "_created")


def documented() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (type, label names) from the metrics tables of docs/operations.md."""
    rows: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in DOC.read_text().splitlines():
        match = ROW.match(line)
        if match:
            name, kind, labels = match.groups()
            assert name not in rows, f"{name} is documented twice"
            rows[name] = (kind, tuple(re.findall(r"`(\w+)`", labels)))
    return rows


def _collectors(
    groups: list[object],
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (type, label names) of the collectors in `groups` (counters with _total)."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for value in groups:
        collectors = vars(value).values() if not isinstance(value, MetricWrapperBase) else [value]
        for collector in collectors:
            if isinstance(collector, MetricWrapperBase):
                kind = str(collector._type)
                name = collector._name + ("_total" if kind == "counter" else "")
                found[name] = (kind, tuple(collector._labelnames))
    return found


def replication_names() -> set[str]:
    """The series `ReplicationMetrics` adds to a replicated node's registry."""
    return set(_collectors([ReplicationMetrics(Metrics().registry)]))


def exposed() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (type, label names) of every collector a replicated node registers: the node's
    own (a lone node has exactly these) and replicated mode's."""
    metrics = Metrics()
    replication = ReplicationMetrics(metrics.registry)
    found = _collectors([*vars(metrics).values(), replication])
    registered = {family.name for family in metrics.registry.collect()}
    assert {name.removesuffix("_total") for name in found} == registered
    return found


def test_the_doc_table_is_what_the_node_exposes() -> None:
    doc = documented()
    assert len(doc) >= 20
    assert doc == exposed()


def test_design_and_operations_names_are_documented() -> None:
    doc = documented()
    assert set(METRIC_NAMES) | set(OPERATIONS_METRIC_NAMES) | replication_names() == set(doc)
    assert replication_names() == {
        "vmchain_replication_is_sealer",
        "vmchain_replication_leader_changes_total",
        "vmchain_replication_etcd_commit_seconds",
        "vmchain_replication_lag_seconds",
        "vmchain_replication_fetched_blocks_total",
    }


def _series(text: str) -> set[str]:
    return set(re.findall(r"\bvmchain_\w+", text))


def _base(series: str, names: set[str]) -> str | None:
    if series in names:
        return series
    for suffix in _SUFFIXES:
        if series.endswith(suffix) and series.removesuffix(suffix) in names:
            return series.removesuffix(suffix)
    return None


def test_alerts_and_dashboard_query_only_exposed_metrics() -> None:
    names = set(documented())
    alerts = (ROOT / "deploy" / "prometheus" / "alerts.yml").read_text()
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "vmchain.json").read_text())
    exprs = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]
    used = _series(alerts) | _series("\n".join(exprs))
    assert used, "no vmchain_ series found"
    unknown = sorted(s for s in used if _base(s, names) is None)
    assert unknown == []
