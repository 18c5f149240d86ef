"""`vmchain demo`: reproducible plans and keys, and a real run whose books balance."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from vmchain.sim.demo import DemoConfig, DemoReport, plan_payments, vehicle_wallets


def test_same_seed_same_fleet_and_plan() -> None:
    config = DemoConfig(vehicles=6, payments=3, seed=7)
    assert plan_payments(config) == plan_payments(config)
    assert plan_payments(config) != plan_payments(DemoConfig(vehicles=6, payments=3, seed=8))
    a, b = vehicle_wallets(4, 7), vehicle_wallets(4, 7)
    assert [w.address for w in a] == [w.address for w in b]
    assert [w.public_key[0] for w in a] == [1, 2, 1, 2]  # secp256k1 and P-256 alternate
    plan = plan_payments(config)
    assert len(plan) == 18 and {p.kind for p in plan} == {"parking", "toll"}
    assert all(50 <= p.amount < 2_500 for p in plan)


def test_report_percentiles_and_conservation_flag() -> None:
    report = DemoReport(DemoConfig(), latencies_ms=[float(x) for x in range(1, 101)])
    assert report.percentile(50) == 50.0 and report.percentile(99) == 99.0
    report.supply, report.accounted = 10, 10
    assert report.conserved
    report.failed = 1
    assert not report.conserved


@pytest.mark.e2e
def test_demo_runs_and_balances() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "vmchain", "demo", "--vehicles", "6", "--payments", "2",
         "--seed", "3", "--block-time-ms", "20"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "payments sealed     12 (0 failed)" in out
    tolls = re.search(r"tolls paid\s+(\d+) \(booth revenue (\d+), booth balance (\d+)", out)
    assert tolls is not None and tolls[1] == tolls[2] == tolls[3]
    expected_tolls = sum(
        p.amount for p in plan_payments(DemoConfig(6, 2, seed=3)) if p.kind == "toll"
    )
    assert int(tolls[1]) == expected_tolls
    assert "conservation" in out and out.rstrip().endswith("OK")
    assert "dev node up" in run.stderr and "200/200" not in run.stderr


def test_demo_rejects_bad_arguments() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "vmchain", "demo", "--vehicles", "0"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1 and "--vehicles must be at least 1" in run.stderr
