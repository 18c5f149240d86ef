"""A real Prometheus server scrapes a real `vmchain node --dev` with the project's scrape config.

deploy/prometheus/prometheus.yml is copied with three edits (the target becomes the node's
loopback metrics port, the intervals 1 s, the rule file an absolute path), Prometheus runs on a
free loopback port with its own storage dir, the test seals some transfers, then asks
Prometheus's HTTP API (/api/v1/query) until it has scraped the final head, and checks that the
height and the transaction counters it holds are what the node itself reports (GetNodeInfo and
the headers' tx_count), that the alert rules loaded and that every query of the Grafana
dashboard evaluates. Skipped only where the `prometheus`
binary is absent (CI installs Debian's package in .ci/run).
"""

from __future__ import annotations

import importlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.crypto import PrivateKey, Scheme

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
node_helpers: Any = importlib.import_module("node_helpers")

pytestmark = pytest.mark.e2e

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
TRANSFERS = 8
WAIT_S = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/prometheus/prometheus.yml no longer holds {old!r}"
    return text.replace(old, new)


def scrape_config(metrics_address: str) -> str:
    """The project's scrape config, pointed at `metrics_address`, scraping every second."""
    text = (DEPLOY / "prometheus.yml").read_text()
    text = _replace_once(text, '"node:9464"', f'"{metrics_address}"')
    text = _replace_once(text, "scrape_interval: 5s", "scrape_interval: 1s")
    text = _replace_once(text, "evaluation_interval: 5s", "evaluation_interval: 1s")
    return _replace_once(text, "- alerts.yml", f"- {DEPLOY / 'alerts.yml'}")


class Prometheus:
    """One Prometheus server process on a loopback port."""

    def __init__(self, config: Path, storage: Path, log: Path) -> None:
        self.port = _free_port()
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={storage}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}" + (f"?{query}" if query else "")
        with urllib.request.urlopen(url, timeout=5) as response:
            document = json.loads(response.read())
        assert document["status"] == "success", document
        return document["data"]

    def value(self, expr: str) -> float | None:
        """The single value of an instant query, None when it has no result (yet)."""
        try:
            result = self.api("query", query=expr)["result"]
        except OSError:
            return None  # not listening yet
        return float(result[0]["value"][1]) if result else None

    def wait_for(self, expr: str, expected: float) -> float | None:
        deadline = time.monotonic() + WAIT_S
        value = self.value(expr)
        while value != expected and time.monotonic() < deadline:
            time.sleep(0.25)
            value = self.value(expr)
        return value

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()


@pytest.fixture()
def node(tmp_path: Path) -> Iterator[Any]:
    process = node_helpers.NodeProcess(tmp_path / "data", log_path=tmp_path / "node.log").start()
    try:
        yield process
    finally:
        assert process.stop() == 0


@pytest.mark.skipif(
    not Path(PROMETHEUS).exists(),
    reason="the prometheus binary is not installed (apt-get install prometheus; .ci/run does)",
)
def test_prometheus_scrapes_height_and_tx_counters(node: Any, tmp_path: Path) -> None:
    config = tmp_path / "prometheus.yml"
    config.write_text(scrape_config(node.ready["metrics"]))
    server = Prometheus(config, tmp_path / "tsdb", tmp_path / "prometheus.log")
    try:
        stub = node.node
        to = PrivateKey.from_int(Scheme.SECP256K1, 4242).address
        for i in range(TRANSFERS):
            tx = node_helpers.transfer(stub, node_helpers.KEYS[3], to, 10 + i, note=b"prom%d" % i)
            assert node_helpers.receipt_status(node_helpers.submit(stub, tx).receipt) == "SUCCESS"
        height = stub.GetNodeInfo(npb.GetNodeInfoRequest()).height
        sealed = sum(
            stub.GetBlock(npb.GetBlockRequest(height=h)).header.tx_count
            for h in range(1, height + 1)
        )
        assert height >= 1 and sealed == TRANSFERS

        assert server.wait_for('vmchain_chain_height{job="vmchain"}', height) == height
        assert server.wait_for('up{job="vmchain"}', 1) == 1
        total = 'sum(vmchain_transactions_total{job="vmchain"})'
        assert server.wait_for(total, sealed) == sealed
        success = 'vmchain_transactions_total{job="vmchain",status="SUCCESS"}'
        assert server.value(success) == TRANSFERS
        blocks = 'vmchain_block_transactions_count{job="vmchain"}'
        assert server.wait_for(blocks, height) == height  # one observation per sealed block
        rules = [r["name"] for g in server.api("rules")["groups"] for r in g["rules"]]
        assert sorted(rules) == sorted(_alert_names())
        for expr in _dashboard_exprs():  # every dashboard query parses and evaluates
            server.api("query", query=expr)
    finally:
        server.stop()


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads((DEPLOY.parent / "grafana" / "vmchain.json").read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def _alert_names() -> list[str]:
    lines = (DEPLOY / "alerts.yml").read_text().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.strip().startswith("- alert:")]
