"""Exact latency statistics: nearest-rank percentiles over integer microseconds, rates from
integer counts and nanoseconds. No floats until a rate is rounded for display.

The nearest-rank p-th percentile of n sorted samples is the sample of rank ceil(p * n / 100)
(1-based): always one of the samples, never an interpolation, so a p99 over 50 samples is the
slowest one. Percentiles are given in basis points (9900 = 99 %) so the rank is integer math.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BASIS = 10_000  # basis points in 100 %
# The percentiles every summary carries: (name, basis points).
PERCENTILES: tuple[tuple[str, int], ...] = (("p50", 5_000), ("p90", 9_000), ("p99", 9_900))
NS_PER_S = 1_000_000_000
NS_PER_US = 1_000


def rank(count: int, basis_points: int) -> int:
    """The 1-based nearest rank of percentile `basis_points` among `count` samples."""
    if count < 1:
        raise ValueError(f"a percentile needs at least one sample, got {count}")
    if not 0 < basis_points <= BASIS:
        raise ValueError(f"a percentile is 1..{BASIS} basis points, got {basis_points}")
    return max(1, -(-basis_points * count // BASIS))


def percentile(ordered: Sequence[int], basis_points: int) -> int:
    """The nearest-rank percentile of `ordered` (sorted ascending)."""
    return ordered[rank(len(ordered), basis_points) - 1]


@dataclass(frozen=True, slots=True)
class Latency:
    """A latency distribution in microseconds: how many, p50, p90, p99, max."""

    count: int
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int

    def to_json(self) -> dict[str, int]:
        return {
            "count": self.count,
            "p50_us": self.p50_us,
            "p90_us": self.p90_us,
            "p99_us": self.p99_us,
            "max_us": self.max_us,
        }


def summarize(samples_us: Sequence[int]) -> Latency | None:
    """The summary of some latencies (None for none)."""
    if not samples_us:
        return None
    ordered = sorted(samples_us)
    p50, p90, p99 = (percentile(ordered, bp) for _, bp in PERCENTILES)
    return Latency(len(ordered), p50, p90, p99, ordered[-1])


def per_second(count: int, elapsed_ns: int) -> float:
    """count / elapsed as a rate per second, rounded to 0.1 (0.0 for no time)."""
    if elapsed_ns <= 0:
        return 0.0
    tenths = (20 * count * NS_PER_S + elapsed_ns) // (2 * elapsed_ns)  # round half up
    return tenths / 10


def growth_percent(start: int, end: int) -> float:
    """(end - start) / start in percent, rounded to 0.01 (0.0 when start is 0)."""
    if start <= 0:
        return 0.0
    hundredths = (2 * 10_000 * (end - start) + start) // (2 * start)
    return hundredths / 100
