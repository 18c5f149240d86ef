"""The three kinds of bench operation, each one signed transaction from one car:

- transfer: the vehicle sends 1 unit to its payee (a plain transfer, intrinsic gas);
- parking: the car's gate opens its session (`Gate.build_enter`) or, when one is open, closes
  it (`Gate.build_exit`), the fee moving from the vehicle's deposit to the operator;
- voucher: the vehicle pays 1 unit more through its channel (`Vehicle.pay`, a signed voucher
  handed over off chain), the payee checks it locally (`Payee.accept`) and redeems it on chain.

`build(kind, car, window)` returns the signed tx and what to do once it is sealed with SUCCESS
(flip the car's parking state, record what the payee has redeemed). Transfers and redeems take
their validity window from `ChainWindow`, whose head the block watcher keeps current, so
building a tx costs no round trip.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from vmchain.bench.fleet import CALL_GAS, Car
from vmchain.chain.tx import Call, Payload, Transfer, Tx, TxBody, fit_intrinsic_gas
from vmchain.client import NodeInfo
from vmchain.client.abi import to_selector

NOTE_SIZE = 8

OnSuccess = Callable[[], None]


class ChainWindow:
    """Chain id, minimum gas price and a recent head: what a body needs. `height` is updated
    by whoever sees new blocks (a plain int: one writer, readers tolerate a stale value)."""

    def __init__(self, info: NodeInfo) -> None:
        self.chain_id = info.chain_id
        self.min_gas_price = info.min_gas_price
        self.span = max(1, info.max_validity_window)
        self.height = info.height

    def body(self, sender: bytes, payload: Payload, gas_limit: int) -> TxBody:
        first = self.height + 1
        return TxBody(
            chain_id=self.chain_id,
            sender=sender,
            first_valid=first,
            last_valid=first + self.span - 1,
            gas_limit=gas_limit,
            gas_price=self.min_gas_price,
            payload=payload,
            note=os.urandom(NOTE_SIZE),
        )


def _nothing() -> None:
    return None


def transfer(car: Car, window: ChainWindow) -> tuple[Tx, OnSuccess]:
    wallet = car.vehicle.wallet
    body = window.body(wallet.address_bytes, Transfer(car.payee_address, 1), 0)
    return wallet.sign_transaction(fit_intrinsic_gas(body)), _nothing


def parking(car: Car, window: ChainWindow) -> tuple[Tx, OnSuccess]:
    gate = car.gate
    if gate is None:
        raise ValueError(f"car {car.index} has no gate: the fleet was set up without parking")
    vehicle = car.vehicle.address
    tx = gate.build_exit(vehicle) if car.inside else gate.build_enter(vehicle)

    def flip() -> None:
        car.inside = not car.inside

    return tx, flip


def voucher(car: Car, window: ChainWindow) -> tuple[Tx, OnSuccess]:
    payee, channel = car.payee, car.channel
    if payee is None or channel is None:
        raise ValueError(f"car {car.index} has no channel: the fleet was set up without vouchers")
    signed = car.vehicle.pay(channel, 1)  # off chain, to the payee
    payee.accept(signed)  # checked locally: no node, no gas
    args = (channel.channel_id, signed.amount, signed.signature)
    abi = payee.channels.abi
    encoded = None if abi is None else abi.encode_call("redeem", args)
    if encoded is None:
        raise ValueError("the channel contract handle needs its typed ABI to redeem")
    call = Call(payee.channels.address_bytes, to_selector("redeem"), encoded, 0)
    tx = payee.wallet.sign_transaction(window.body(payee.wallet.address_bytes, call, CALL_GAS))
    incoming = payee.open[channel.channel_id]

    def redeemed() -> None:
        incoming.redeemed = max(incoming.redeemed, signed.amount)

    return tx, redeemed


BUILDERS: dict[str, Callable[[Car, ChainWindow], tuple[Tx, OnSuccess]]] = {
    "transfer": transfer,
    "parking": parking,
    "voucher": voucher,
}


@dataclass(frozen=True, slots=True)
class Built:
    """A signed operation ready to send."""

    tx: Tx
    on_success: OnSuccess


def build(kind: str, car: Car, window: ChainWindow) -> Built:
    tx, on_success = BUILDERS[kind](car, window)
    return Built(tx, on_success)
