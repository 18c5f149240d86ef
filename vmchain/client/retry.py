"""Idempotent retries: exponential backoff on UNAVAILABLE and DEADLINE_EXCEEDED, one deadline.

Every node RPC the SDK makes is safe to repeat: reads change nothing, and resubmitting the same
signed transaction never executes it twice (DESIGN.md section 3). `Retrier.run` calls an attempt
with the seconds left before the overall deadline, retries the retryable codes with exponential
backoff (with a little jitter, so many gates do not retry in lockstep), and converts the final
failure into the SDK's exception.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import grpc

from vmchain.client.errors import DeadlineExceeded, RpcError, from_grpc

T = TypeVar("T")

RETRYABLE: frozenset[str] = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to keep trying one operation, and how fast to back off."""

    deadline: float = 30.0  # seconds for the whole operation, retries included
    initial_backoff: float = 0.05
    max_backoff: float = 2.0
    multiplier: float = 2.0
    jitter: float = 0.2  # each delay is scaled by a random factor in [1 - jitter, 1]
    retry_codes: frozenset[str] = RETRYABLE

    def __post_init__(self) -> None:
        if self.deadline <= 0 or self.initial_backoff < 0 or self.multiplier < 1:
            raise ValueError(
                "retry policy needs deadline > 0, initial_backoff >= 0 and multiplier >= 1"
            )
        if not 0 <= self.jitter < 1:
            raise ValueError(f"retry jitter must be in [0, 1), got {self.jitter}")

    def delay(self, failures: int) -> float:
        """The pause after the `failures`-th consecutive failure (1-based), before jitter."""
        return min(self.max_backoff, self.initial_backoff * self.multiplier ** (failures - 1))


NO_RETRY = RetryPolicy(deadline=3600.0, retry_codes=frozenset())


class Retrier:
    """Runs attempts under a policy; the clock and sleep are injectable for tests."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_failure: Callable[[grpc.RpcError], None] | None = None,
    ) -> None:
        """`on_failure` sees every failed attempt first (the client's router moves retries
        to another node there)."""
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
        self.on_failure = on_failure

    def pause(self, failures: int) -> float:
        """The pause after the `failures`-th consecutive failure, with jitter."""
        return self.policy.delay(failures) * (1 - random.random() * self.policy.jitter)

    def backoff(self, failures: int, remaining: float) -> float:
        """Sleep before the next attempt (never past `remaining`); returns the pause."""
        pause = max(0.0, min(self.pause(failures), remaining))
        self.sleep(pause)
        return pause

    def retryable(self, exc: grpc.RpcError) -> bool:
        code = exc.code() if callable(getattr(exc, "code", None)) else None
        return code is not None and code.name in self.policy.retry_codes

    def run(
        self,
        attempt: Callable[[float], T],
        *,
        method: str,
        deadline: float | None = None,
        tx_id: bytes | None = None,
    ) -> T:
        """`attempt(seconds_left)` until it returns, fails for good, or time runs out.

        `deadline` (seconds from now) overrides the policy's. The final grpc failure is raised
        as the SDK's RpcError subclass (DeadlineExceeded when time ran out between attempts).
        """
        end = self.clock() + (self.policy.deadline if deadline is None else deadline)
        failures = 0
        last: RpcError | None = None
        while True:
            remaining = end - self.clock()
            if remaining <= 0:
                raise last or DeadlineExceeded(
                    "the operation's deadline passed before it could start",
                    method=method,
                    tx_id=tx_id,
                )
            try:
                return attempt(remaining)
            except grpc.RpcError as exc:
                failures += 1
                if self.on_failure is not None:
                    self.on_failure(exc)
                last = from_grpc(exc, method, tx_id)
                if not self.retryable(exc):
                    raise last from None
                last.attempts = failures
                pause = self.pause(failures)
                if pause >= end - self.clock():
                    raise last from None  # no time left for another attempt
                self.sleep(pause)
