"""The demo's plan and report without a node: seeded and reproducible, internally consistent,
options checked, percentiles and the pass/fail rule."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest

from vmchain.sim.demo import demo_wallet
from vmchain.sim.plan import LOTS, Charge, DemoConfig, Stay, make_plan, reference_fee
from vmchain.sim.report import Check, DemoReport, percentile

SMALL = DemoConfig(hours=2, lots=5, gates=7, vehicles=40, chargers=4, seed=7)


def test_the_same_seed_gives_the_same_plan() -> None:
    assert make_plan(SMALL) == make_plan(SMALL)
    assert make_plan(SMALL) != make_plan(DemoConfig(2, 5, 7, 40, 4, seed=8))
    assert [w.address for w in map(lambda i: demo_wallet(7, "vehicle", i), range(4))] == [
        demo_wallet(7, "vehicle", i).address for i in range(4)
    ]
    curves = [demo_wallet(7, "vehicle", i).public_key[0] for i in range(4)]
    assert curves == [1, 2, 1, 2]  # secp256k1 and P-256 alternate
    assert demo_wallet(7, "gate", 0).address != demo_wallet(7, "vehicle", 0).address


def test_the_default_city() -> None:
    plan = make_plan(DemoConfig())
    assert plan.lots == LOTS
    assert plan.gate_lots == (1, 2, 3, 1, 2, 3)
    assert len(plan.deposits) == 200 and len({c.charger for c in plan.charges}) <= 20
    assert len(plan.stays) > 300 and len(plan.charges) > 30


def activities(
    plan_stays: tuple[Stay, ...], charges: tuple[Charge, ...]
) -> dict[int, list[tuple[int, int]]]:
    by_vehicle: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    for s in plan_stays:
        by_vehicle[s.vehicle].append((s.enter, s.exit if s.exit is not None else 10**9))
    for c in charges:
        by_vehicle[c.vehicle].append((c.start, c.end))
    return by_vehicle


def test_the_plan_is_consistent() -> None:
    plan = make_plan(SMALL)
    minutes = SMALL.minutes
    assert [lot.lot_id for lot in plan.lots] == [1, 2, 3, 4, 5]
    assert all(lot.unit_seconds > 0 and lot.grace_seconds >= 0 for lot in plan.lots)
    for stay in plan.stays:
        assert 0 <= stay.enter < minutes
        assert stay.exit is None or stay.enter < stay.exit < minutes
        assert plan.gate_lots[stay.enter_gate] == plan.gate_lots[stay.exit_gate] == stay.lot
    for spans in activities(plan.stays, plan.charges).values():
        spans.sort()
        assert all(a_end < b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    by_charger: defaultdict[int, list[Charge]] = defaultdict(list)
    for charge in plan.charges:
        assert charge.vehicle % 2 == 0  # the electric half
        assert charge.minutes >= 10 and charge.price > 0
        by_charger[charge.charger].append(charge)
    for sessions in by_charger.values():
        sessions.sort(key=lambda c: c.start)
        assert all(a.end < b.start for a, b in itertools.pairwise(sessions))


def test_options_are_checked() -> None:
    assert DemoConfig().problems() == []
    assert DemoConfig(lots=4, gates=3).problems() == ["--gates (3) must be at least --lots (4)"]
    assert DemoConfig(vehicles=0).problems() == ["--vehicles must be 1..5000, got 0"]
    assert DemoConfig(block_time_ms=0, hours=0).problems() == [
        "--hours must be 1..48, got 0",
        "--block-time-ms must be 1..10000, got 0",
    ]


def test_the_reference_fee_of_the_demo_lots() -> None:
    garage, station, mall = LOTS
    assert [reference_fee(d, garage) for d in (600, 601, 900, 901, 86400)] == [
        0, 2_500_000, 2_500_000, 5_000_000, 30_000_000,
    ]  # fmt: skip
    assert reference_fee(2 * 86400, station) == 48 * 3_000_000
    assert (
        reference_fee(3600, mall) == 0 and reference_fee(3601, mall) == 3 * 1_500_000
    )  # from entry


def test_percentiles_and_the_pass_rule() -> None:
    values = [float(x) for x in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile([], 50)) == (50.0, 99.0, 0.0)

    def passes(checks: list[Check]) -> bool:
        return DemoReport(DemoConfig(), checks=checks).passed

    assert not passes([])  # no checks: nothing was shown to hold
    assert passes([Check("a", True, ""), Check("b", True, "")])
    report = DemoReport(DemoConfig(), checks=[Check("b", True, ""), Check("c", False, "why")])
    assert "FAIL c: why" in report.render() and report.render().endswith("result: FAIL")
    report.vouchers, report.txs = 100, {"open": 2, "redeem": 3, "enter": 50}
    assert (report.channel_txs, report.city_txs, report.compression) == (5, 55, 20.0)


@pytest.mark.parametrize("hours", [1, 2])
def test_the_report_says_hour_or_hours(hours: int) -> None:
    first = DemoReport(DemoConfig(hours=hours)).render().splitlines()[0]
    assert first == f"settlement report: {hours} simulated hour{'s' if hours > 1 else ''}, seed 1"
