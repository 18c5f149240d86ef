"""A `vmchain node --dev` child process for the demo: started, awaited, always cleaned up.

The node runs in its own process (its own interpreter and GIL), on free loopback ports and a
temporary data dir that it removes itself on exit. `DevNode` is a context manager: leaving the
block — normally, by an exception or by Ctrl-C — sends SIGTERM, waits, and kills if it must.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from types import TracebackType
from typing import Any

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


class DevNodeError(RuntimeError):
    """The dev node did not start (the message carries the tail of its output)."""


class DevNode:
    """A dev node child process; `grpc` and `metrics` are its bound `host:port` addresses."""

    def __init__(self, block_time_ms: int = 100, extra_args: tuple[str, ...] = ()) -> None:
        self.args = [
            sys.executable, "-m", "vmchain", "node", "--dev",
            "--grpc", "127.0.0.1:0", "--metrics", "127.0.0.1:0",
            "--block-time", f"{block_time_ms}ms", *extra_args,
        ]  # fmt: skip
        self.proc: subprocess.Popen[str] | None = None
        self.ready: dict[str, Any] = {}
        self._log: deque[str] = deque(maxlen=40)

    @property
    def grpc(self) -> str:
        return str(self.ready["grpc"])

    @property
    def metrics(self) -> str:
        return str(self.ready["metrics"])

    def start(self) -> DevNode:
        if self.proc is not None:
            raise DevNodeError("this dev node was already started")
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C goes to us; we stop the node ourselves
        )
        self.ready = self._await_ready()
        threading.Thread(target=self._drain, name="devnode-log", daemon=True).start()
        return self

    def _await_ready(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        for line in self.proc.stdout:
            self._log.append(line.rstrip())
            if line.startswith("{"):
                try:  # the first JSON object on the line (stderr is merged into this pipe)
                    message, _ = json.JSONDecoder().raw_decode(line)
                except ValueError:
                    continue
                if isinstance(message, dict) and message.get("event") == "ready":
                    return dict(message)
            if time.monotonic() > deadline:
                break
        self.stop()
        tail = "\n".join(self._log)
        raise DevNodeError(f"the dev node did not become ready; its last output:\n{tail}")

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self._log.append(line.rstrip())

    def stop(self) -> int | None:
        """SIGTERM, wait; SIGKILL if it does not exit in time. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> DevNode:
        return self if self.proc is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
