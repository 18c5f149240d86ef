"""Emulated machines on one host: a Linux CPU cgroup per "machine", with a CFS quota, so that
several processes (a node and its etcd member) share a fixed slice of CPU as they would share
the cores of a machine of their own.

bench/replicated.py uses it to compare a replicated network with a single node at equal CPU
per machine, instead of three nodes and three etcd members crowding the same two cores. A
cgroup only caps CPU time: the machines still share one disk, one page cache and loopback.
What each process used is read from /proc by the caller, as before.

Both cgroup layouts are handled: v2 (`cpu.max` in a unified hierarchy whose root offers the
cpu controller) and v1 (`cpu.cfs_quota_us` under the cpu hierarchy). Creating a cgroup needs
root; `unavailable()` says why it cannot be done here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000  # the CFS period: the quota is granted per 100 ms


class MachinesUnavailable(RuntimeError):
    """CPU cgroups cannot be created here (not root, or no cpu controller)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Where CPU cgroups live and how their quota is written."""

    root: Path  # the hierarchy's root: new cgroups are made below it
    v2: bool

    def quota_lines(self, millicpus: int) -> dict[str, str]:
        quota = PERIOD_US * millicpus // 1000
        if self.v2:
            return {"cpu.max": f"{quota} {PERIOD_US}"}
        return {"cpu.cfs_period_us": str(PERIOD_US), "cpu.cfs_quota_us": str(quota)}


def find_layout(root: Path = CGROUP_ROOT) -> Layout:
    """The CPU cgroup layout of this host, or MachinesUnavailable saying why there is none."""
    if os.geteuid() != 0:
        raise MachinesUnavailable("CPU cgroups need root")
    controllers = root / "cgroup.controllers"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        return Layout(root, v2=True)
    v1 = root / "cpu"
    if (v1 / "cpu.cfs_quota_us").exists():
        return Layout(v1, v2=False)
    raise MachinesUnavailable(f"no cpu controller under {root} (cgroup v2 or v1)")


def unavailable() -> str | None:
    """Why emulated machines cannot be made here, or None when they can."""
    try:
        find_layout()
    except MachinesUnavailable as exc:
        return str(exc)
    return None


@dataclass(frozen=True, slots=True)
class Machine:
    """One CPU cgroup of `millicpus` thousandths of a core (600 = 0.6 of a core)."""

    layout: Layout
    path: Path
    millicpus: int

    @classmethod
    def create(cls, name: str, millicpus: int, layout: Layout | None = None) -> Machine:
        if millicpus < 10:
            raise ValueError(f"a machine needs at least 10 millicpus, not {millicpus}")
        layout = layout or find_layout()
        path = layout.root / name
        path.mkdir(exist_ok=True)
        for file, value in layout.quota_lines(millicpus).items():
            (path / file).write_text(value)
        return cls(layout, path, millicpus)

    def add(self, pid: int) -> None:
        """Move process `pid`, every thread of it, into this machine."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        return [int(line) for line in (self.path / "cgroup.procs").read_text().split()]

    def remove(self) -> None:
        """Move whatever still runs here back to the root, then delete the cgroup."""
        if not self.path.exists():
            return
        for pid in self.pids():
            try:
                (self.layout.root / "cgroup.procs").write_text(str(pid))
            except ProcessLookupError:
                continue  # it exited meanwhile
        self.path.rmdir()
