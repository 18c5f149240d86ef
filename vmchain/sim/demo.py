"""`vmchain demo`: a small city's parking and charging settled on a dev node, hours in seconds.

The demo starts a dev node as a child process, deploys the parking and payment-channel
contracts of contracts/, sets up the lots of the plan (vmchain/sim/plan.py) and their gates,
funds the fleet, gives every vehicle a parking deposit, then plays the plan one simulated minute
per round (vmchain/sim/city.py), moving the chain's clock with the Dev service. At the end the
operator withdraws its revenue, and the report (vmchain/sim/report.py) checks that every fee
followed the formula and that every unit of the genesis allocation is accounted for (balances,
deposits, revenue, open channels, gas fees), and writes one gate's receipt bundle to disk and
verifies it offline.

Keys, the plan and so every amount derive from the seed: a run is reproducible except for its
timings, blocks and latencies (rounds are pinned to whole minutes, and a round takes well under
the second it would need to shift a block timestamp).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import vmchain
from vmchain.chain.genesis import dev_genesis, dev_key
from vmchain.chain.tx import Tx
from vmchain.client import (
    CallOptions,
    Gate,
    NodeClient,
    Payee,
    Vehicle,
    Wallet,
    verify_receipt_bundle,
)
from vmchain.crypto import Scheme, address_to_text
from vmchain.crypto.curves import ORDER
from vmchain.sim.city import Actors, City
from vmchain.sim.devnode import DevNode
from vmchain.sim.plan import EUR, MINUTE, DemoConfig, Plan, make_plan
from vmchain.sim.progress import Progress
from vmchain.sim.report import Check, DemoReport, LotLine, eur

__all__ = ["DemoConfig", "DemoError", "DemoReport", "demo_wallet", "make_plan", "run_demo"]

CONTRACTS = Path(vmchain.__file__).resolve().parent.parent / "contracts"
GAS_PRICE = 1  # micro-euro per gas: a gate pass costs about 0.03 EUR
CALL_GAS = 100_000
FUNDING = {"vehicle": 500 * EUR, "charger": 20 * EUR, "gate": 50 * EUR}
WORKERS = 32  # concurrent submitters in a round


class DemoError(RuntimeError):
    """The demo could not run (the message says why)."""


def demo_wallet(seed: int, role: str, index: int) -> Wallet:
    """A deterministic key per seed, role and index; odd vehicles use P-256, like many
    automotive HSMs, everything else secp256k1."""
    scheme = Scheme.P256 if role == "vehicle" and index % 2 else Scheme.SECP256K1
    digest = hashlib.sha256(f"vmchain-demo/{seed}/{role}/{index}".encode()).digest()
    secret = int.from_bytes(digest, "big") % (ORDER[scheme] - 1) + 1
    curve = "p256" if scheme is Scheme.P256 else "secp256k1"
    return Wallet.from_private_key(secret.to_bytes(32, "big"), curve=curve)


@dataclass(frozen=True, slots=True)
class Wallets:
    operator: Wallet  # owns the parking contract, deploys both
    funder: Wallet
    treasury: Wallet  # where the operator's revenue goes at the end
    gates: tuple[Wallet, ...]
    vehicles: tuple[Wallet, ...]
    chargers: tuple[Wallet, ...]

    @classmethod
    def of(cls, config: DemoConfig) -> Wallets:
        def many(role: str, count: int) -> tuple[Wallet, ...]:
            return tuple(demo_wallet(config.seed, role, i) for i in range(count))

        return cls(
            Wallet(dev_key(1)),
            Wallet(dev_key(2)),
            demo_wallet(config.seed, "treasury", 0),
            many("gate", config.gates),
            many("vehicle", config.vehicles),
            many("charger", config.chargers),
        )

    def everyone(self) -> list[str]:
        """Every account that can hold funds in the run (the dev accounts included)."""
        dev = [address_to_text(dev_key(i).address) for i in range(10)]
        actors = [*self.gates, *self.vehicles, *self.chargers, self.treasury]
        return dev + [w.address for w in actors]


def run_demo(config: DemoConfig, out: TextIO, receipt_path: Path) -> DemoReport:
    """Run the whole demo against a fresh dev node; `report.passed` says whether it held."""
    problems = config.problems()
    if problems:
        raise DemoError("; ".join(problems))
    for name in ("parking.py", "channel.py"):
        if not (CONTRACTS / name).is_file():
            raise DemoError(f"{CONTRACTS / name} not found: run the demo from a source checkout")
    plan = make_plan(config)
    wallets = Wallets.of(config)

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    with DevNode(config.block_time_ms) as devnode, NodeClient(devnode.grpc) as node:
        say(f"dev node up: gRPC {devnode.grpc}, metrics http://{devnode.metrics}/metrics")
        report = DemoReport(config, electric=sum(1 for v in range(config.vehicles) if v % 2 == 0))
        began = time.monotonic()
        actors, report.setup_txs = _set_up(node, plan, wallets, say)
        report.setup_s = time.monotonic() - began
        city = _play(node, plan, actors, report, out)
        _settle_revenue(actors, wallets, city)
        _fill(report, plan, city)
        report.checks = _checks(node, wallets, actors, city, report)
        report.receipt, receipt_ok = _sample_receipt(node, actors, city, receipt_path)
        report.checks.append(Check("receipt bundle", receipt_ok, "verified offline from disk"))
    return report


# -- setting up ----------------------------------------------------------------------------


def _settle(node: NodeClient, txs: Sequence[Tx], what: str) -> None:
    """Submit a batch over the stream and wait until every tx is sealed and succeeded."""
    rejected = [o for o in node.submit_many(txs) if not o.accepted]
    if rejected:
        raise DemoError(f"{what}: the node refused {rejected[0].tx_id}: {rejected[0].error}")
    for tx in txs:
        receipt = node.receipt(tx.tx_id, wait=True)
        if not receipt.succeeded:
            raise DemoError(f"{what}: {receipt.tx_id} ended {receipt.status}: {receipt.error}")


def _set_up(
    node: NodeClient, plan: Plan, wallets: Wallets, say: Callable[[str], None]
) -> tuple[Actors, int]:
    op = wallets.operator
    parking = node.deploy(op, CONTRACTS / "parking.py")
    channels = node.deploy(op, CONTRACTS / "channel.py")
    say(f"parking contract at {parking.address}, payment channels at {channels.address}")

    def call(wallet: Wallet, name: str, *args: Any, value: int = 0) -> Tx:
        return parking.build(
            wallet, name, *args, value=value, gas_limit=CALL_GAS, gas_price=GAS_PRICE
        )

    lots = [call(op, "add_lot", lot.lot_id, *lot.tariff) for lot in plan.lots]
    _settle(node, lots, "adding lots")
    gates = [
        call(op, "add_gate", lot, wallets.gates[g].address) for g, lot in enumerate(plan.gate_lots)
    ]
    funding = [
        node.build_transfer(wallets.funder, w.address, FUNDING[role], gas_price=GAS_PRICE)
        for role, group in (
            ("gate", wallets.gates),
            ("vehicle", wallets.vehicles),
            ("charger", wallets.chargers),
        )
        for w in group
    ]
    _settle(node, gates + funding, "adding gates and funding the fleet")
    deposits = [
        call(w, "deposit", value=d) for w, d in zip(wallets.vehicles, plan.deposits, strict=True)
    ]
    _settle(node, deposits, "first parking deposits")
    say(
        f"{len(plan.lots)} lots and {len(gates)} gates set up; {len(funding)} accounts funded "
        f"and {len(deposits)} parking deposits made in streamed batches"
    )
    options = CallOptions(gas_limit=CALL_GAS, gas_price=GAS_PRICE)
    actors = Actors(
        node,
        parking,
        channels,
        tuple(
            Gate(node, w, parking, lot, options)
            for w, lot in zip(wallets.gates, plan.gate_lots, strict=True)
        ),
        tuple(Vehicle(node, w, options) for w in wallets.vehicles),
        tuple(Payee(node, w, channels, options) for w in wallets.chargers),
    )
    return actors, 2 + len(lots) + len(gates) + len(funding) + len(deposits)


# -- the run -------------------------------------------------------------------------------


def _play(node: NodeClient, plan: Plan, actors: Actors, report: DemoReport, out: TextIO) -> City:
    head_s = node.info().head_timestamp_ms // 1000
    start = (head_s // MINUTE + 2) * MINUTE  # a whole minute, ahead of the head
    city = City(plan, actors, start)
    first_height = node.info().height + 1
    began = time.monotonic()
    minutes = plan.config.minutes
    with Progress(minutes, "simulated minutes", out) as bar, ThreadPoolExecutor(WORKERS) as pool:
        for minute in range(minutes):
            city.run_round(minute, pool)
            bar.advance()
    report.run_s = time.monotonic() - began
    last_height = node.info().height
    report.blocks = last_height - first_height + 1
    report.chain_txs = _sealed_txs(node, first_height, last_height)
    return city


def _sealed_txs(node: NodeClient, first: int, last: int) -> int:
    """How many txs the blocks first..last hold (their seals checked on the way)."""
    total = 0
    if last < first:
        return 0
    for block in node.blocks(first, timeout=30.0):
        total += block.tx_count
        if block.height >= last:
            break
    return total


def _settle_revenue(actors: Actors, wallets: Wallets, city: City) -> None:
    """The operator moves its revenue to the treasury (`withdraw_revenue`)."""
    revenue = int(actors.parking.call("revenue"))
    if revenue:
        actors.parking.transact(
            wallets.operator, "withdraw_revenue", wallets.treasury.address, revenue
        )
        city.tally.count("withdraw_revenue")


def _fill(report: DemoReport, plan: Plan, city: City) -> None:
    tally = city.tally
    report.sessions_opened = tally.txs["enter"]
    report.sessions_closed = tally.txs["exit"]
    report.exits_refused = tally.txs["exit refused"]
    report.top_ups = tally.txs["deposit"]
    report.channels_opened = tally.txs["open"]
    report.channels_closed = tally.channels_closed
    report.channels_expired = tally.channels_expired
    report.vouchers = tally.vouchers
    report.charger_paid = tally.charger_paid
    report.txs = {k: v for k, v in tally.txs.items() if k != "withdraw_revenue"}
    report.gate_latency_ms = list(tally.gate_latency_ms)
    for lot in plan.lots:
        records = [r for r in tally.exits if r.lot == lot.lot_id]
        report.lots.append(LotLine(lot, len(records), sum(r.fee for r in records)))


# -- the checks ----------------------------------------------------------------------------


def _checks(
    node: NodeClient, wallets: Wallets, actors: Actors, city: City, report: DemoReport
) -> list[Check]:
    tally = city.tally
    fees = sum(r.fee for r in tally.exits)
    deposits = sum(int(actors.parking.call("deposit_of", w.address)) for w in wallets.vehicles)
    revenue = int(actors.parking.call("revenue"))
    parking_balance = actors.parking.balance()
    locked = 0
    for channel in city.channels.values():
        state = actors.channels.call("channel", channel.channel_id)
        locked += state[2] - state[3] if state[5] else 0  # deposit - redeemed, while open
    channel_balance = actors.channels.balance()
    balances = sum(node.balance(a) for a in wallets.everyone())
    genesis = dev_genesis()
    sealer = dev_key(0).address
    gas = node.balance(sealer) - dict(genesis.alloc)[sealer]
    treasury = node.balance(wallets.treasury.address)
    held = balances + parking_balance + channel_balance
    return [
        Check(
            "fees",
            tally.fee_mismatches == 0,
            f"{len(tally.exits) - tally.fee_mismatches} of {len(tally.exits)} fees match the "
            "reference formula for their entry and exit times",
        ),
        Check(
            "parking books",
            parking_balance == deposits + revenue and treasury + revenue == fees,
            f"the contract holds {eur(parking_balance)} = vehicle deposits {eur(deposits)} + "
            f"revenue {eur(revenue)}; the treasury got the {eur(fees)} of fees",
        ),
        Check(
            "channel books",
            channel_balance == locked,
            f"the contract holds {eur(channel_balance)}, what open channels have not paid out",
        ),
        Check(
            "conservation",
            held == genesis.total_supply,
            f"balances {balances - gas:,} + deposits {deposits + channel_balance:,} + revenue "
            f"{revenue:,} + gas fees {gas:,} = {held:,} of the {genesis.total_supply:,} units "
            "allocated at genesis",
        ),
        Check(
            "tx count",
            report.city_txs == report.chain_txs,
            f"the {report.city_txs:,} txs the city sent are the {report.chain_txs:,} sealed",
        ),
    ]


def _sample_receipt(
    node: NodeClient, actors: Actors, city: City, path: Path
) -> tuple[list[str], bool]:
    """Write the bundle of the run's biggest exit fee to `path`, read it back, verify it
    offline; (the report line, whether it verified and says what we paid)."""
    exits = sorted(city.tally.exits, key=lambda r: (-r.fee, r.minute, r.vehicle))
    if not exits:
        return ["no gate exit in this run: no sample receipt"], True
    record = exits[0]
    path.write_bytes(node.receipt_bundle(record.tx_id))
    abi = actors.parking.abi
    assert abi is not None
    authorities = [dev_key(0).address]
    receipt = verify_receipt_bundle(
        path.read_bytes(), authorities, chain_id=node.chain_info().chain_id, abi_for=lambda _: abi
    )
    closed = next(e.args for e in receipt.events if e.name == "SessionClosed")
    vehicle = actors.vehicles[record.vehicle].address
    ok = (
        receipt.tx_id == record.tx_id
        and closed["fee"] == record.fee
        and closed["vehicle"] == vehicle
    )
    lines = [
        f"{path} ({path.stat().st_size} bytes): vehicle {vehicle}",
        f"paid {eur(record.fee)} at lot {record.lot} in block {receipt.height}; "
        f"check it offline: vmchain verify-receipt {path} --dev",
    ]
    return lines, ok
