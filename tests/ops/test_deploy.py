"""deploy/ checked without Docker (no engine here): the health check against a real node, and
static checks of the Dockerfile, docker-compose.yml, the Grafana files and the systemd unit.

PyYAML is not a dependency, so the YAML files are checked line by line for what matters (the
files Prometheus loads are checked by promtool in test_promtool.py).
"""

from __future__ import annotations

import importlib
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
node_helpers: Any = importlib.import_module("node_helpers")

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
HEALTHCHECK = DEPLOY / "healthcheck.py"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    base = tmp_path_factory.mktemp("deploy-node")
    process = node_helpers.NodeProcess(None, log_path=base / "node.log").start()
    try:
        yield process
    finally:
        assert process.stop() == 0


def _health(address: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK), address],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.e2e
def test_healthcheck_passes_on_a_serving_node(node: Any) -> None:
    done = _health(node.ready["grpc"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"healthy: {node.ready['grpc']}: vmchain.v1.Node is SERVING"


def test_healthcheck_fails_where_no_node_listens() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{sock.getsockname()[1]}"  # bound, not listening: refused
        done = _health(address)
    assert done.returncode == 1
    assert done.stderr.startswith(f"unhealthy: {address}: UNAVAILABLE")


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    rows = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            rows.append((keyword.upper(), rest.strip()))
    return rows


def test_dockerfile_runs_as_non_root_with_a_volume_and_a_grpc_health_check() -> None:
    rows = _instructions((DEPLOY / "Dockerfile").read_text())
    keywords = [k for k, _ in rows]
    assert keywords[0] == "FROM"
    users = [rest for k, rest in rows if k == "USER"]
    assert users == ["vmchain:vmchain"]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert ("VOLUME", '["/data"]') in rows
    (health,) = [rest for k, rest in rows if k == "HEALTHCHECK"]
    assert "/usr/local/lib/vmchain/healthcheck.py" in health
    assert ("COPY", "deploy/healthcheck.py /usr/local/lib/vmchain/healthcheck.py") in rows
    for source in [rest.split()[0] for k, rest in rows if k == "COPY"]:
        assert (DEPLOY.parent / source).exists(), source
    assert ("ENTRYPOINT", '["vmchain"]') in rows


def test_compose_wires_node_prometheus_and_grafana() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    services = re.findall(r"^  (\w+):$", text.split("\nvolumes:")[0], re.M)
    assert services == ["node", "prometheus", "grafana"]
    for mount in re.findall(r"^      - \./(\S+?):", text, re.M):  # commented-out ones skipped
        assert (DEPLOY / mount).exists(), mount
    assert "dockerfile: deploy/Dockerfile" in text
    published = re.findall(r'- "([\d.]+):(\d+):(\d+)"', text)
    assert published and all(host == "127.0.0.1" for host, _, _ in published)
    assert "node:9464" in (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    assert (
        "url: http://prometheus:9090"
        in (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )


def test_grafana_dashboard_is_valid_and_covers_the_issue() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "vmchain.json").read_text())
    assert dashboard["uid"] == "vmchain"
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    exprs = " ".join(t["expr"] for p in panels for t in p["targets"])
    for needed in (
        "vmchain_chain_height",
        "vmchain_transactions_total",
        "vmchain_tx_inclusion_seconds_bucket",
        "vmchain_mempool_transactions",
        "vmchain_tx_rejected_total",
        'code!="OK"',
        "vmchain_parking_fees_settled_total",
        "vmchain_parking_sessions_open",
    ):
        assert needed in exprs, needed
    provider = (DEPLOY / "grafana" / "provisioning" / "dashboards" / "vmchain.yml").read_text()
    assert "path: /var/lib/grafana/dashboards" in provider


def test_systemd_unit() -> None:
    text = (DEPLOY / "systemd" / "vmchain.service").read_text()
    sections = re.findall(r"^\[(\w+)\]$", text, re.M)
    assert sections == ["Unit", "Service", "Install"]
    settings = dict(
        line.split("=", 1) for line in text.splitlines() if re.match(r"^[A-Z]\w+=", line)
    )
    assert settings["User"] == "vmchain"
    assert settings["KillSignal"] == "SIGTERM"
    assert settings["ExecStart"].startswith("/opt/vmchain/bin/vmchain node")
    assert "--grpc 127.0.0.1:50051" in text and "--metrics 127.0.0.1:9464" in text
