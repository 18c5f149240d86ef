"""Fail points for crash and storage-fault tests, armed by one environment variable.

Like CometBFT's FAIL_TEST_INDEX: a test starts a real `vmchain node` with

    VMCHAIN_FAILPOINTS="store.write.after=crash@3,store.write.before=ioerror@7"

and the node dies with SIGKILL (``crash``) or sees an injected I/O error (``ioerror``) the Nth
time (1-based, default 1) execution passes that point. An ``ioerror`` keeps firing on every hit
from the Nth on, as a failed disk would. Unset, every point is a dict lookup that finds
nothing. The environment is read once, at the edge (the node's start-up); the pure core never
sees this module.

The points (POINTS is the one list; an unknown name is a start-up error):

- ``store.write.before``: a block's batch is about to be written (nothing of it is on disk).
- ``store.write.after``: the synced batch is on disk; the ledger has not moved on yet.
- ``commit.before_ack``: the block is committed; no receipt has been handed out yet.
- ``startup.check``: the start-up check is about to re-execute one stored block.
"""

from __future__ import annotations

import errno
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from vmchain.state.kv import KV, Batch, Store

ENV = "VMCHAIN_FAILPOINTS"
POINTS = ("store.write.before", "store.write.after", "commit.before_ack", "startup.check")
ACTIONS = ("crash", "ioerror")


class FailPointError(ValueError):
    """VMCHAIN_FAILPOINTS does not parse or names an unknown point or action."""


class InjectedIOError(OSError):
    """The I/O error an ``ioerror`` fail point raises (errno EIO)."""


@dataclass(frozen=True, slots=True)
class _Arm:
    action: str
    at: int


class FailPoints:
    """The armed points and how often each was passed. Thread safe."""

    def __init__(self, armed: Mapping[str, _Arm] | None = None) -> None:
        self._armed = dict(armed or {})
        self._hits = dict.fromkeys(self._armed, 0)
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> FailPoints:
        return cls(parse(environ.get(ENV, "")))

    def __bool__(self) -> bool:
        return bool(self._armed)

    def hit(self, name: str) -> None:
        """Pass point `name`: crash or raise if it is armed and its turn has come."""
        arm = self._armed.get(name)
        if arm is None:
            return
        with self._lock:
            self._hits[name] += 1
            count = self._hits[name]
        if count < arm.at:
            return
        if arm.action == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        raise InjectedIOError(errno.EIO, f"injected I/O error at fail point {name} (hit {count})")


def parse(text: str) -> dict[str, _Arm]:
    """``name=action[@n],...`` -> {name: arm}; FailPointError naming what is wrong."""
    armed: dict[str, _Arm] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, rest = item.partition("=")
        action, _, at = rest.partition("@")
        if not sep or name not in POINTS:
            raise FailPointError(
                f"{ENV}: unknown fail point in {item!r}; known: {', '.join(POINTS)}"
            )
        if action not in ACTIONS:
            raise FailPointError(f"{ENV}: unknown action in {item!r}; known: {', '.join(ACTIONS)}")
        if at and not (at.isdigit() and int(at) >= 1):
            raise FailPointError(f"{ENV}: the hit count in {item!r} must be a whole number >= 1")
        armed[name] = _Arm(action, int(at) if at else 1)
    return armed


class FailingStore:
    """A Store whose `write` passes ``store.write.before`` and ``store.write.after``."""

    def __init__(self, inner: Store, points: FailPoints) -> None:
        self._inner = inner
        self._points = points

    def cf(self, name: str) -> KV:
        return self._inner.cf(name)

    def write(self, batch: Batch) -> None:
        self._points.hit("store.write.before")
        self._inner.write(batch)
        self._points.hit("store.write.after")

    def close(self) -> None:
        self._inner.close()
