"""The bench's fleet, set up before the clock starts: contracts, gates, vehicles, payees.

The funder (on a dev chain, dev account 1 by default) deploys contracts/parking.py and
contracts/channel.py, or takes the addresses of deployed ones (`parking` must then be owned by
the funder, who adds the bench's lot and gates to it). Each run adds a lot of its own (a fresh
random id, no grace, 1 unit per second), one gate per --gates, and as many payees (EV chargers
or tolls, the receivers of vouchers and transfers). The funder funds every gate, payee and
vehicle in one streamed batch; each vehicle then makes its parking deposit (`Vehicle.deposit`)
and opens a payment channel to its payee (`Vehicle.open_channel`), which the payee watches.
Vehicle i uses gate i mod gates and payee i mod gates; odd vehicles sign with P-256.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import vmchain
from vmchain.bench.stream import submit_all
from vmchain.chain.tx import Tx
from vmchain.client import (
    Abi,
    CallOptions,
    ClientError,
    Contract,
    Gate,
    NodeClient,
    Payee,
    PaymentChannel,
    Vehicle,
    Wallet,
)
from vmchain.lang.compiler import compile_file

CONTRACTS = Path(vmchain.__file__).resolve().parent.parent / "contracts"
CALL_GAS = 100_000  # every call of the shipped contracts uses under 40,000
FUNDING = {"gate": 10**12, "payee": 10**12, "vehicle": 10**15}  # minor units
PARKING_DEPOSIT = 10**13  # far more than the fees of any run
CHANNEL_DEPOSIT = 10**13  # far more than the vouchers of any run
CHANNEL_TIMEOUT_S = 7 * 86_400
SETUP_WORKERS = 32
SETUP_WAIT_S = 120.0
SETUP_BATCH = 500
ACCEPTED = ("OK", "ALREADY_EXISTS")


class FleetError(RuntimeError):
    """The fleet could not be set up (the message says which step and why)."""


@dataclass(frozen=True, slots=True)
class FleetSpec:
    """What to set up: counts, the kinds the mix needs, who pays, contracts to reuse."""

    gates: int
    vehicles: int
    parking: bool  # the mix has parking operations
    vouchers: bool  # the mix has voucher operations
    funder: Wallet
    parking_address: str | None = None
    channels_address: str | None = None


@dataclass(slots=True)
class Car:
    """One vehicle of the fleet and everything its operations use."""

    index: int
    vehicle: Vehicle
    gate: Gate | None
    payee: Payee | None
    payee_address: bytes  # where its transfers go
    channel: PaymentChannel | None = None
    inside: bool = False  # a parking session is open


@dataclass(frozen=True, slots=True)
class Fleet:
    """The set-up fleet: its cars, the contracts, and what setting up put on the chain."""

    cars: tuple[Car, ...]
    parking: Contract | None
    channels: Contract | None
    lot_id: int
    setup_txs: int
    height: int  # the head once every setup tx was sealed

    def describe(self) -> dict[str, object]:
        return {
            "txs": self.setup_txs,
            "height": self.height,
            "parking": None if self.parking is None else self.parking.address,
            "channels": None if self.channels is None else self.channels.address,
            "lot_id": self.lot_id,
        }


def _contract(node: NodeClient, funder: Wallet, name: str, address: str | None) -> Contract:
    """contracts/`name` deployed by the funder, or the one at `address` with its typed ABI."""
    source = CONTRACTS / name
    if not source.is_file():
        raise FleetError(f"{source} not found: run the bench from a source checkout")
    if address is None:
        return node.deploy(funder, source)
    return node.contract(address, Abi.from_typed(compile_file(source).abi))


def settle(node: NodeClient, txs: Sequence[Tx], what: str) -> None:
    """Stream `txs` (on a call that ends cleanly: bench/stream.py), then wait until each is
    sealed; FleetError unless all succeeded."""
    outcomes = submit_all(node.target, [tx.encoded for tx in txs], SETUP_BATCH)
    refused = [(tx, o) for tx, o in zip(txs, outcomes, strict=True) if o[0] not in ACCEPTED]
    if refused:
        tx, (code, error) = refused[0]
        raise FleetError(f"{what}: the node refused 0x{tx.tx_id.hex()}: {code}: {error}")
    for tx in txs:
        receipt = node.receipt(tx.tx_id, wait=SETUP_WAIT_S)
        if not receipt.succeeded:
            raise FleetError(f"{what}: {receipt.tx_id} ended {receipt.status}: {receipt.error}")


def _in_parallel(work: Sequence[Callable[[], None]]) -> None:
    with ThreadPoolExecutor(SETUP_WORKERS) as pool:
        for future in [pool.submit(piece) for piece in work]:
            future.result()


def set_up(node: NodeClient, spec: FleetSpec) -> Fleet:
    """Set up the fleet of `spec`; every setup tx sealed before returning."""
    try:
        return _set_up(node, spec)
    except ClientError as exc:
        raise FleetError(f"setting up the fleet: {exc}") from None


def _set_up(node: NodeClient, spec: FleetSpec) -> Fleet:
    funder = spec.funder
    options = CallOptions(gas_limit=CALL_GAS, wait=SETUP_WAIT_S)
    txs = 0
    parking = channels = None
    if spec.parking:
        parking = _contract(node, funder, "parking.py", spec.parking_address)
        txs += spec.parking_address is None
    if spec.vouchers:
        channels = _contract(node, funder, "channel.py", spec.channels_address)
        txs += spec.channels_address is None
    gates = [Wallet.generate("secp256k1") for _ in range(spec.gates)]
    payees = [Wallet.generate("secp256k1") for _ in range(spec.gates)]
    curves = ("secp256k1", "p256")
    vehicles = [Wallet.generate(curves[i % 2]) for i in range(spec.vehicles)]
    lot_id = int.from_bytes(os.urandom(6), "big") + 1
    setup: list[Tx] = []
    if parking is not None:
        lot = parking.build(funder, "add_lot", lot_id, 0, 1, 1, 0, gas_limit=CALL_GAS)
        settle(node, [lot], "adding the bench's lot")
        txs += 1
        setup += [
            parking.build(funder, "add_gate", lot_id, g.address, gas_limit=CALL_GAS) for g in gates
        ]
    funded = [("vehicle", w) for w in vehicles]
    funded += [("gate", w) for w in gates] if parking is not None else []
    funded += [("payee", w) for w in payees] if channels is not None else []
    setup += [node.build_transfer(funder, w.address, FUNDING[role]) for role, w in funded]
    settle(node, setup, "adding gates and funding the fleet")
    txs += len(setup)
    cars = [
        Car(
            i,
            Vehicle(node, wallet, options),
            None
            if parking is None
            else Gate(node, gates[i % spec.gates], parking, lot_id, options),
            None if channels is None else Payee(node, payees[i % spec.gates], channels, options),
            payees[i % spec.gates].address_bytes,
        )
        for i, wallet in enumerate(vehicles)
    ]
    _in_parallel([partial(_prepare, car, parking, channels) for car in cars])
    txs += spec.vehicles * ((parking is not None) + (channels is not None))
    return Fleet(tuple(cars), parking, channels, lot_id, txs, node.info().height)


def _prepare(car: Car, parking: Contract | None, channels: Contract | None) -> None:
    """The car's parking deposit and payment channel (each sealed), watched by its payee."""
    if parking is not None:
        car.vehicle.deposit(parking, PARKING_DEPOSIT)
    if channels is not None and car.payee is not None:
        car.channel = car.vehicle.open_channel(
            channels, car.payee.address, CHANNEL_DEPOSIT, CHANNEL_TIMEOUT_S
        )
        car.payee.watch(car.channel.channel_id)
