"""`vmchain demo`: a dev node, a fleet of vehicles, and payments settled in sealed blocks.

The demo starts a dev node as a child process, funds a fleet of vehicle wallets (secp256k1 and
P-256, as vehicle HSMs use) over the streaming submit RPC, deploys a toll booth contract, and
lets gates submit the vehicles' payments one at a time with submit-and-wait, the way a parking
gate does. It ends with a settlement report whose conservation check must hold: every unit of
the genesis allocation is still somewhere, with gas fees at the sealer.

Vehicle keys and payment amounts derive from `--seed`, so a run is reproducible (block
boundaries and timings are not: they depend on the machine).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TextIO

from vmchain.chain.genesis import dev_genesis, dev_keys
from vmchain.client import NodeClient, Wallet
from vmchain.crypto import Scheme, address_to_text
from vmchain.crypto.curves import ORDER
from vmchain.sim.devnode import DevNode
from vmchain.sim.progress import Progress
from vmchain.sim.tollbooth import tollbooth_code

VEHICLE_FUNDING = 1_000_000
GAS_PRICE = 1


@dataclass(frozen=True, slots=True)
class DemoConfig:
    vehicles: int = 40
    payments: int = 5  # per vehicle
    gates: int = 4  # concurrent submitters
    seed: int = 1
    block_time_ms: int = 100


@dataclass(frozen=True, slots=True)
class Payment:
    vehicle: int
    kind: str  # "parking" (a transfer to the operator) or "toll" (a call to the booth)
    amount: int


@dataclass(slots=True)
class DemoReport:
    config: DemoConfig
    payments: int = 0
    failed: int = 0
    parking_paid: int = 0
    tolls_paid: int = 0
    toll_revenue: int = 0
    booth_balance: int = 0
    paid_events: int = 0
    fees: int = 0
    blocks: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    supply: int = 0
    accounted: int = 0

    @property
    def conserved(self) -> bool:
        return self.supply == self.accounted and self.failed == 0

    def percentile(self, p: int) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, (len(ordered) * p + 99) // 100 - 1)]

    def render(self) -> str:
        rate = self.payments / self.elapsed_s if self.elapsed_s else 0.0
        lines = [
            "settlement report",
            f"  vehicles            {self.config.vehicles} ({self.config.gates} gates)",
            f"  payments sealed     {self.payments} ({self.failed} failed)",
            f"  parking fees paid   {self.parking_paid}",
            f"  tolls paid          {self.tolls_paid} (booth revenue {self.toll_revenue},"
            f" booth balance {self.booth_balance}, {self.paid_events} Paid events)",
            f"  gas fees to sealer  {self.fees}",
            f"  blocks sealed       {self.blocks}",
            f"  throughput          {rate:.1f} payments/s over {self.elapsed_s:.1f} s",
            f"  gate latency        p50 {self.percentile(50):.0f} ms,"
            f" p99 {self.percentile(99):.0f} ms (submit to sealed receipt)",
            f"  conservation        {self.accounted} of {self.supply} units accounted for:"
            f" {'OK' if self.conserved else 'FAILED'}",
        ]
        return "\n".join(lines)


def vehicle_wallets(count: int, seed: int) -> list[Wallet]:
    """Deterministic vehicle keys: even ones secp256k1, odd ones P-256."""
    wallets = []
    for i in range(count):
        scheme = Scheme.SECP256K1 if i % 2 == 0 else Scheme.P256
        digest = hashlib.sha256(f"vmchain-demo/{seed}/{i}".encode()).digest()
        secret = int.from_bytes(digest, "big") % (ORDER[scheme] - 1) + 1
        curve = "secp256k1" if scheme is Scheme.SECP256K1 else "p256"
        wallets.append(Wallet.from_private_key(secret.to_bytes(32, "big").hex(), curve=curve))
    return wallets


def plan_payments(config: DemoConfig) -> list[Payment]:
    rng = random.Random(config.seed)
    plan = [
        Payment(v, rng.choice(("parking", "toll")), rng.randrange(50, 2_500))
        for v in range(config.vehicles)
        for _ in range(config.payments)
    ]
    rng.shuffle(plan)
    return plan


def run_demo(config: DemoConfig, out: TextIO) -> DemoReport:
    """Run the whole demo against a fresh dev node; the report says whether it balanced."""
    report = DemoReport(config)
    say: Callable[[str], None] = lambda text: print(text, file=out, flush=True)  # noqa: E731
    with DevNode(config.block_time_ms) as devnode, NodeClient(devnode.grpc) as node:
        say(f"dev node up: gRPC {devnode.grpc}, metrics http://{devnode.metrics}/metrics")
        keys = dev_keys()
        funder = Wallet.from_private_key(keys[1].to_bytes().hex())
        operator = Wallet.from_private_key(keys[2].to_bytes().hex())
        vehicles = vehicle_wallets(config.vehicles, config.seed)
        start_height = node.info().height
        _fund(node, funder, vehicles, say)
        booth = node.deploy(operator, tollbooth_code())
        say(f"toll booth deployed at {booth.address}")
        started = time.monotonic()
        _pay(node, booth.address, operator.address, vehicles, plan_payments(config), report, out)
        report.elapsed_s = time.monotonic() - started
        report.toll_revenue = int(booth.call("revenue"))
        report.booth_balance = booth.balance()
        report.blocks = node.info().height - start_height
        genesis = dev_genesis()
        holders = [w.address for w in vehicles] + [booth.address]
        holders += [address_to_text(k.address) for k in keys]
        report.accounted = sum(node.balance(a) for a in holders)
        report.supply = genesis.total_supply
        sealer = keys[0].address
        report.fees = node.balance(sealer) - dict(genesis.alloc)[sealer]
    return report


def _fund(
    node: NodeClient, funder: Wallet, vehicles: list[Wallet], say: Callable[[str], None]
) -> None:
    txs = [node.build_transfer(funder, v.address, VEHICLE_FUNDING) for v in vehicles]
    outcomes = node.submit_many(txs)
    rejected = [o for o in outcomes if not o.accepted]
    if rejected:
        raise RuntimeError(f"funding rejected: {rejected[0]}")
    for tx in txs:
        node.receipt(tx.tx_id, wait=True)
    say(f"funded {len(vehicles)} vehicles with {VEHICLE_FUNDING} units each in one streamed batch")


def _pay(
    node: NodeClient,
    booth: str,
    operator: str,
    vehicles: list[Wallet],
    plan: list[Payment],
    report: DemoReport,
    out: TextIO,
) -> None:
    def one(payment: Payment) -> tuple[Payment, float, bool, int]:
        wallet = vehicles[payment.vehicle]
        began = time.monotonic()
        if payment.kind == "parking":
            tx = node.build_transfer(wallet, operator, payment.amount, gas_price=GAS_PRICE)
        else:
            tx = node.build_call(wallet, booth, "pay", value=payment.amount, gas_price=GAS_PRICE)
        receipt = node.submit(tx, wait=True, check=False)
        paid = sum(event.name == "Paid" for event in receipt.events)
        return payment, (time.monotonic() - began) * 1000, receipt.succeeded, paid

    with (
        Progress(len(plan), "payments", out) as bar,
        ThreadPoolExecutor(report.config.gates) as pool,
    ):
        for payment, latency_ms, ok, paid_events in pool.map(one, plan):
            report.latencies_ms.append(latency_ms)
            report.paid_events += paid_events
            report.payments += 1
            report.failed += not ok
            if ok and payment.kind == "parking":
                report.parking_paid += payment.amount
            elif ok:
                report.tolls_paid += payment.amount
            bar.advance()
