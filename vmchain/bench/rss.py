"""The node's resident memory, from /proc/<pid>/status (VmRSS) when the node runs on this
machine, or from its Prometheus endpoint (`process_resident_memory_bytes`, the series
prometheus_client's process collector exports) when it registers that collector.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SCRAPE_TIMEOUT_S = 5.0
RSS_SERIES = "process_resident_memory_bytes"


class RssError(RuntimeError):
    """The node's RSS could not be read (the message says from where and why)."""


@dataclass(frozen=True, slots=True)
class RssProbe:
    """Where the RSS comes from (for the report) and how to read it (bytes)."""

    source: str
    read: Callable[[], int]


def vm_rss(status_text: str) -> int:
    """The `VmRSS:  N kB` line of a /proc/<pid>/status text, in bytes."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            number, unit = line.split()[1:3]
            if unit != "kB":
                raise RssError(f"VmRSS in unexpected unit {unit!r}")
            return int(number) * 1024
    raise RssError("no VmRSS line (a kernel thread, or a process that has exited)")


def metric_value(exposition: str, name: str) -> int:
    """The value of the unlabelled series `name` in a Prometheus text exposition."""
    for line in exposition.splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    raise RssError(
        f"the node's metrics have no {name} (it does not register the process collector)"
    )


def from_pid(pid: int) -> RssProbe:
    path = Path(f"/proc/{pid}/status")

    def read() -> int:
        try:
            return vm_rss(path.read_text())
        except OSError as exc:
            raise RssError(f"cannot read {path}: {exc}") from None

    read()  # fail now, not in the middle of the run
    return RssProbe(f"pid {pid}", read)


def from_metrics(url: str) -> RssProbe:
    def read() -> int:
        try:
            with urllib.request.urlopen(url, timeout=SCRAPE_TIMEOUT_S) as response:
                text = response.read().decode()
        except OSError as exc:
            raise RssError(f"cannot scrape {url}: {exc}") from None
        return metric_value(text, RSS_SERIES)

    read()
    return RssProbe(url, read)
