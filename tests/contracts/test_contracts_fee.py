"""The parking fee formula: the contract's `exit` result (in-process chain, dev time) against a
ten-line Python reference over random tariffs and stays, boundaries pinned as examples."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from vmchain.lang.compiler import compile_file
from vmchain.testing import LocalChain

PARKING = compile_file(Path(__file__).resolve().parents[2] / "contracts" / "parking.py")
DAY = 86400

Tariff = tuple[int, int, int, int]  # grace, unit, rate, cap


def reference_fee(d: int, grace: int, unit: int, rate: int, cap: int) -> int:
    """DESIGN.md section 7, to the letter."""
    if d <= grace:
        return 0
    if cap == 0:
        return -(-d // unit) * rate
    return (d // DAY) * cap + min(cap, -(-(d % DAY) // unit) * rate)


def charged(tariff: Tariff, duration: int) -> tuple[int, int, int]:
    """(exit's return value, the SessionClosed fee, what left the deposit) for one stay."""
    chain = LocalChain()
    owner, gate, car = chain.accounts[:3]
    parking = chain.deploy(PARKING, sender=owner)
    parking.transact("add_lot", 7, *tariff, sender=owner)
    parking.transact("add_gate", 7, gate.address, sender=owner)
    parking.transact("deposit", sender=car, value=10**18)
    entry = parking.transact("enter", 7, car.address, sender=gate).events[0].args["entry"]
    chain.set_time(entry + duration)
    receipt = parking.transact("exit", 7, car.address, sender=gate)
    closed = receipt.events[0].args
    assert (closed["entry"], closed["exit"]) == (entry, entry + duration)
    return receipt.return_value, closed["fee"], 10**18 - parking.call("deposit_of", car.address)


@st.composite
def stays(draw: st.DrawFn) -> tuple[Tariff, int]:
    """A tariff and a duration, often right at a boundary of that tariff."""
    grace = draw(st.integers(0, 7200))
    unit = draw(st.integers(1, 7200))
    rate = draw(st.integers(0, 10_000))
    cap = draw(st.one_of(st.just(0), st.integers(1, 50_000)))
    units = draw(st.integers(0, 30))
    days = draw(st.integers(1, 4))
    duration = draw(
        st.sampled_from(
            [
                grace,
                grace + 1,
                max(0, grace - 1),
                units * unit,
                units * unit + 1,
                DAY,
                DAY + 1,
                DAY - 1,
                days * DAY,
                days * DAY + units * unit,
                days * DAY + units * unit + 1,
            ]
        )
        | st.integers(0, 5 * DAY)
    )
    return (grace, unit, rate, cap), duration


@settings(max_examples=150, deadline=None)
@given(stays())
@example(((600, 900, 250, 4000), 600))  # exactly the grace: free
@example(((600, 900, 250, 4000), 601))  # one second past the grace: one unit
@example(((600, 900, 250, 4000), 1800))  # an exact multiple of the unit
@example(((600, 900, 250, 4000), 1801))  # one second past it
@example(((600, 900, 250, 4000), DAY))  # exactly one day: one cap
@example(((600, 900, 250, 4000), 3 * DAY + 901))  # three caps and two units
@example(((0, 60, 7, 0), 3 * DAY + 1))  # no cap: units all the way
@example(((0, 1, 1, 0), 0))  # zero-length stay
@example(((7200, 3600, 1000, 1500), DAY + 7200))  # the grace does not apply per day
def test_exit_charges_the_reference_fee(stay: tuple[Tariff, int]) -> None:
    tariff, duration = stay
    expected = reference_fee(duration, *tariff)
    assert charged(tariff, duration) == (expected, expected, expected)


def test_the_reference_itself() -> None:
    assert [reference_fee(d, 600, 900, 250, 4000) for d in (600, 601, 900, 901)] == [
        0,
        250,
        250,
        500,
    ]
    assert reference_fee(DAY, 600, 900, 250, 4000) == 4000
    assert reference_fee(2 * DAY + 601, 600, 900, 250, 4000) == 8250
    assert reference_fee(2 * DAY + 601, 600, 900, 250, 0) == 193 * 250
