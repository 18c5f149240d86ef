"""`vmchain bench` as a real process against a real dev node, a few seconds at a low rate: the
JSON's shape, its exact accounting, the kinds of the mix, and the chain's own tx count (read
block by block by the test) grown by exactly the setup and the sealed operations."""

from __future__ import annotations

import importlib
import itertools
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from vmchain.bench.schedule import DEFAULT_MIX, kind_sequence, parse_mix
from vmchain.cli.main import main
from vmchain.client import NodeClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
helpers: Any = importlib.import_module("node_helpers")

pytestmark = pytest.mark.e2e

RATE, WARMUP, DURATION = 40, 1, 4
# 40 vehicles at 40 ops/s: a whole second of latency before an op would wait for a free one,
# so a busy CI machine makes the ops slower, not unsent.
TOP_KEYS = {
    "options", "setup", "scheduled", "submitted", "unsent", "sealed", "errors", "errors_by_code",
    "statuses", "window_s", "elapsed_s", "submitted_tps", "sealed_tps", "latency", "kinds",
    "warmup", "intervals", "rss", "chain",
}  # fmt: skip
LATENCY_KEYS = {"count", "p50_us", "p90_us", "p99_us", "max_us"}
INTERVAL_KEYS = {"start_s", "end_s", "sealed", "sealed_tps", "errors", "p99_us", "max_us",
                 "rss_bytes"}  # fmt: skip


def chain_txs(client: NodeClient, first: int, last: int) -> int:
    return sum(client.block(h).header.tx_count for h in range(first, last + 1))


def test_bench_against_a_dev_node(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    with helpers.running_node(tmp_path, no_traceback=True) as node:
        target = node.ready["grpc"]
        with NodeClient(target) as client:
            before_height = client.info().height
            before = chain_txs(client, 0, before_height)
            argv = [
                sys.executable, "-m", "vmchain", "bench", "--target", target,
                "--rate", str(RATE), "--warmup", str(WARMUP), "--duration", str(DURATION),
                "--interval", "2", "--drain", "20", "--gates", "2", "--vehicles", "40",
                "--json", str(out), "--node-pid", str(node.proc.pid),
            ]  # fmt: skip
            done = subprocess.run(argv, capture_output=True, text=True, timeout=90)
            assert done.returncode == 0, done.stderr
            report = json.loads(out.read_text())
            setup, chain = report["setup"], report["chain"]
            head = client.info().height
            after_setup = chain_txs(client, setup["height"] + 1, head)
            total = chain_txs(client, 0, head)

    assert set(report) == TOP_KEYS
    # accounting, exact: every scheduled op was sent, every sent one sealed or an error
    assert report["scheduled"] == RATE * DURATION
    assert report["warmup"]["scheduled"] == RATE * WARMUP
    for phase in (report, report["warmup"]):
        assert phase["submitted"] == phase["sealed"] + phase["errors"]
        assert phase["scheduled"] == phase["submitted"] + phase["unsent"]
    assert report["unsent"] == 0 and report["errors"] == 0, report["errors_by_code"]
    assert report["errors_by_code"] == {}
    assert report["statuses"] == {"SUCCESS": report["sealed"]}
    # the kinds, exactly as the mix interleaves them after the warmup's operations
    expected = Counter(
        itertools.islice(
            kind_sequence(parse_mix(DEFAULT_MIX)), RATE * WARMUP, RATE * (WARMUP + DURATION)
        )
    )
    assert {kind: row["submitted"] for kind, row in report["kinds"].items()} == expected
    for row in report["kinds"].values():
        assert row["statuses"] == {"SUCCESS": row["sealed"]}
        assert set(row["latency"]) == LATENCY_KEYS and row["latency"]["count"] == row["sealed"]
    latency = report["latency"]
    assert set(latency) == LATENCY_KEYS and latency["count"] == report["sealed"]
    assert 0 < latency["p50_us"] <= latency["p90_us"] <= latency["p99_us"] <= latency["max_us"]
    assert report["submitted_tps"] == RATE
    # the chain grew by exactly the setup and every sealed operation, and by nothing else
    sealed = report["sealed"] + report["warmup"]["sealed"]
    assert after_setup == sealed
    assert total - before == setup["txs"] + sealed
    assert chain["foreign_txs"] == 0 and chain["first_height"] == setup["height"] + 1
    # intervals and memory
    rows = report["intervals"]
    assert len(rows) >= DURATION // 2 and all(set(row) == INTERVAL_KEYS for row in rows)
    assert sum(row["sealed"] for row in rows) == report["sealed"]
    rss = report["rss"]
    assert rss["source"] == f"pid {node.proc.pid}" and rss["start_bytes"] > 10 * 2**20
    assert all(isinstance(row["rss_bytes"], int) for row in rows)
    assert "overall" in done.stdout and "errors by gRPC code: none" in done.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "5", "--max"], "not allowed with argument"),
        (["--max", "--mix", "toll=1"], "unknown kind 'toll'"),
        (["--rate", "5", "--concurrency", "3"], "--concurrency goes with --max"),
        (["--max", "--concurrency", "9", "--vehicles", "8"], "exceeds --vehicles 8"),
        (["--duration", "3"], "one of the arguments --rate --max is required"),
    ],
)
def test_bench_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["bench", "--target", "127.0.0.1:1", *argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = int(str(exc.code))
    assert code == 2
    assert message in capsys.readouterr().err
