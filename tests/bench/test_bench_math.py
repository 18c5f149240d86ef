"""The bench's pure parts with exact values: nearest-rank percentiles, rates, the mix and its
interleaving, the open-loop schedule, and the report built from known operations."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.bench.report import OpResult, Phase, RssSample, RunFacts, build, intervals, render
from vmchain.bench.rss import RssError, metric_value, vm_rss
from vmchain.bench.schedule import (
    DEFAULT_MIX,
    Mix,
    MixError,
    count_due,
    due_ns,
    kind_sequence,
    parse_mix,
)
from vmchain.bench.stats import (
    Latency,
    growth_percent,
    per_second,
    percentile,
    rank,
    summarize,
)

S = 1_000_000_000
MS = 1_000_000
MIB = 2**20

# -- percentiles ---------------------------------------------------------------------------


def test_percentiles_of_one_to_a_hundred() -> None:
    ordered = list(range(1, 101))
    assert [percentile(ordered, bp) for bp in (5_000, 9_000, 9_900, 10_000)] == [50, 90, 99, 100]


def test_percentiles_of_ten_samples_take_the_nearest_rank() -> None:
    ordered = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert rank(10, 5_000) == 5 and rank(10, 9_000) == 9 and rank(10, 9_900) == 10
    assert summarize(ordered[::-1]) == Latency(10, 50, 90, 100, 100)


def test_one_sample_is_every_percentile() -> None:
    assert summarize([7]) == Latency(1, 7, 7, 7, 7)
    assert summarize([]) is None
    assert rank(1, 1) == 1


def test_rank_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        rank(0, 5_000)
    with pytest.raises(ValueError, match="basis points"):
        rank(5, 10_001)


@settings(max_examples=200)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=300), st.integers(1, 10_000))
def test_percentile_is_the_textbook_nearest_rank(values: list[int], bp: int) -> None:
    ordered = sorted(values)
    expected = ordered[max(1, math.ceil(bp * len(values) / 10_000)) - 1]
    assert percentile(ordered, bp) == expected


def test_rates_round_half_up_to_a_tenth() -> None:
    assert per_second(250, 5 * S) == 50.0
    assert per_second(2, 3 * S) == 0.7  # 0.666...
    assert per_second(1, 20 * S) == 0.1  # 0.05 rounds up
    assert per_second(1, 0) == 0.0
    assert growth_percent(100, 110) == 10.0
    assert growth_percent(3, 4) == 33.33
    assert growth_percent(200, 199) == -0.5
    assert growth_percent(0, 5) == 0.0


# -- the mix and the schedule --------------------------------------------------------------


def test_parse_mix() -> None:
    assert parse_mix(DEFAULT_MIX) == Mix((("transfer", 50), ("parking", 30), ("voucher", 20)))
    assert parse_mix("voucher=1, transfer=0") == Mix((("voucher", 1),))
    assert parse_mix("parking=2,transfer=1").text() == "transfer=1,parking=2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("transfer", "is not kind=weight"),
        ("toll=3", "unknown kind 'toll'"),
        ("transfer=1,transfer=2", "appears twice"),
        ("transfer=-1", "non-negative integer"),
        ("transfer=0,parking=0", "at least one kind"),
    ],
)
def test_parse_mix_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(MixError, match=message):
        parse_mix(text)


def test_kinds_interleave_smoothly_and_exactly() -> None:
    first = list(itertools.islice(kind_sequence(parse_mix(DEFAULT_MIX)), 10))
    assert first == [
        "transfer", "parking", "voucher", "transfer", "transfer",
        "parking", "transfer", "voucher", "parking", "transfer",
    ]  # fmt: skip
    stream = list(itertools.islice(kind_sequence(parse_mix(DEFAULT_MIX)), 300))
    for begin in (0, 100, 200):  # every whole round holds exactly the weights
        counts = Counter(stream[begin : begin + 100])
        assert counts == {"transfer": 50, "parking": 30, "voucher": 20}
    assert set(itertools.islice(kind_sequence(parse_mix("parking=1")), 5)) == {"parking"}


def test_open_loop_schedule() -> None:
    assert [due_ns(1_000, i, 3) for i in range(4)] == [1_000, 333_334_333, 666_667_666, S + 1_000]
    assert count_due(3, S) == 3  # due at 0, 1/3, 2/3 s; the one at 1 s is outside
    assert count_due(3, S + 1) == 4
    assert count_due(40, 4 * S) == 160
    assert count_due(7, 0) == 0


# -- the report ----------------------------------------------------------------------------


def _op(kind: str, due_ms: int, done_ms: int, status: str = "SUCCESS") -> OpResult:
    return OpResult(kind, due_ms * MS, done_ms * MS, status in {"SUCCESS", "REVERTED"}, status)


def _report(start_ns: int = 0) -> dict[str, Any]:
    measured = Phase(scheduled=7)
    measured.results = [
        _op("transfer", 0, 100),
        _op("transfer", 1_000, 1_300),
        _op("parking", 2_000, 2_050),
        _op("parking", 3_000, 3_400, "REVERTED"),
        _op("voucher", 4_000, 4_010, "RESOURCE_EXHAUSTED"),
        _op("transfer", 19_000, 21_000),
    ]
    warmup = Phase(scheduled=2, results=[_op("transfer", -1_000, -900)])
    facts = RunFacts(
        options={
            "target": "127.0.0.1:1", "rate": 1, "concurrency": None, "duration_s": 20.0,
            "warmup_s": 2.0, "interval_s": 10.0, "drain_s": 30.0,
            "mix": {"transfer": 1, "parking": 1, "voucher": 1},
            "mix_text": "transfer=1,parking=1,voucher=1", "gates": 1, "vehicles": 3,
        },
        setup={"txs": 5, "height": 3},
        start_ns=start_ns,
        end_ns=20 * S,
        interval_ns=10 * S,
        rss_source="pid 1",
        rss=(RssSample(0, 100 * MIB), RssSample(10 * S, 104 * MIB), RssSample(21 * S, 105 * MIB)),
        chain={"first_height": 4, "last_height": 30, "foreign_txs": 0},
    )  # fmt: skip
    return build(facts, warmup, measured)


def test_report_accounting_and_latency_are_exact() -> None:
    report = _report()
    assert {k: report[k] for k in ("scheduled", "submitted", "unsent", "sealed", "errors")} == {
        "scheduled": 7, "submitted": 6, "unsent": 1, "sealed": 5, "errors": 1,
    }  # fmt: skip
    assert report["errors_by_code"] == {"RESOURCE_EXHAUSTED": 1}
    assert report["statuses"] == {"REVERTED": 1, "SUCCESS": 4}
    # sealed latencies (ms): 100, 300, 50, 400, 2000 -> sorted 50 100 300 400 2000
    assert report["latency"] == {
        "count": 5, "p50_us": 300_000, "p90_us": 2_000_000, "p99_us": 2_000_000,
        "max_us": 2_000_000,
    }  # fmt: skip
    assert report["window_s"] == 20.0 and report["elapsed_s"] == 21.0
    assert report["submitted_tps"] == 0.3 and report["sealed_tps"] == 0.2
    kinds = report["kinds"]
    assert isinstance(kinds, dict)
    assert kinds["parking"] == {
        "submitted": 2, "sealed": 2, "errors": 0, "statuses": {"REVERTED": 1, "SUCCESS": 1},
        "latency": {"count": 2, "p50_us": 50_000, "p90_us": 400_000, "p99_us": 400_000,
                    "max_us": 400_000},
    }  # fmt: skip
    assert kinds["voucher"]["latency"] is None and kinds["voucher"]["errors"] == 1
    assert report["warmup"] == {
        "scheduled": 2, "submitted": 1, "unsent": 1, "sealed": 1, "errors": 0,
    }  # fmt: skip
    assert report["rss"] == {
        "source": "pid 1", "before_warmup_bytes": 100 * 2**20, "start_bytes": 100 * 2**20,
        "end_bytes": 105 * 2**20, "growth_pct": 5.0,
    }  # fmt: skip


def test_rss_growth_is_measured_from_the_end_of_the_warmup() -> None:
    """Caches fill during the warm-up: the growth counts from the first sample in the window."""
    rss = _report(start_ns=5 * S)["rss"]
    assert rss["before_warmup_bytes"] == 100 * 2**20
    assert (rss["start_bytes"], rss["end_bytes"]) == (104 * 2**20, 105 * 2**20)
    assert rss["growth_pct"] == 0.96


def test_report_intervals() -> None:
    report = _report()
    assert report["intervals"] == [
        {"start_s": 0.0, "end_s": 10.0, "sealed": 4, "sealed_tps": 0.4, "errors": 1,
         "p99_us": 400_000, "max_us": 400_000, "rss_bytes": 104 * 2**20},
        {"start_s": 10.0, "end_s": 20.0, "sealed": 0, "sealed_tps": 0.0, "errors": 0,
         "p99_us": None, "max_us": None, "rss_bytes": 104 * 2**20},
        {"start_s": 20.0, "end_s": 21.0, "sealed": 1, "sealed_tps": 1.0, "errors": 0,
         "p99_us": 2_000_000, "max_us": 2_000_000, "rss_bytes": 105 * 2**20},
    ]  # fmt: skip
    assert intervals([], 0, 5 * S, 10 * S)[0]["end_s"] == 5.0


def test_render_lists_every_kind_and_the_errors() -> None:
    text = render(_report())
    assert "scheduled 7  submitted 6  unsent 1  sealed 5  errors 1" in text
    assert (
        "  parking       50.0    400.0    400.0    400.0  2 sealed (REVERTED 1, SUCCESS 1)" in text
    )
    assert "errors by gRPC code: RESOURCE_EXHAUSTED 1" in text
    assert "100.0 MiB at start, 105.0 MiB at end (+5.00 %)" in text


def test_rss_parsers() -> None:
    assert vm_rss("Name:\tpython\nVmRSS:\t  81234 kB\nVmSwap: 0 kB\n") == 81234 * 1024
    with pytest.raises(RssError, match="no VmRSS"):
        vm_rss("Name: kthreadd\n")
    text = "# HELP x\nprocess_resident_memory_bytes 1.234e+08\nprocess_x 1\n"
    assert metric_value(text, "process_resident_memory_bytes") == 123_400_000
    with pytest.raises(RssError, match="process collector"):
        metric_value("vmchain_chain_height 3\n", "process_resident_memory_bytes")
