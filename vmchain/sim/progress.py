"""A small text progress bar for long-running commands (redrawn in place on a terminal)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """`with Progress(total, "payments") as bar: bar.advance()` — thread safe."""

    def __init__(self, total: int, label: str, out: TextIO | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.label = label
        self.out = out if out is not None else sys.stderr
        self.width = width
        self.done = 0
        self._lock = threading.Lock()
        self._tty = self.out.isatty()
        self._last_draw = 0.0

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.done += count
            now = time.monotonic()
            if self.done >= self.total or now - self._last_draw >= (0.1 if self._tty else 2.0):
                self._last_draw = now
                self._draw()

    def _draw(self) -> None:
        filled = self.width * min(self.done, self.total) // self.total
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {self.done}/{self.total} {self.label}"
        self.out.write(f"\r{line}" if self._tty else f"{line}\n")
        self.out.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tty:
            self.out.write("\n")
            self.out.flush()
