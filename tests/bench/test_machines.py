"""vmchain.testing.machines: the CPU cgroups bench/replicated.py runs each emulated machine in.

The quota files get exactly what a slice of a core means to the kernel, and a real process
inside a quarter-core machine cannot use CPU faster than that: it needs at least ~4x its CPU
time in wall time (only a lower bound is asserted, which a busy host can only make longer).
Skipped where cgroups cannot be made (not root, no cpu controller), saying why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vmchain.testing.machines import PERIOD_US, Layout, Machine, find_layout, unavailable

WHY = unavailable()


@pytest.fixture
def machine() -> Iterator[Machine]:
    if WHY is not None:
        pytest.skip(WHY)
    made = Machine.create(f"vmchain-test-{os.getpid()}", 250)
    try:
        yield made
    finally:
        made.remove()


def test_quota_lines_for_both_layouts() -> None:
    assert Layout(Path("/x"), v2=True).quota_lines(600) == {"cpu.max": f"60000 {PERIOD_US}"}
    assert Layout(Path("/x"), v2=False).quota_lines(1500) == {
        "cpu.cfs_period_us": "100000",
        "cpu.cfs_quota_us": "150000",
    }


def test_a_machine_below_ten_millicpus_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 10 millicpus, not 5"):
        Machine.create("never-made", 5, Layout(Path("/nonexistent"), v2=False))


def test_a_quarter_core_machine_caps_a_busy_process(machine: Machine) -> None:
    layout = find_layout()
    written = {f: (machine.path / f).read_text().strip() for f in layout.quota_lines(250)}
    assert written == layout.quota_lines(250)
    burn = "import time\nwhile time.process_time() < 0.4: pass\n"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", burn],
        check=True,
        preexec_fn=lambda: machine.add(os.getpid()),
    )
    wall = time.monotonic() - started
    # 0.4 CPU-s at 0.25 of a core: at least 1.6 s, less the first period's burst.
    assert wall >= 1.4, f"0.4 CPU-s took only {wall:.2f} s in a quarter-core machine"
    assert machine.pids() == []


def test_remove_moves_live_processes_out(machine: Machine) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        machine.add(sleeper.pid)
        assert machine.pids() == [sleeper.pid]
        machine.remove()
        assert not machine.path.exists()
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()
