"""The city the demo simulates, planned up front from the seed: lots and tariffs, gates, and
each vehicle's day of parking stays and charging sessions, minute by minute.

Pure: the same config gives the same plan on any machine (one `random.Random(seed)`, drawn in a
fixed order). Amounts are in micro-euros (1 EUR = 1,000,000 units), times in simulated minutes
from the start of the run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

EUR = 1_000_000
MINUTE = 60
HOUR = 3600


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """What `vmchain demo` simulates (its options)."""

    hours: int = 3
    lots: int = 3
    gates: int = 6
    vehicles: int = 200
    chargers: int = 20
    seed: int = 1
    block_time_ms: int = 10

    def problems(self) -> list[str]:
        """What is wrong with this config (empty when it can run)."""
        limits = [
            ("hours", 1, 48),
            ("lots", 1, 50),
            ("gates", 1, 200),
            ("vehicles", 1, 5_000),
            ("chargers", 0, 1_000),
            ("block_time_ms", 1, 10_000),
        ]
        found = [
            f"--{name.replace('_', '-')} must be {low}..{high}, got {getattr(self, name)}"
            for name, low, high in limits
            if not low <= getattr(self, name) <= high
        ]
        if self.gates < self.lots:
            found.append(f"--gates ({self.gates}) must be at least --lots ({self.lots})")
        return found

    @property
    def minutes(self) -> int:
        return self.hours * 60


@dataclass(frozen=True, slots=True)
class Lot:
    lot_id: int
    name: str
    grace_seconds: int
    unit_seconds: int
    rate_per_unit: int
    daily_cap: int

    @property
    def tariff(self) -> tuple[int, int, int, int]:
        return (self.grace_seconds, self.unit_seconds, self.rate_per_unit, self.daily_cap)

    def describe(self) -> str:
        cap = f", cap {self.daily_cap / EUR:.2f}/day" if self.daily_cap else ", no cap"
        return (
            f"{self.grace_seconds // MINUTE} min free, {self.rate_per_unit / EUR:.2f}/"
            f"{self.unit_seconds // MINUTE} min{cap}"
        )


# The first three lots; more are drawn from the seed.
LOTS = (
    Lot(1, "Old Town garage", 10 * MINUTE, 15 * MINUTE, 2_500_000, 30 * EUR),
    Lot(2, "Central Station", 5 * MINUTE, HOUR, 3 * EUR, 0),
    Lot(3, "Harbour Mall", HOUR, 30 * MINUTE, 1_500_000, 12 * EUR),
)


@dataclass(frozen=True, slots=True)
class Stay:
    """A vehicle parks in `lot` from minute `enter` to minute `exit` (None: still parked when
    the run ends), through gates `enter_gate` and `exit_gate` (indices into the gate list)."""

    vehicle: int
    lot: int
    enter: int
    exit: int | None
    enter_gate: int
    exit_gate: int


@dataclass(frozen=True, slots=True)
class Charge:
    """A vehicle charges at `charger` from minute `start` for `minutes` minutes, paying
    `price` per minute by voucher. `offline`: the charger never closes the channel, so the
    vehicle takes the rest back once the channel times out."""

    vehicle: int
    charger: int
    start: int
    minutes: int
    price: int
    offline: bool

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True, slots=True)
class Plan:
    config: DemoConfig
    lots: tuple[Lot, ...]
    gate_lots: tuple[int, ...]  # gate index -> lot id
    deposits: tuple[int, ...]  # vehicle -> its first parking deposit
    stays: tuple[Stay, ...]
    charges: tuple[Charge, ...]


PARK_PROFILES = ((25, 1, 12), (55, 15, 120), (20, 150, 480))  # (weight, min, max) minutes
CHARGE_SHARE = 0.35  # of an EV's activities
CHARGE_MINUTES = (10, 75)
PRICE_PER_MINUTE = (200_000, 600_000)  # 0.20-0.60 EUR
OFFLINE_SHARE = 0.05
IDLE_MINUTES = (5, 60)


def _extra_lot(rng: random.Random, lot_id: int) -> Lot:
    unit = rng.choice((5, 10, 15, 30, 60)) * MINUTE
    cap = rng.choice((0, rng.randrange(8, 40) * EUR))
    rate = rng.randrange(5, 50) * 100_000
    return Lot(lot_id, f"Lot {lot_id}", rng.randrange(0, 31) * MINUTE, unit, rate, cap)


class _Chargers:
    """Which charger is busy when: a vehicle takes the first free one."""

    def __init__(self, count: int) -> None:
        self.busy_until = [0] * count

    def take(self, start: int, end: int) -> int | None:
        for charger, until in enumerate(self.busy_until):
            if until < start:  # a minute between sessions
                self.busy_until[charger] = end
                return charger
        return None


def make_plan(config: DemoConfig) -> Plan:
    """The whole run's plan, a pure function of `config`."""
    rng = random.Random(config.seed)
    lots = LOTS[: config.lots] + tuple(
        _extra_lot(rng, i + 1) for i in range(len(LOTS), config.lots)
    )
    gate_lots = tuple(g % config.lots + 1 for g in range(config.gates))
    gates_of = {
        lot.lot_id: [g for g, at in enumerate(gate_lots) if at == lot.lot_id] for lot in lots
    }
    prices = [rng.randrange(*PRICE_PER_MINUTE) // 10_000 * 10_000 for _ in range(config.chargers)]
    chargers = _Chargers(config.chargers)
    deposits = tuple(rng.randrange(2, 40) * EUR for _ in range(config.vehicles))
    stays: list[Stay] = []
    charges: list[Charge] = []
    for vehicle in range(config.vehicles):
        t = rng.randrange(0, 45)
        electric = vehicle % 2 == 0
        while t < config.minutes:
            charge = None
            if electric and config.chargers and rng.random() < CHARGE_SHARE:
                minutes = rng.randrange(*CHARGE_MINUTES)
                charger = chargers.take(t, t + minutes)
                if charger is not None:
                    offline = rng.random() < OFFLINE_SHARE
                    charge = Charge(vehicle, charger, t, minutes, prices[charger], offline)
            if charge is not None:
                charges.append(charge)
                t = charge.end
            else:
                stay = _stay(rng, vehicle, t, lots, gates_of, config.minutes)
                stays.append(stay)
                if stay.exit is None:
                    break
                t = stay.exit
            t += rng.randrange(*IDLE_MINUTES)
    return Plan(config, lots, gate_lots, deposits, tuple(stays), tuple(charges))


def _stay(
    rng: random.Random,
    vehicle: int,
    t: int,
    lots: tuple[Lot, ...],
    gates_of: dict[int, list[int]],
    end: int,
) -> Stay:
    lot = rng.choice(lots).lot_id
    weights = [w for w, _, _ in PARK_PROFILES]
    _, low, high = rng.choices(PARK_PROFILES, weights)[0]
    leave = t + rng.randrange(low, high + 1)
    gates = gates_of[lot]
    return Stay(
        vehicle,
        lot,
        t,
        leave if leave < end else None,
        rng.choice(gates),
        rng.choice(gates),
    )


DAY = 86400


def reference_fee(duration: int, lot: Lot) -> int:
    """The fee of DESIGN.md section 7 for a stay of `duration` seconds in `lot`."""
    grace, unit, rate, cap = lot.tariff
    if duration <= grace:
        return 0
    if cap == 0:
        return -(-duration // unit) * rate
    return (duration // DAY) * cap + min(cap, -(-(duration % DAY) // unit) * rate)
