"""The city at run time: the plan's gates, vehicles and chargers acting on a dev node through
the SDK's domain helpers, one simulated minute per round.

Each round pins the next block's time to the round's minute (dev time control), then runs the
round's work concurrently: each gate works through its queue of exits and entries with
submit-and-wait (`Gate.enter` / `Gate.exit`), each charging session does its minute (open the
channel, or stream one voucher checked by the charger off chain, redeeming now and then, closing
at the end), and vehicles top up their parking deposits or take back timed-out channels. What
happened is counted in a `Tally` from the receipts.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from vmchain.client import (
    Contract,
    Gate,
    NodeClient,
    Payee,
    PaymentChannel,
    TransactionFailed,
    Vehicle,
    Voucher,
)
from vmchain.sim.plan import EUR, MINUTE, Charge, Plan, Stay, reference_fee

LOW_DEPOSIT = 10 * EUR  # a vehicle tops up its parking deposit below this...
TOP_UP = 40 * EUR  # ...by this much
CHANNEL_MINUTES = 45  # a channel's deposit covers this many minutes; topped up as needed
REDEEM_EVERY = 20  # a charger redeems its best voucher every this many minutes
TIMEOUT_SLACK = 30  # minutes a channel stays open past the planned end of charging


@dataclass(frozen=True, slots=True)
class Actors:
    """The contracts and everyone who acts on them."""

    node: NodeClient
    parking: Contract
    channels: Contract
    gates: tuple[Gate, ...]
    vehicles: tuple[Vehicle, ...]
    chargers: tuple[Payee, ...]


@dataclass(frozen=True, slots=True)
class ExitRecord:
    """A settled stay, as its SessionClosed event says."""

    minute: int
    vehicle: int
    lot: int
    entry: int
    exit: int
    fee: int
    tx_id: str


@dataclass
class Tally:
    """What the run did, counted from receipts. Thread safe through `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    txs: Counter[str] = field(default_factory=Counter)  # on-chain txs by kind
    vouchers: int = 0
    exits: list[ExitRecord] = field(default_factory=list)
    fee_mismatches: int = 0
    gate_latency_ms: list[float] = field(default_factory=list)
    charger_paid: int = 0  # paid out to chargers by redeem and close
    channel_refunds: int = 0  # back to vehicles by close and expire
    channels_closed: int = 0
    channels_expired: int = 0

    def count(self, kind: str, n: int = 1) -> None:
        with self.lock:
            self.txs[kind] += n


class City:
    """Runs the plan's rounds against the actors."""

    def __init__(self, plan: Plan, actors: Actors, start_time: int) -> None:
        self.plan = plan
        self.actors = actors
        self.start_time = start_time  # seconds: minute 0 of the run
        self.tally = Tally()
        self._lots = {lot.lot_id: lot for lot in plan.lots}
        self._enters = _by_minute(plan.stays, lambda s: s.enter)
        self._exits = _by_minute(
            [s for s in plan.stays if s.exit is not None], lambda s: s.exit or 0
        )
        self._charging = _charging_minutes(plan.charges, plan.config.minutes)
        self._expiries: defaultdict[int, list[Charge]] = defaultdict(list)
        self._top_ups: list[int] = []  # vehicles to top up next round
        self._deposits = list(plan.deposits)  # each vehicle's parking deposit, as it knows it
        self._channels: dict[Charge, PaymentChannel] = {}

    # -- rounds ----------------------------------------------------------------------------

    def work(self, minute: int) -> list[Callable[[], None]]:
        """The round's independent pieces of work (empty: nothing happens this minute)."""
        queues: defaultdict[int, list[tuple[str, Stay]]] = defaultdict(list)
        for stay in self._exits.get(minute, []):
            queues[stay.exit_gate].append(("exit", stay))
        for stay in self._enters.get(minute, []):
            queues[stay.enter_gate].append(("enter", stay))
        work: list[Callable[[], None]] = [
            _bind(self._gate_queue, gate, ops, minute) for gate, ops in sorted(queues.items())
        ]
        work += [_bind(self._charge_minute, c, minute) for c in self._charging.get(minute, [])]
        work += [_bind(self._expire, c) for c in self._expiries.pop(minute, [])]
        work += [_bind(self._top_up, v) for v in self._top_ups]
        self._top_ups = []
        return work

    def run_round(self, minute: int, pool: ThreadPoolExecutor) -> bool:
        """Pin the round's time, do its work; False when there was nothing to do."""
        work = self.work(minute)
        if not work:
            return False
        self.actors.node.dev.set_next_block_time(self.start_time + minute * MINUTE)
        futures = [pool.submit(piece) for piece in work]
        try:
            for future in futures:
                future.result()  # re-raises what went wrong
        except BaseException:  # a failure or Ctrl-C: do not start what has not started
            for future in futures:
                future.cancel()
            raise
        return True

    # -- gates -----------------------------------------------------------------------------

    def _gate_queue(self, gate_index: int, ops: list[tuple[str, Stay]], minute: int) -> None:
        gate = self.actors.gates[gate_index]
        for op, stay in ops:
            began = time.monotonic()
            if op == "enter":
                gate.enter(self.actors.vehicles[stay.vehicle].address)
                self.tally.count("enter")
            else:
                self._exit(gate, stay, minute)
            with self.tally.lock:
                self.tally.gate_latency_ms.append((time.monotonic() - began) * 1000)

    def _exit(self, gate: Gate, stay: Stay, minute: int) -> None:
        vehicle = self.actors.vehicles[stay.vehicle]
        try:
            fee = gate.exit(vehicle.address)
        except TransactionFailed as failed:
            if failed.message != "insufficient deposit":
                raise
            self.tally.count("exit refused")
            # The gate tells the driver, who tops up what it needs; the gate tries again.
            owed = reference_fee((minute - stay.enter) * MINUTE, self._lots[stay.lot])
            amount = max(owed - self._deposits[stay.vehicle], 0) + TOP_UP
            vehicle.deposit(self.actors.parking, amount)
            self.tally.count("deposit")
            self._deposits[stay.vehicle] += amount
            fee = gate.exit(vehicle.address)
        self.tally.count("exit")
        self._deposits[stay.vehicle] -= fee
        if self._deposits[stay.vehicle] < LOW_DEPOSIT:
            with self.tally.lock:
                self._top_ups.append(stay.vehicle)
        self._record_exit(gate, stay, minute)

    def _record_exit(self, gate: Gate, stay: Stay, minute: int) -> None:
        receipt = gate.last_receipt
        assert receipt is not None
        closed = next(e.args for e in receipt.events if e.name == "SessionClosed")
        record = ExitRecord(
            minute, stay.vehicle, stay.lot, closed["entry"], closed["exit"], closed["fee"],
            receipt.tx_id,
        )  # fmt: skip
        expected = reference_fee(record.exit - record.entry, self._lots[stay.lot])
        with self.tally.lock:
            self.tally.exits.append(record)
            self.tally.fee_mismatches += record.fee != expected

    # -- vehicles --------------------------------------------------------------------------

    def _top_up(self, vehicle_index: int) -> None:
        self.actors.vehicles[vehicle_index].deposit(self.actors.parking, TOP_UP)
        self.tally.count("deposit")
        self._deposits[vehicle_index] += TOP_UP

    def _expire(self, charge: Charge) -> None:
        channel = self._channels[charge]
        refunded = self.actors.vehicles[charge.vehicle].expire(channel)
        self.tally.count("expire")
        with self.tally.lock:
            self.tally.channel_refunds += refunded
            self.tally.channels_expired += 1

    # -- charging --------------------------------------------------------------------------

    def _charge_minute(self, charge: Charge, minute: int) -> None:
        if minute == charge.start:
            self._open(charge)
            return
        vehicle = self.actors.vehicles[charge.vehicle]
        charger = self.actors.chargers[charge.charger]
        channel = self._channels[charge]
        if channel.remaining < charge.price:
            vehicle.top_up(channel, charge.price * CHANNEL_MINUTES)
            self.tally.count("top_up")
            charger.watch(channel.channel_id)  # sees the bigger deposit on chain
        radio = vehicle.pay(channel, charge.price).to_bytes()  # off chain, to the charger
        charger.accept(Voucher.from_bytes(radio))
        with self.tally.lock:
            self.tally.vouchers += 1
        if minute == charge.end and not charge.offline:
            self._close(charger, channel)
        elif (minute - charge.start) % REDEEM_EVERY == 0:
            paid = charger.redeem(channel.channel_id)
            self.tally.count("redeem")
            with self.tally.lock:
                self.tally.charger_paid += paid

    def _open(self, charge: Charge) -> None:
        charger = self.actors.chargers[charge.charger]
        channel = self.actors.vehicles[charge.vehicle].open_channel(
            self.actors.channels,
            charger.address,
            deposit=charge.price * CHANNEL_MINUTES,
            timeout_seconds=(charge.minutes + TIMEOUT_SLACK) * MINUTE,
        )
        self.tally.count("open")
        charger.watch(channel.channel_id)
        self._channels[charge] = channel
        if charge.offline:
            with self.tally.lock:
                self._expiries[charge.end + TIMEOUT_SLACK + 1].append(charge)

    def _close(self, charger: Payee, channel: PaymentChannel) -> None:
        before = charger.open[channel.channel_id].redeemed
        paid, refunded = charger.close(channel.channel_id)
        self.tally.count("close")
        with self.tally.lock:
            self.tally.charger_paid += paid - before
            self.tally.channel_refunds += refunded
            self.tally.channels_closed += 1

    @property
    def channels(self) -> dict[Charge, PaymentChannel]:
        return self._channels


def _bind(fn: Callable[..., None], *args: object) -> Callable[[], None]:
    return lambda: fn(*args)


def _by_minute(
    stays: list[Stay] | tuple[Stay, ...], key: Callable[[Stay], int]
) -> dict[int, list[Stay]]:
    table: defaultdict[int, list[Stay]] = defaultdict(list)
    for stay in stays:
        table[key(stay)].append(stay)
    return table


def _charging_minutes(charges: tuple[Charge, ...], minutes: int) -> dict[int, list[Charge]]:
    """Minute -> the sessions that act in it: open at the start, one voucher each minute after."""
    table: defaultdict[int, list[Charge]] = defaultdict(list)
    for charge in charges:
        for minute in range(charge.start, min(charge.end, minutes - 1) + 1):
            table[minute].append(charge)
    return table
