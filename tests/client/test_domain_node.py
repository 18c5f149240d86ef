"""Gate, Vehicle and Payee on a real dev node: sessions and fees, an exit retried after a
timeout charging once, a channel's life with vouchers checked locally, and receipt bundles of
a gate's exit that verify offline and fail when touched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from vmchain.chain.block import seal_header
from vmchain.chain.genesis import dev_key
from vmchain.client import (
    Contract,
    DeadlineExceeded,
    Gate,
    InvalidBundle,
    InvalidVoucher,
    NodeClient,
    Payee,
    TransactionFailed,
    Vehicle,
    Voucher,
    Wallet,
    verify_receipt_bundle,
)
from vmchain.client.bundle import make_bundle
from vmchain.crypto import PrivateKey, Scheme
from vmchain.sim.devnode import DevNode

pytestmark = pytest.mark.e2e

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
TARIFF = (60, 300, 50, 0)  # a minute free, then 50 per started five minutes


@dataclass
class City:
    node: NodeClient
    parking: Contract
    channels: Contract
    owner: Wallet
    gate: Gate


@pytest.fixture(scope="module")
def city() -> Iterator[City]:
    with DevNode(block_time_ms=5) as devnode, NodeClient(devnode.grpc) as node:
        owner = Wallet(dev_key(1))
        parking = node.deploy(owner, CONTRACTS / "parking.py")
        channels = node.deploy(owner, CONTRACTS / "channel.py")
        parking.transact(owner, "add_lot", 1, *TARIFF)
        gate_wallet = Wallet(dev_key(2))
        parking.transact(owner, "add_gate", 1, gate_wallet.address)
        yield City(node, parking, channels, owner, Gate(node, gate_wallet, parking, 1))


def vehicle(city: City, curve: str = "secp256k1", deposit: int = 10_000) -> Vehicle:
    wallet = Wallet.generate(curve)
    city.node.transfer(Wallet(dev_key(3)), wallet.address, 10**9)
    car = Vehicle(city.node, wallet)
    if deposit:
        car.deposit(city.parking, deposit)
    return car


def test_a_stay_is_charged_by_the_tariff(city: City) -> None:
    car = vehicle(city, "p256")
    entry = city.gate.enter(car.address)
    city.node.dev.set_next_block_time(entry + 601)  # ten minutes and a second
    city.node.dev.mine()
    assert city.gate.quote(car.address) == 150
    city.node.dev.set_next_block_time(entry + 900)
    assert city.gate.exit(car.address) == 150
    assert city.gate.last_receipt is not None
    closed = city.gate.last_receipt.events[0]
    assert (closed.name, closed.args["entry"], closed.args["exit"]) == (
        "SessionClosed", entry, entry + 900,
    )  # fmt: skip
    assert car.deposit_of(city.parking) == 10_000 - 150
    receipt = car.withdraw(city.parking, 9_850)
    assert receipt.events[0].args == {"vehicle": car.address, "amount": 9_850}


class TimesOutOnce:
    """A NodeClient whose first submit gets the tx in but reports a timeout, as a gate sees a
    lost answer; `sealed_first` waits until the tx is sealed before timing out."""

    def __init__(self, node: NodeClient, sealed_first: bool) -> None:
        self.node = node
        self.sealed_first = sealed_first
        self.submitted: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.node, name)

    def submit(self, tx: Any, *, wait: Any = True, check: bool = True) -> Any:
        self.submitted.append("0x" + tx.tx_id.hex())
        if len(self.submitted) > 1:
            return self.node.submit(tx, wait=wait, check=check)
        self.node.submit(tx, wait=False)
        if self.sealed_first:
            self.node.receipt(tx.tx_id, wait=5.0)
        raise DeadlineExceeded("simulated: the answer was lost", method="SubmitTransaction")


@pytest.mark.parametrize("sealed_first", [False, True], ids=["pending", "sealed"])
def test_an_exit_retried_after_a_timeout_charges_once(city: City, sealed_first: bool) -> None:
    car = vehicle(city)
    entry = city.gate.enter(car.address)
    flaky = TimesOutOnce(city.node, sealed_first)
    gate = Gate(flaky, city.gate.wallet, city.parking, 1)  # type: ignore[arg-type]
    revenue = city.parking.call("revenue")
    city.node.dev.set_next_block_time(entry + 3600)
    assert gate.exit(car.address) == 600
    assert len(flaky.submitted) == 2 and flaky.submitted[0] == flaky.submitted[1]
    assert gate.last_receipt is not None and gate.last_receipt.tx_id == flaky.submitted[0]
    assert car.deposit_of(city.parking) == 10_000 - 600
    assert city.parking.call("revenue") - revenue == 600
    closed = [
        e
        for e in city.parking.events(gate.last_receipt.height, "SessionClosed", timeout=0.3)
        if e.args["vehicle"] == car.address
    ]
    assert len(closed) == 1


def test_resubmitting_the_same_signed_exit_with_a_wait_gives_its_one_receipt(city: City) -> None:
    car = vehicle(city)
    city.gate.enter(car.address)
    tx = city.gate.build_exit(car.address)
    assert city.node.submit(tx, wait=False) == "0x" + tx.tx_id.hex()
    first = city.gate.settle("exit", tx)
    again = city.gate.settle("exit", tx)
    assert first.tx_id == again.tx_id and first.height == again.height
    assert first.return_value == again.return_value
    assert car.deposit_of(city.parking) == 10_000 - first.return_value


def test_the_helpers_raise_the_contract_message(city: City) -> None:
    car = vehicle(city, deposit=0)
    with pytest.raises(TransactionFailed) as failed:
        city.gate.enter(car.address)
    assert failed.value.message == "vehicle has no deposit"
    with pytest.raises(TransactionFailed, match="no open session in this lot"):
        city.gate.exit(car.address)
    with pytest.raises(TransactionFailed, match="deposit some value"):
        car.deposit(city.parking, 0)


def test_a_channel_from_open_to_close(city: City) -> None:
    car = vehicle(city, "p256", deposit=0)
    charger = Payee(city.node, Wallet.generate(), city.channels)
    channel = car.open_channel(city.channels, charger.address, deposit=100, timeout_seconds=600)
    incoming = charger.watch(channel.channel_id)
    assert (incoming.payer_key, incoming.deposit, incoming.redeemed) == (
        car.wallet.public_key,
        100,
        0,
    )
    assert [charger.accept(car.pay(channel, 7)) for _ in range(10)] == [7] * 10
    assert charger.redeem(channel.channel_id) == 70
    assert charger.redeem(channel.channel_id) == 0  # nothing new to redeem
    with pytest.raises(ValueError, match="more than its deposit 100"):
        car.pay(channel, 31)
    car.top_up(channel, 50)
    assert channel.deposit == 150
    with pytest.raises(InvalidVoucher, match="exceeds the deposit 100"):
        charger.accept(car.pay(channel, 40))  # the charger has not seen the top-up yet
    assert charger.watch(channel.channel_id).deposit == 150
    assert charger.accept(Voucher.sign(car.wallet, city.channels, channel.channel_id, 110)) == 40
    before = city.node.balance(car.address)
    assert charger.close(channel.channel_id) == (110, 40)
    assert city.node.balance(car.address) - before == 40  # gas is free on the dev chain
    assert city.node.balance(charger.address) == 110
    with pytest.raises(InvalidVoucher, match="is not open"):
        charger.watch(channel.channel_id)


def test_a_payee_refuses_every_bad_voucher(city: City) -> None:
    car = vehicle(city, deposit=0)
    charger = Payee(city.node, Wallet.generate(), city.channels)
    one = car.open_channel(city.channels, charger.address, deposit=100, timeout_seconds=600)
    two = car.open_channel(city.channels, charger.address, deposit=100, timeout_seconds=600)
    charger.watch(one.channel_id)
    charger.accept(car.pay(one, 20))
    signer = car.wallet
    cid = one.channel_id
    stranger = Wallet(PrivateKey.from_int(Scheme.P256, 99))
    chain = city.node.chain_info().chain_id
    refused = [
        (replace(Voucher.sign(signer, city.channels, two.channel_id, 30), channel_id=cid),
         "not signed by the channel's payer"),
        (Voucher.sign(signer, city.parking.address, cid, 30, chain_id=chain), "for contract"),
        (Voucher.sign(signer, city.channels, cid, 30, chain_id="vmchain-prod"), "for chain"),
        (Voucher.sign(signer, city.channels, cid, 19), "amount 19 is not above 20"),
        (Voucher.sign(signer, city.channels, cid, 20), "amount 20 is not above 20"),
        (Voucher.sign(signer, city.channels, cid, 101), "exceeds the deposit 100"),
        (Voucher.sign(stranger, city.channels, cid, 30), "not signed by the channel's payer"),
        (Voucher.sign(signer, city.channels, two.channel_id, 30), "is not watched"),
    ]  # fmt: skip
    for voucher, message in refused:
        with pytest.raises(InvalidVoucher, match=message):
            charger.accept(voucher)
    other_payee = Payee(city.node, Wallet.generate(), city.channels)
    with pytest.raises(InvalidVoucher, match="not this payee"):
        other_payee.watch(cid)
    assert charger.open[cid].owed == 20


def test_expiry_before_and_after_the_timeout(city: City) -> None:
    car = vehicle(city, deposit=0)
    charger = Payee(city.node, Wallet.generate(), city.channels)
    channel = car.open_channel(city.channels, charger.address, deposit=500, timeout_seconds=3600)
    charger.watch(channel.channel_id)
    charger.accept(car.pay(channel, 120))
    charger.redeem(channel.channel_id)
    with pytest.raises(TransactionFailed, match="the channel has not timed out"):
        car.expire(channel)
    city.node.dev.increase_time(3600)
    assert car.expire(channel) == 380
    with pytest.raises(TransactionFailed, match="the channel is closed"):
        charger.close(channel.channel_id)


def test_a_gate_receipt_bundle_verifies_offline_and_fails_when_touched(city: City) -> None:
    car = vehicle(city)
    city.gate.enter(car.address)
    city.node.dev.increase_time(400)
    fee = city.gate.exit(car.address)
    assert city.gate.last_receipt is not None
    bundle = city.node.receipt_bundle(city.gate.last_receipt.tx_id)
    authorities = city.node.info().authorities
    abi = city.parking.abi
    assert abi is not None
    receipt = verify_receipt_bundle(bundle, authorities, abi_for=lambda _: abi)
    assert receipt.events[0].args["fee"] == fee and receipt.events[0].args["vehicle"] == car.address
    for i in range(len(bundle)):
        touched = bundle[:i] + bytes([bundle[i] ^ 0x01]) + bundle[i + 1 :]
        with pytest.raises(InvalidBundle):
            verify_receipt_bundle(touched, authorities)
    block = city.node.block(receipt.height, full=True)
    impostor = dev_key(5)  # a funded dev key, but not the chain's authority
    forged = seal_header(impostor, replace(block.header, proposer=impostor.address))
    raws = [r.raw for r in block.receipts if r.raw is not None]
    with pytest.raises(InvalidBundle, match="authorit"):
        verify_receipt_bundle(make_bundle(forged, raws, receipt.index), authorities)
