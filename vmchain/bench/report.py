"""The bench report: from what happened to each operation to the figures `vmchain bench` prints
and writes as JSON.

Accounting, exact: operations `scheduled` in the measured window are `submitted` or `unsent`
(still waiting for a free vehicle when the window closed); every submitted one is `sealed` (in a
block, whatever its receipt status) or an error, counted by gRPC code (DEADLINE_EXCEEDED when it
was admitted but not sealed before the drain ran out). Latency is from the operation's due time
(open loop) or issue time (closed loop) to the moment the client saw its block, sealed
operations only. Intervals group sealed operations by when they were sealed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vmchain.bench.schedule import KINDS
from vmchain.bench.stats import (
    NS_PER_S,
    NS_PER_US,
    Latency,
    growth_percent,
    per_second,
    summarize,
)

SEALED = "SEALED"


@dataclass(frozen=True, slots=True)
class OpResult:
    """One submitted operation: its kind, when it was due, when it ended, and how: `status` is
    the receipt status when `sealed`, else the gRPC code name of the error."""

    kind: str
    due_ns: int
    done_ns: int
    sealed: bool
    status: str

    @property
    def latency_us(self) -> int:
        return (self.done_ns - self.due_ns) // NS_PER_US


@dataclass(frozen=True, slots=True)
class RssSample:
    """The node's resident memory at a moment (monotonic ns)."""

    at_ns: int
    rss_bytes: int


@dataclass(slots=True)
class Phase:
    """What happened in one phase (warmup or the measured window)."""

    scheduled: int = 0
    results: list[OpResult] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return len(self.results)

    @property
    def sealed(self) -> list[OpResult]:
        return [r for r in self.results if r.sealed]

    @property
    def unsent(self) -> int:
        return self.scheduled - self.submitted

    def accounting(self) -> dict[str, int]:
        sealed = len(self.sealed)
        return {
            "scheduled": self.scheduled,
            "submitted": self.submitted,
            "unsent": self.unsent,
            "sealed": sealed,
            "errors": self.submitted - sealed,
        }


def _latency(results: Sequence[OpResult]) -> Latency | None:
    return summarize([r.latency_us for r in results if r.sealed])


def _latency_json(results: Sequence[OpResult]) -> dict[str, int] | None:
    latency = _latency(results)
    return None if latency is None else latency.to_json()


def by_kind(results: Sequence[OpResult], kinds: Sequence[str]) -> dict[str, Any]:
    """Per kind: accounting, receipt statuses and latency."""
    table: dict[str, Any] = {}
    for kind in kinds:
        mine = [r for r in results if r.kind == kind]
        sealed = sum(r.sealed for r in mine)
        table[kind] = {
            "submitted": len(mine),
            "sealed": sealed,
            "errors": len(mine) - sealed,
            "statuses": dict(sorted(Counter(r.status for r in mine if r.sealed).items())),
            "latency": _latency_json(mine),
        }
    return table


def intervals(
    results: Sequence[OpResult],
    start_ns: int,
    end_ns: int,
    interval_ns: int,
    rss: Sequence[RssSample] = (),
) -> list[dict[str, Any]]:
    """From `start_ns` to `end_ns` (the last one may be short): sealed operations by when they
    were sealed (tx/s, p99), errors by when they ended, and the node's RSS at the interval's end
    (the last sample taken by then). An operation ending exactly at `end_ns` is in the last."""
    count = max(1, -(-(end_ns - start_ns) // interval_ns))
    buckets: list[list[OpResult]] = [[] for _ in range(count)]
    for result in results:
        buckets[min(count - 1, max(0, (result.done_ns - start_ns) // interval_ns))].append(result)
    rows: list[dict[str, Any]] = []
    for i, inside in enumerate(buckets):
        begin, stop = start_ns + i * interval_ns, min(start_ns + (i + 1) * interval_ns, end_ns)
        sealed = [r for r in inside if r.sealed]
        latency = _latency(sealed)
        taken = [s.rss_bytes for s in rss if s.at_ns <= stop]
        rows.append(
            {
                "start_s": _seconds(begin - start_ns),
                "end_s": _seconds(stop - start_ns),
                "sealed": len(sealed),
                "sealed_tps": per_second(len(sealed), stop - begin),
                "errors": len(inside) - len(sealed),
                "p99_us": None if latency is None else latency.p99_us,
                "max_us": None if latency is None else latency.max_us,
                "rss_bytes": taken[-1] if taken else None,
            }
        )
    return rows


def _seconds(ns: int) -> float:
    """Nanoseconds as seconds, rounded to the millisecond."""
    return round(ns / NS_PER_S, 3)


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What the runner knows besides the operations: options, setup, timings, memory."""

    options: dict[str, Any]
    setup: dict[str, Any]
    start_ns: int  # the measured window: start..end (due times)
    end_ns: int
    interval_ns: int
    rss_source: str | None
    rss: tuple[RssSample, ...]
    chain: dict[str, int]


def build(facts: RunFacts, warmup: Phase, measured: Phase) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    results = measured.results
    sealed = measured.sealed
    last_ns = max([facts.end_ns, *(r.done_ns for r in results)])
    elapsed = last_ns - facts.start_ns
    window = facts.end_ns - facts.start_ns
    errors = Counter(r.status for r in results if not r.sealed)
    kinds = [k for k in KINDS if k in facts.options.get("mix", {})]
    # RSS growth over the measured window: from the first sample at or after its start (the
    # warm-up fills the node's caches), to the end; the very first sample is kept too.
    in_window = [s for s in facts.rss if s.at_ns >= facts.start_ns] or facts.rss
    first, last = (in_window[0].rss_bytes, facts.rss[-1].rss_bytes) if facts.rss else (0, 0)
    return {
        "options": facts.options,
        "setup": facts.setup,
        **measured.accounting(),
        "errors_by_code": dict(sorted(errors.items())),
        "statuses": dict(sorted(Counter(r.status for r in sealed).items())),
        "window_s": _seconds(window),
        "elapsed_s": _seconds(elapsed),
        "submitted_tps": per_second(measured.submitted, window),
        "sealed_tps": per_second(len(sealed), elapsed),
        "latency": _latency_json(results),
        "kinds": by_kind(results, kinds),
        "warmup": warmup.accounting(),
        "intervals": intervals(results, facts.start_ns, last_ns, facts.interval_ns, facts.rss),
        "rss": {
            "source": facts.rss_source,
            "before_warmup_bytes": facts.rss[0].rss_bytes if facts.rss else None,
            "start_bytes": first if facts.rss else None,
            "end_bytes": last if facts.rss else None,
            "growth_pct": growth_percent(first, last) if facts.rss else None,
        },
        "chain": facts.chain,
    }


def _ms(us: int | None) -> str:
    return "-" if us is None else f"{us / 1000:.1f}"


def _latency_line(name: str, latency: dict[str, int] | None, extra: str) -> str:
    if latency is None:
        return f"  {name:<9} {'-':>8} {'-':>8} {'-':>8} {'-':>8}  {extra}"
    cells = (latency[key] for key in ("p50_us", "p90_us", "p99_us", "max_us"))
    return f"  {name:<9} " + " ".join(f"{_ms(us):>8}" for us in cells) + f"  {extra}"


def render(report: dict[str, Any]) -> str:
    """The report as text."""
    options = report["options"]
    mode = "max (closed loop)" if options["rate"] is None else f"{options['rate']} tx/s open loop"
    lines = [
        f"vmchain bench against {options['target']}: {mode}, {options['duration_s']} s "
        f"(+{options['warmup_s']} s warmup), mix {options['mix_text']}, {options['gates']} "
        f"gates, {options['vehicles']} vehicles",
        f"  scheduled {report['scheduled']:,}  submitted {report['submitted']:,}  unsent "
        f"{report['unsent']:,}  sealed {report['sealed']:,}  errors {report['errors']:,}",
        f"  throughput: submitted {report['submitted_tps']:,.1f} tx/s, sealed "
        f"{report['sealed_tps']:,.1f} tx/s (over {report['elapsed_s']} s)",
        f"  latency ms {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}",
    ]
    for kind, row in report["kinds"].items():
        statuses = ", ".join(f"{k} {v:,}" for k, v in row["statuses"].items()) or "none sealed"
        extra = f"{row['sealed']:,} sealed ({statuses}), {row['errors']:,} errors"
        lines.append(_latency_line(kind, row["latency"], extra))
    lines.append(_latency_line("overall", report["latency"], f"{report['sealed']:,} sealed"))
    codes = ", ".join(f"{k} {v:,}" for k, v in report["errors_by_code"].items())
    lines.append(f"  errors by gRPC code: {codes or 'none'}")
    rss = report["rss"]
    if rss["source"] is not None:
        lines.append(
            f"  node RSS ({rss['source']}): {rss['start_bytes'] / 2**20:,.1f} MiB at start, "
            f"{rss['end_bytes'] / 2**20:,.1f} MiB at end ({rss['growth_pct']:+.2f} %)"
        )
    return "\n".join(lines)
