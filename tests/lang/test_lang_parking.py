"""The parking contract of DESIGN.md section 7, written in the language, on the in-process
chain: the fee formula against a ten-line reference, tariff snapshots, access rules,
deposits, revenue and the event fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmchain.testing import Account, Deployed, LocalChain, TransactionFailed

PARKING = Path(__file__).resolve().parent / "cases" / "parking.py"
DAY = 86400


def reference_fee(d: int, grace: int, unit: int, rate: int, cap: int) -> int:
    """DESIGN.md section 7, literally."""
    if d <= grace:
        return 0
    if cap == 0:
        return -(-d // unit) * rate
    return (d // DAY) * cap + min(cap, -(-(d % DAY) // unit) * rate)


class Lot:
    """A chain with a parking contract, one lot, one gate and a vehicle with a deposit."""

    def __init__(self, tariff: tuple[int, int, int, int], deposit: int = 10**9) -> None:
        self.chain = LocalChain()
        self.owner, self.gate, self.car, self.other = self.chain.accounts[:4]
        self.parking: Deployed = self.chain.deploy(PARKING, sender=self.owner)
        self.parking.transact("add_lot", 1, *tariff, sender=self.owner)
        self.parking.transact("add_gate", 1, self.gate.address, sender=self.owner)
        self.parking.transact("deposit", sender=self.car, value=deposit)

    def enter(self, car: Account | None = None) -> int:
        vehicle = (car or self.car).address
        self.parking.transact("enter", 1, vehicle, sender=self.gate)
        return self.chain.timestamp

    def exit(self) -> int:
        fee: int = self.parking.transact("exit", 1, self.car.address, sender=self.gate).return_value
        return fee


TARIFFS = [(600, 900, 250, 4000), (0, 60, 7, 0), (300, 3600, 1000, 0), (0, 1, 1, 50)]
DURATIONS = [0, 1, 299, 300, 301, 599, 600, 601, 899, 900, 901, 3600, 3601, 86399, 86400]
DURATIONS += [86401, 2 * DAY + 5000, 3 * DAY]


@pytest.mark.parametrize("tariff", TARIFFS, ids=[str(t) for t in TARIFFS])
def test_quote_follows_the_fee_formula(tariff: tuple[int, int, int, int]) -> None:
    lot = Lot(tariff)
    entry = lot.enter()
    for duration in DURATIONS:
        lot.chain.set_time(entry + duration)
        lot.chain.mine()  # quote prices at the latest sealed block's time
        assert lot.parking.call("quote", 1, lot.car.address) == reference_fee(duration, *tariff)


@pytest.mark.parametrize("duration", [0, 601, 3601, DAY + 1])
def test_exit_charges_the_fee_and_emits(duration: int) -> None:
    tariff = (600, 900, 250, 4000)
    lot = Lot(tariff, deposit=50_000)
    entry = lot.enter()
    lot.chain.advance(duration)
    receipt = lot.parking.transact("exit", 1, lot.car.address, sender=lot.gate)
    fee = reference_fee(duration, *tariff)
    assert receipt.return_value == fee
    assert [(e.name, e.args) for e in receipt.events] == [
        (
            "SessionClosed",
            {
                "lot_id": 1,
                "vehicle": lot.car.address,
                "entry": entry,
                "exit": entry + duration,
                "fee": fee,
            },
        )
    ]
    assert lot.parking.call("deposit_of", lot.car.address) == 50_000 - fee
    assert lot.parking.call("revenue") == fee
    assert lot.parking.call("session_lot", lot.car.address) == 0
    assert lot.parking.call("session_entry", lot.car.address) == 0


def test_a_new_tariff_applies_to_sessions_opened_after() -> None:
    lot = Lot((0, 100, 10, 0))
    lot.enter()
    lot.parking.transact("set_tariff", 1, 0, 100, 1000, 0, sender=lot.owner)
    lot.parking.transact("deposit", sender=lot.other, value=10**6)
    lot.enter(lot.other)
    lot.chain.advance(250)
    lot.chain.mine()
    assert lot.parking.call("quote", 1, lot.car.address) == 30
    assert lot.parking.call("quote", 1, lot.other.address) == 3000


def test_insufficient_deposit_reverts_and_the_session_stays_open() -> None:
    lot = Lot((0, 60, 100, 0), deposit=150)
    entry = lot.enter()
    lot.chain.advance(200)
    with pytest.raises(TransactionFailed) as failed:
        lot.exit()
    assert failed.value.message == "insufficient deposit"
    assert lot.parking.call("session_lot", lot.car.address) == 1
    assert lot.parking.call("session_entry", lot.car.address) == entry
    with pytest.raises(TransactionFailed, match="vehicle has an open session"):
        lot.parking.transact("withdraw", 10, sender=lot.car)
    lot.parking.transact("deposit", sender=lot.car, value=250)
    assert lot.exit() == 400
    receipt = lot.parking.transact("withdraw", 0, sender=lot.car, check=False)
    assert receipt.error == "amount must be positive"  # zero is not a withdrawal


def test_access_rules() -> None:
    lot = Lot((0, 60, 1, 0))
    stranger = lot.other
    for name, args in [
        ("add_lot", (2, 0, 60, 1, 0)),
        ("set_tariff", (1, 0, 60, 1, 0)),
        ("add_gate", (1, stranger.address)),
        ("remove_gate", (1, lot.gate.address)),
        ("withdraw_revenue", (stranger.address, 1)),
    ]:
        with pytest.raises(TransactionFailed, match="only the owner"):
            lot.parking.transact(name, *args, sender=stranger)
    with pytest.raises(TransactionFailed, match="caller is not a gate of this lot"):
        lot.parking.transact("enter", 1, lot.car.address, sender=stranger)
    with pytest.raises(TransactionFailed, match="lot already exists"):
        lot.parking.transact("add_lot", 1, 0, 60, 1, 0, sender=lot.owner)
    with pytest.raises(TransactionFailed, match="lot_id must be at least 1"):
        lot.parking.transact("add_lot", 0, 0, 60, 1, 0, sender=lot.owner)
    with pytest.raises(TransactionFailed, match="unit_seconds must be positive"):
        lot.parking.transact("add_lot", 2, 0, 0, 1, 0, sender=lot.owner)
    with pytest.raises(TransactionFailed, match="no such lot"):
        lot.parking.transact("add_gate", 9, lot.gate.address, sender=lot.owner)
    with pytest.raises(TransactionFailed, match="vehicle has no deposit"):
        lot.parking.transact("enter", 1, stranger.address, sender=lot.gate)
    lot.enter()
    with pytest.raises(TransactionFailed, match="vehicle already has an open session"):
        lot.enter()
    with pytest.raises(TransactionFailed, match="no open session in this lot"):
        lot.parking.transact("exit", 1, stranger.address, sender=lot.gate)
    receipt = lot.parking.transact("remove_gate", 1, lot.gate.address, sender=lot.owner)
    assert [(e.name, e.args) for e in receipt.events] == [
        ("GateRemoved", {"lot_id": 1, "gate": lot.gate.address})
    ]
    with pytest.raises(TransactionFailed, match="caller is not a gate of this lot"):
        lot.exit()


def test_deposits_withdrawals_and_revenue_move_real_funds() -> None:
    lot = Lot((0, 10, 5, 0), deposit=1000)
    chain, parking = lot.chain, lot.parking
    assert parking.balance() == 1000
    lot.enter()
    chain.advance(20)
    assert lot.exit() == 10
    before = chain.balance(lot.car.address)
    receipt = parking.transact("withdraw", 990, sender=lot.car)
    assert [(e.name, e.args) for e in receipt.events] == [
        ("Withdrawn", {"vehicle": lot.car.address, "amount": 990})
    ]
    assert chain.balance(lot.car.address) == before + 990
    with pytest.raises(TransactionFailed, match="amount exceeds the revenue"):
        parking.transact("withdraw_revenue", lot.owner.address, 11, sender=lot.owner)
    payee = lot.other.address
    before = chain.balance(payee)
    receipt = parking.transact("withdraw_revenue", payee, 10, sender=lot.owner)
    assert [(e.name, e.args) for e in receipt.events] == [
        ("RevenueWithdrawn", {"to": payee, "amount": 10})
    ]
    assert (chain.balance(payee) - before, parking.call("revenue"), parking.balance()) == (10, 0, 0)


def test_events_of_setup_name_their_fields() -> None:
    lot = Lot((600, 900, 250, 4000))
    names = [e.name for e in lot.parking.abi.events]
    assert names == [
        "LotAdded",
        "GateAdded",
        "GateRemoved",
        "Deposited",
        "Withdrawn",
        "SessionOpened",
        "SessionClosed",
        "RevenueWithdrawn",
    ]
    receipt = lot.parking.transact("deposit", sender=lot.other, value=5)
    assert receipt.events[0].args == {"vehicle": lot.other.address, "amount": 5}
