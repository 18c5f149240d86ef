"""The parking contract through the SDK on a real dev node: every access rule and misuse
reverts with its message, and a refused exit leaves the session open."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vmchain.chain.genesis import dev_key
from vmchain.client import Contract, Gate, NodeClient, TransactionFailed, Vehicle, Wallet
from vmchain.sim.devnode import DevNode

pytestmark = pytest.mark.e2e

PARKING = Path(__file__).resolve().parents[2] / "contracts" / "parking.py"
TARIFF = (0, 60, 100, 0)  # no grace, 100 per started minute, no cap


@dataclass
class Lots:
    """A parking contract with lots 1 and 2, one gate each, and three vehicles."""

    node: NodeClient
    parking: Contract
    owner: Wallet
    gate1: Gate
    gate2: Gate
    car: Vehicle
    poor: Vehicle  # a small deposit
    stranger: Wallet  # never deposits, is no gate

    def fails(self, message: str, wallet: Wallet, name: str, *args: Any, value: int = 0) -> None:
        with pytest.raises(TransactionFailed) as failed:
            self.parking.transact(wallet, name, *args, value=value)
        assert failed.value.message == message, (name, args)
        assert failed.value.receipt.status == "REVERTED"


@pytest.fixture(scope="module")
def node() -> Iterator[NodeClient]:
    """An SDK client of a `vmchain node --dev` sealing every 5 ms."""
    with DevNode(block_time_ms=5) as devnode, NodeClient(devnode.grpc) as client:
        yield client


@pytest.fixture(scope="module")
def lots(node: NodeClient) -> Lots:
    owner, g1, g2, car, poor, stranger = (Wallet(dev_key(i)) for i in range(1, 7))
    parking = node.deploy(owner, PARKING)
    for lot, gate in ((1, g1), (2, g2)):
        parking.transact(owner, "add_lot", lot, *TARIFF)
        parking.transact(owner, "add_gate", lot, gate.address)
    setup = Lots(
        node, parking, owner, Gate(node, g1, parking, 1), Gate(node, g2, parking, 2),
        Vehicle(node, car), Vehicle(node, poor), stranger,
    )  # fmt: skip
    setup.car.deposit(parking, 1_000_000)
    setup.poor.deposit(parking, 150)
    return setup


def test_only_the_owner_runs_the_operator_methods(lots: Lots) -> None:
    for name, args in [
        ("add_lot", (3, *TARIFF)),
        ("set_tariff", (1, *TARIFF)),
        ("add_gate", (1, lots.stranger.address)),
        ("remove_gate", (1, lots.gate1.address)),
        ("withdraw_revenue", (lots.stranger.address, 1)),
    ]:
        lots.fails("only the owner", lots.stranger, name, *args)
    lots.fails("only the owner", lots.gate1.wallet, "add_gate", 1, lots.gate1.address)


def test_lots_and_tariffs_are_checked(lots: Lots) -> None:
    owner = lots.owner
    lots.fails("lot_id must be at least 1", owner, "add_lot", 0, *TARIFF)
    lots.fails("lot_id must be at least 1", owner, "add_lot", -4, *TARIFF)
    lots.fails("lot already exists", owner, "add_lot", 1, *TARIFF)
    lots.fails("unit_seconds must be positive", owner, "add_lot", 9, 0, 0, 100, 0)
    lots.fails("unit_seconds must be positive", owner, "set_tariff", 1, 0, -60, 100, 0)
    lots.fails("tariff values cannot be negative", owner, "add_lot", 9, -1, 60, 100, 0)
    lots.fails("tariff values cannot be negative", owner, "set_tariff", 1, 0, 60, -100, 0)
    lots.fails("tariff values cannot be negative", owner, "add_lot", 9, 0, 60, 100, -1)
    lots.fails("no such lot", owner, "set_tariff", 9, *TARIFF)
    lots.fails("no such lot", owner, "add_gate", 9, lots.gate1.address)
    lots.fails("already a gate of this lot", owner, "add_gate", 1, lots.gate1.address)
    lots.fails("not a gate of this lot", owner, "remove_gate", 1, lots.gate2.address)
    lots.fails("not a gate of this lot", owner, "remove_gate", 9, lots.gate1.address)


def test_deposits_and_withdrawals_are_checked(lots: Lots) -> None:
    lots.fails("deposit some value", lots.stranger, "deposit")
    lots.fails("amount must be positive", lots.car.wallet, "withdraw", 0)
    lots.fails("insufficient deposit", lots.car.wallet, "withdraw", 1_000_001)
    lots.fails("insufficient deposit", lots.stranger, "withdraw", 1)
    lots.fails("amount must be positive", lots.owner, "withdraw_revenue", lots.owner.address, 0)
    revenue = lots.parking.call("revenue")
    lots.fails(
        "amount exceeds the revenue", lots.owner, "withdraw_revenue",
        lots.owner.address, revenue + 1,
    )  # fmt: skip


def test_gates_and_sessions_are_checked(lots: Lots) -> None:
    car, stranger = lots.car.address, lots.stranger
    lots.fails("caller is not a gate of this lot", stranger, "enter", 1, car)
    lots.fails("caller is not a gate of this lot", lots.gate2.wallet, "enter", 1, car)
    lots.fails("vehicle has no deposit", lots.gate1.wallet, "enter", 1, stranger.address)
    lots.fails("no open session in this lot", lots.gate1.wallet, "exit", 1, car)
    entry = lots.gate1.enter(car)
    assert lots.parking.call("session_lot", car) == 1
    assert lots.parking.call("session_entry", car) == entry
    lots.fails("vehicle already has an open session", lots.gate1.wallet, "enter", 1, car)
    lots.fails("vehicle already has an open session", lots.gate2.wallet, "enter", 2, car)
    lots.fails("caller is not a gate of this lot", stranger, "exit", 1, car)
    lots.fails("caller is not a gate of this lot", lots.gate2.wallet, "exit", 1, car)
    lots.fails("no open session in this lot", lots.gate2.wallet, "exit", 2, car)
    lots.fails("vehicle has an open session", lots.car.wallet, "withdraw", 1)
    with pytest.raises(TransactionFailed, match="vehicle has an open session"):
        lots.car.withdraw(lots.parking, 1)  # the Vehicle helper raises the same
    lots.node.dev.increase_time(120)
    fee = lots.gate1.exit(car)
    assert fee in (200, 300)  # two minutes, plus one if the exit's block is a second later
    assert lots.parking.call("session_lot", car) == 0


def test_an_exit_the_deposit_cannot_pay_is_refused_and_the_session_stays_open(
    lots: Lots,
) -> None:
    poor = lots.poor
    entry = lots.gate2.enter(poor.address)
    lots.node.dev.increase_time(180)  # at least 300: more than the deposit of 150
    with pytest.raises(TransactionFailed) as failed:
        lots.gate2.exit(poor.address)
    assert failed.value.message == "insufficient deposit"
    assert lots.parking.call("session_lot", poor.address) == 2
    assert lots.parking.call("session_entry", poor.address) == entry
    assert poor.deposit_of(lots.parking) == 150
    poor.deposit(lots.parking, 1_000)
    fee = lots.gate2.exit(poor.address)
    assert lots.gate2.last_receipt is not None
    closed = [e for e in lots.gate2.last_receipt.events if e.name == "SessionClosed"]
    assert closed[0].args["fee"] == fee == (closed[0].args["exit"] - entry + 59) // 60 * 100
    assert poor.deposit_of(lots.parking) == 1_150 - fee


def test_a_removed_gate_can_no_longer_open_sessions(lots: Lots) -> None:
    spare = Wallet(dev_key(7))
    lots.parking.transact(lots.owner, "add_gate", 2, spare.address)
    receipt = lots.parking.transact(lots.owner, "remove_gate", 2, spare.address)
    assert [(e.name, e.args) for e in receipt.events] == [
        ("GateRemoved", {"lot_id": 2, "gate": spare.address})
    ]
    lots.fails("caller is not a gate of this lot", spare, "enter", 2, lots.car.address)
