"""`vmchain demo` end to end with a small city: every check passes, the sample receipt verifies
offline from the file, the same seed settles the same amounts, Ctrl-C leaves no node behind."""

from __future__ import annotations

import io
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vmchain.lang.compiler import compile_file
from vmchain.sim.demo import DemoConfig, run_demo

pytestmark = pytest.mark.e2e

SMALL = ["--hours", "1", "--lots", "2", "--gates", "3", "--vehicles", "16", "--chargers", "3",
         "--seed", "5", "--block-time-ms", "5"]  # fmt: skip
CONFIG = DemoConfig(hours=1, lots=2, gates=3, vehicles=16, chargers=3, seed=5, block_time_ms=5)
DETERMINED = ("  city", "  parking", "  fees by lot", "  charging", "  vouchers")


def vmchain(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vmchain", *argv], capture_output=True, text=True, timeout=timeout
    )


def settled_lines(report: str) -> list[str]:
    """The lines a seed decides (not timings, blocks or latencies)."""
    keep, out = False, []
    for line in report.splitlines():
        if not line.startswith("    "):  # a section's first line; its continuations are indented
            keep = line.startswith(DETERMINED)
        if keep:
            out.append(line)
    return out


def test_a_small_city_settles_and_its_books_balance(tmp_path: Path) -> None:
    bundle = tmp_path / "receipt.vmrb"
    run = vmchain("demo", *SMALL, "--receipt-out", str(bundle))
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "dev node up" in run.stderr and "60/60 simulated minutes" in run.stderr
    checks = [line for line in out.splitlines() if line.startswith("  check")]
    names = [line.split()[2].rstrip(":") for line in checks]
    assert names == ["fees", "parking", "channel", "conservation", "tx", "receipt"]
    assert all(" OK " in line for line in checks), checks
    assert out.rstrip().endswith("result: PASS")
    assert "of the 10,000,000,000,000,000,000,000,000 units allocated at genesis" in out

    abi = compile_file(Path(__file__).resolve().parents[2] / "contracts" / "parking.py")
    (tmp_path / "Parking.abi.json").write_text(abi.abi_text())
    checked = vmchain(
        "verify-receipt", str(bundle), "--dev", "--abi", str(tmp_path / "Parking.abi.json")
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SessionClosed" in checked.stdout and "'fee': " in checked.stdout

    again = run_demo(CONFIG, io.StringIO(), tmp_path / "again.vmrb")
    assert again.passed
    assert settled_lines(again.render()) == settled_lines(out)
    assert len(settled_lines(out)) >= 6


def test_bad_options_exit_2() -> None:
    run = vmchain("demo", "--lots", "3", "--gates", "2", timeout=60)
    assert run.returncode == 2 and "--gates (2) must be at least --lots (3)" in run.stderr


def test_ctrl_c_stops_the_dev_node(tmp_path: Path) -> None:
    # A shell that starts a run in the background without job control (`cmd &`) leaves SIGINT
    # ignored, and children inherit that; a terminal's Ctrl-C reaches a default disposition.
    demo = subprocess.Popen(
        [sys.executable, "-m", "vmchain", "demo", "--hours", "24", "--receipt-out",
         str(tmp_path / "r.vmrb")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert demo.stderr is not None
    first = demo.stderr.readline()
    port = int(first.split("gRPC 127.0.0.1:")[1].split(",")[0])
    time.sleep(1.0)
    demo.send_signal(signal.SIGINT)
    _, err = demo.communicate(timeout=30)
    assert demo.returncode == 1 and "interrupted; the dev node has been stopped" in err
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
