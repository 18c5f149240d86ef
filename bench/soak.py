"""Soak: a real `vmchain node --dev` under half of its maximum throughput for ten minutes, with
its latency per interval and its memory at start and end (issue 8: flat p99, RSS growth < 10 %).

Starts a dev node as a child process (vmchain/sim/devnode.py, as bench/e2e.py does), then runs
`vmchain bench` against it twice, each as its own process with its own fleet:
1. `--max` for --max-duration seconds (default 30): the node's maximum sealed tx/s with this mix
   (closed loop, one tx in flight per vehicle);
2. `--rate <half of that>` for --duration seconds (default 600) after a --warmup (default 10),
   open loop, with the node's RSS read from /proc/<pid>/status every --interval seconds.

Both on the same node, so the soak starts on a chain the max run has already grown. The result
goes to bench/results/soak-<UTC date and time>.json (a run shorter than 600 s is named
soak-<...>-short-<N>s.json: a check that the script works, not a soak): the max tx/s, the
rate, the overall p50/p90/p99/max, per-interval p99 and tx/s, the node's RSS at the start and
end of the soak window and its growth, and both bench reports in full. The last line is

    RESULT max_tps=<n> rate=<n> p50_ms=<n> p99_ms=<n> p99_interval_max_ms=<n> rss_growth_pct=<n>

The load generator shares the machine with the node (on 2 cores both are CPU-bound at max), so
max_tps is the node's throughput with a Python client beside it, not the node alone. There is
no peer to compare with: the issue asks for these figures.

Usage: .venv/bin/python bench/soak.py [--duration 600] [--max-duration 30] [--warmup 10]
       [--interval 10] [--gates 8] [--vehicles 1000] [--mix transfer=50,parking=30,voucher=20]
       [--block-time 100] [--out bench/results]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, bench/ is first on sys.path, and a sibling bench/trie.py would shadow
# the `trie` package; look modules up from the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from vmchain.sim.devnode import DevNode  # noqa: E402

RESULTS = _HERE / "results"
SOAK_S = 600
BENCH_SLACK_S = 600  # setup and drain on top of a bench run's own seconds


class SoakError(RuntimeError):
    """A bench run failed (the message carries its output)."""


def bench(target: str, pid: int, args: Sequence[str], out: Path, budget_s: float) -> dict[str, Any]:
    """`vmchain bench` as its own process against the node; its JSON report."""
    argv = [sys.executable, "-m", "vmchain", "bench", "--target", target,
            "--node-pid", str(pid), "--json", str(out), *args]  # fmt: skip
    print("$ " + " ".join(argv[1:]), flush=True)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=budget_s + BENCH_SLACK_S)
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        raise SoakError(f"vmchain bench exited {done.returncode}:\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def ms(us: int | None) -> float | None:
    return None if us is None else round(us / 1000, 1)


def summary(max_report: dict[str, Any], soak: dict[str, Any], rate: int) -> dict[str, Any]:
    """The soak's figures from the two bench reports."""
    latency = soak["latency"] or {}
    rows = [r for r in soak["intervals"] if r["end_s"] - r["start_s"] > 0]
    p99s = [r["p99_us"] for r in rows if r["p99_us"] is not None]
    return {
        "max_tps": max_report["sealed_tps"],
        "rate": rate,
        "sealed_tps": soak["sealed_tps"],
        "accounting": {
            k: soak[k] for k in ("scheduled", "submitted", "unsent", "sealed", "errors")
        },
        "errors_by_code": soak["errors_by_code"],
        "latency_ms": {k: ms(latency.get(f"{k}_us")) for k in ("p50", "p90", "p99", "max")},
        "p99_ms_per_interval": [ms(us) for us in p99s],
        "p99_interval_median_ms": ms(int(statistics.median(p99s))) if p99s else None,
        "p99_interval_max_ms": ms(max(p99s)) if p99s else None,
        "tps_per_interval": [r["sealed_tps"] for r in rows],
        "rss_bytes_per_interval": [r["rss_bytes"] for r in rows],
        "rss_start_bytes": soak["rss"]["start_bytes"],
        "rss_end_bytes": soak["rss"]["end_bytes"],
        "rss_growth_pct": soak["rss"]["growth_pct"],
    }


def result_path(out_dir: Path, started: datetime, duration_s: int) -> Path:
    stamp = started.strftime("%Y%m%d-%H%M")
    short = "" if duration_s >= SOAK_S else f"-short-{duration_s}s"
    return out_dir / f"soak-{stamp}{short}.json"


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=_HERE.parent)  # fmt: skip
    return done.stdout.strip() or "unknown"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    add = parser.add_argument
    add("--duration", type=int, default=SOAK_S, help=f"soak seconds at half rate ({SOAK_S})")
    add("--max-duration", type=int, default=30, help="seconds of the --max run (30)")
    add("--warmup", type=int, default=10, help="warmup seconds before the soak window (10)")
    add("--interval", type=int, default=10, help="seconds per interval (10)")
    add("--gates", type=int, default=8, help="gates and payees (8)")
    add("--vehicles", type=int, default=1000, help="vehicles, each one tx in flight (1000)")
    add("--mix", default="transfer=50,parking=30,voucher=20", help="the operation mix")
    add("--block-time", type=int, default=100, help="the node's block time in ms (100)")
    add("--out", type=Path, default=RESULTS, help=f"where the result goes ({RESULTS})")
    args = parser.parse_args(argv)
    if min(args.duration, args.max_duration, args.interval, args.gates, args.vehicles) < 1:
        parser.error("durations, --interval, --gates and --vehicles must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    fleet = ["--gates", str(args.gates), "--vehicles", str(args.vehicles), "--mix", args.mix]
    print(f"soak: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    with DevNode(args.block_time) as node, tempfile.TemporaryDirectory() as tmp:
        assert node.proc is not None
        pid = node.proc.pid
        max_args = ["--max", "--duration", str(args.max_duration), *fleet]
        max_report = bench(node.grpc, pid, max_args, Path(tmp) / "max.json", args.max_duration)
        rate = max(1, int(max_report["sealed_tps"]) // 2)
        soak_args = ["--rate", str(rate), "--duration", str(args.duration), "--warmup",
                     str(args.warmup), "--interval", str(args.interval), *fleet]  # fmt: skip
        began = time.monotonic()
        soak = bench(
            node.grpc, pid, soak_args, Path(tmp) / "soak.json", args.warmup + args.duration
        )
        took = time.monotonic() - began
    figures = summary(max_report, soak, rate)
    document = {
        "kind": "soak" if args.duration >= SOAK_S else "short check of bench/soak.py",
        "started_utc": started.isoformat(timespec="seconds"),
        "commit": commit(),
        "cpus": os.cpu_count(),
        "load_average_after": round(os.getloadavg()[0], 2),
        "block_time_ms": args.block_time,
        "duration_s": args.duration,
        "soak_run_s": round(took, 1),
        **figures,
        "max_report": max_report,
        "soak_report": soak,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = result_path(args.out, started, args.duration)
    path.write_text(json.dumps(document, indent=2) + "\n")
    latency = figures["latency_ms"]
    print(f"written to {path}")
    print(
        f"RESULT max_tps={figures['max_tps']:.0f} rate={rate} p50_ms={latency['p50']} "
        f"p99_ms={latency['p99']} p99_interval_max_ms={figures['p99_interval_max_ms']} "
        f"rss_growth_pct={figures['rss_growth_pct']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
