"""The demo's settlement report: what the city did, what the chain did, and the checks that
must hold (every fee by the formula, every unit of the allocation accounted for, the sample
receipt verified offline). `render()` is the text `vmchain demo` prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from vmchain.sim.plan import EUR, DemoConfig, Lot

CHANNEL_TXS = ("open", "top_up", "redeem", "close", "expire")


def eur(units: int) -> str:
    """Micro-euros as euros with cents (exact amounts are in the units columns)."""
    return f"{units / EUR:,.2f} EUR"


def percentile(values: list[float], p: int) -> float:
    """The nearest-rank p-th percentile (0.0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, (len(ordered) * p + 99) // 100 - 1))]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class LotLine:
    lot: Lot
    stays: int
    fees: int


@dataclass(slots=True)
class DemoReport:
    """Everything the report prints; `passed` when every check holds."""

    config: DemoConfig
    electric: int = 0
    sessions_opened: int = 0
    sessions_closed: int = 0
    exits_refused: int = 0
    top_ups: int = 0
    lots: list[LotLine] = field(default_factory=list)
    channels_opened: int = 0
    channels_closed: int = 0
    channels_expired: int = 0
    vouchers: int = 0
    charger_paid: int = 0
    txs: dict[str, int] = field(default_factory=dict)  # city txs by kind
    setup_txs: int = 0
    chain_txs: int = 0  # counted from the sealed blocks of the city run
    blocks: int = 0
    setup_s: float = 0.0
    run_s: float = 0.0
    gate_latency_ms: list[float] = field(default_factory=list)
    receipt: list[str] = field(default_factory=list)  # lines about the sample bundle
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def channel_txs(self) -> int:
        return sum(self.txs.get(kind, 0) for kind in CHANNEL_TXS)

    @property
    def compression(self) -> float:
        return self.vouchers / self.channel_txs if self.channel_txs else 0.0

    @property
    def city_txs(self) -> int:
        return sum(self.txs.values())

    def render(self) -> str:
        c = self.config
        still = self.sessions_opened - self.sessions_closed
        open_channels = self.channels_opened - self.channels_closed - self.channels_expired
        rate = self.chain_txs / self.run_s if self.run_s else 0.0
        hours = f"{c.hours} simulated hour{'s' if c.hours != 1 else ''}"
        lines = [
            f"settlement report: {hours}, seed {c.seed}",
            f"  city          {c.lots} lots, {c.gates} gates, {c.vehicles} vehicles "
            f"({self.electric} electric), {c.chargers} chargers",
            f"  parking       {self.sessions_opened} sessions opened, {self.sessions_closed} "
            f"closed ({still} still parked at the end)",
            f"                {self.exits_refused} exits refused (insufficient deposit) and paid "
            f"after a top-up; {self.top_ups} top-ups in all",
            *self._lot_lines(),
            f"  charging      {self.channels_opened} channels: {self.channels_closed} closed by "
            f"chargers, {self.channels_expired} expired and refunded, {open_channels} open",
            f"                chargers earned {eur(self.charger_paid)}",
            f"  vouchers      {self.vouchers:,} streamed off chain, settled by "
            f"{self.channel_txs} channel txs: {self.compression:.1f}x fewer on chain",
            f"  chain         {self.chain_txs:,} txs in {self.blocks:,} blocks in "
            f"{self.run_s:.1f} s: {rate:,.0f} tx/s ({self.setup_txs} setup txs in "
            f"{self.setup_s:.1f} s before)",
            f"  gate latency  p50 {percentile(self.gate_latency_ms, 50):.0f} ms, p99 "
            f"{percentile(self.gate_latency_ms, 99):.0f} ms over {len(self.gate_latency_ms)} "
            "gate passes (submit to sealed receipt)",
            *(f"  {'receipt' if i == 0 else '':<13} {text}" for i, text in enumerate(self.receipt)),
        ]
        lines += [
            f"  {'check':<13} {'OK  ' if k.ok else 'FAIL'} {k.name}: {k.detail}"
            for k in self.checks
        ]
        lines.append(f"result: {'PASS' if self.passed else 'FAIL'}")
        return "\n".join(lines)

    def _lot_lines(self) -> list[str]:
        lines = []
        for i, line in enumerate(self.lots):
            label = "fees by lot" if i == 0 else ""
            lines.append(
                f"  {label:<13} {line.lot.lot_id} {line.lot.name:<16} {eur(line.fees):>14}, "
                f"{line.stays:>3} stays ({line.lot.describe()})"
            )
        return lines
