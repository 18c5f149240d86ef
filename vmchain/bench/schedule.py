"""What the load generator sends and when: the mix of operation kinds and the open-loop schedule.

A mix such as `transfer=50,parking=30,voucher=20` is interleaved deterministically (smooth
weighted round robin, as nginx balances upstreams): every run of sum(weights) operations holds
exactly `weight` of each kind, spread evenly rather than in blocks. In open-loop mode operation
i is due at start + i / rate, whatever happened to the ones before it; its latency is measured
from that due time, so a node that falls behind shows its queueing in the percentiles instead of
slowing the generator down (no coordinated omission).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from vmchain.bench.stats import NS_PER_S

# Every kind of operation, in the order reports list them.
KINDS: tuple[str, ...] = ("transfer", "parking", "voucher")
DEFAULT_MIX = "transfer=50,parking=30,voucher=20"


class MixError(ValueError):
    """A --mix that does not parse; the message says what was wrong."""


@dataclass(frozen=True, slots=True)
class Mix:
    """Positive integer weights by kind, in KINDS order; kinds with weight 0 are left out."""

    weights: tuple[tuple[str, int], ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(kind for kind, _ in self.weights)

    def text(self) -> str:
        return ",".join(f"{kind}={weight}" for kind, weight in self.weights)


def parse_mix(text: str) -> Mix:
    """`kind=weight,...`: known kinds, each at most once, integer weights >= 0, not all 0."""
    weights: dict[str, int] = {}
    for part in text.split(","):
        kind, sep, number = part.strip().partition("=")
        if not sep:
            raise MixError(f"mix entry {part.strip()!r} is not kind=weight")
        if kind not in KINDS:
            raise MixError(f"unknown kind {kind!r} in the mix; kinds are {', '.join(KINDS)}")
        if kind in weights:
            raise MixError(f"kind {kind!r} appears twice in the mix")
        if not number.isdigit():
            raise MixError(f"weight of {kind!r} must be a non-negative integer, got {number!r}")
        weights[kind] = int(number)
    if not any(weights.values()):
        raise MixError("the mix needs at least one kind with a positive weight")
    return Mix(tuple((kind, weights[kind]) for kind in KINDS if weights.get(kind, 0) > 0))


def kind_sequence(mix: Mix) -> Iterator[str]:
    """The kinds of operations 0, 1, 2, ... (endless): smooth weighted round robin."""
    total = sum(weight for _, weight in mix.weights)
    current = dict.fromkeys(mix.kinds, 0)
    while True:
        for kind, weight in mix.weights:
            current[kind] += weight
        chosen = max(mix.kinds, key=lambda kind: current[kind])  # first of the largest
        current[chosen] -= total
        yield chosen


def due_ns(start_ns: int, index: int, rate: int) -> int:
    """When operation `index` is due at `rate` per second from `start_ns` (integer ns)."""
    return start_ns + index * NS_PER_S // rate


def count_due(rate: int, seconds_ns: int) -> int:
    """How many operations fall due in the first `seconds_ns` nanoseconds (due < seconds_ns)."""
    return -(-seconds_ns * rate // NS_PER_S)
