"""promtool checks deploy/prometheus: the scrape config, the alert rules, and their unit tests.

`promtool test rules alerts_test.yml` proves each alert of alerts.yml fires on a synthetic series
(and stays quiet on a healthy one); this test also checks that every alert has such a case.
Skipped only where promtool is absent (CI installs Debian's `prometheus` package in .ci/run).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")

needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is not installed (apt-get install prometheus; .ci/run does)",
)


def _promtool(*args: str) -> str:
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, *args], cwd=DEPLOY, capture_output=True, text=True, timeout=60, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def _alert_names() -> list[str]:
    lines = (DEPLOY / "alerts.yml").read_text().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.strip().startswith("- alert:")]


@needs_promtool
def test_check_config() -> None:
    output = _promtool("check", "config", "prometheus.yml")
    assert "SUCCESS: 1 rule files found" in output


@needs_promtool
def test_check_rules() -> None:
    output = _promtool("check", "rules", "alerts.yml")
    assert f"SUCCESS: {len(_alert_names())} rules found" in output


@needs_promtool
def test_rule_unit_tests_pass() -> None:
    assert "SUCCESS" in _promtool("test", "rules", "alerts_test.yml")


def test_every_alert_has_a_firing_case() -> None:
    assert _alert_names() == [
        "VmchainNodeDown",
        "VmchainNoNewBlock",
        "VmchainMempoolNearFull",
        "VmchainRejectionSpike",
        "VmchainSlowSeals",
        "VmchainStoreErrors",
        "VmchainNoSealer",
        "VmchainReplicaHalted",
        "VmchainReplicationLag",
        "VmchainSealerFlapping",
        "VmchainEtcdNoLeader",
        "VmchainEtcdMemberDown",
        "VmchainEtcdDbNearQuota",
    ]
    cases = (DEPLOY / "alerts_test.yml").read_text()
    for name in _alert_names():
        # a case that expects the alert: `alertname: X` followed by a non-empty exp_alerts list
        chunks = cases.split(f"alertname: {name}\n")[1:]
        assert any(not chunk.lstrip().startswith("exp_alerts: []") for chunk in chunks), name
