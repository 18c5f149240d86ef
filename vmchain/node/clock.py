"""Where the node's time comes from: block timestamps and the sealer's timer.

Two readings, kept apart: `now_ms()` is the chain time that stamps the next block (wall-clock
milliseconds since the epoch, or the dev clock), `monotonic_ms()` measures how long txs have
waited (never jumps). `DevClock` adds the Dev service's controls: `set_next_block_time` pins the
next block's timestamp exactly and moves the clock there; `increase_time` moves it forward. Only
the node reads clocks: the chain layer receives timestamps as arguments.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """The time source the runtime stamps blocks with."""

    def now_ms(self) -> int:
        """Chain time now, in ms since the Unix epoch."""
        ...

    def monotonic_ms(self) -> int:
        """A monotonic reading in ms, for measuring waits."""
        ...

    def next_block_ms(self) -> int:
        """The timestamp the next block should get (now, unless pinned)."""
        ...

    def block_sealed(self, timestamp_ms: int) -> None:
        """A block stamped `timestamp_ms` was committed (consumes a pinned time)."""
        ...


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class SystemClock:
    """Wall-clock block timestamps."""

    def now_ms(self) -> int:
        return wall_ms()

    def monotonic_ms(self) -> int:
        return monotonic_ms()

    def next_block_ms(self) -> int:
        return wall_ms()

    def block_sealed(self, timestamp_ms: int) -> None:
        """Nothing to do: the wall clock moves by itself."""


class DevClock:
    """The wall clock plus an offset, with an optional pinned timestamp for the next block."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset_ms = 0
        self._pinned_ms: int | None = None

    def now_ms(self) -> int:
        with self._lock:
            return wall_ms() + self._offset_ms

    def monotonic_ms(self) -> int:
        return monotonic_ms()

    def next_block_ms(self) -> int:
        with self._lock:
            if self._pinned_ms is not None:
                return self._pinned_ms
            return wall_ms() + self._offset_ms

    def block_sealed(self, timestamp_ms: int) -> None:
        with self._lock:
            if self._pinned_ms is not None and timestamp_ms >= self._pinned_ms:
                self._pinned_ms = None

    def set_next_block_time(self, timestamp_ms: int) -> None:
        """The next block gets exactly `timestamp_ms`; later ones continue from there."""
        with self._lock:
            self._pinned_ms = timestamp_ms
            self._offset_ms = timestamp_ms - wall_ms()

    def increase_time(self, seconds: int) -> int:
        """Move chain time forward by `seconds`; returns the new chain time (ms)."""
        with self._lock:
            self._offset_ms += seconds * 1000
            if self._pinned_ms is not None:
                self._pinned_ms += seconds * 1000
            return wall_ms() + self._offset_ms
