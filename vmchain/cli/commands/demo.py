"""`vmchain demo`: a simulated city of parking gates, vehicles and EV chargers settled on an
embedded dev node, ending in a settlement report.

Exit code 0 when every check of the report holds (fees by the formula, the books of both
contracts, conservation of the genesis allocation, the sample receipt verified offline), 1
otherwise or when the demo cannot run, 2 for bad options.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from vmchain.cli.commands import Command, CommandError, UsageError
from vmchain.client import ClientError
from vmchain.sim.demo import DemoConfig, DemoError, run_demo
from vmchain.sim.devnode import DevNodeError

DEFAULT_RECEIPT = Path(tempfile.gettempdir()) / "vmchain-demo-receipt.vmrb"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = DemoConfig()
    add = parser.add_argument
    add("--hours", type=int, default=defaults.hours, help="simulated hours (3)")
    add("--lots", type=int, default=defaults.lots, help="parking lots, each its own tariff (3)")
    add("--gates", type=int, default=defaults.gates, help="gates, spread over the lots (6)")
    add("--vehicles", type=int, default=defaults.vehicles, help="vehicles, half electric (200)")
    add("--chargers", type=int, default=defaults.chargers, help="EV chargers (20)")
    add("--seed", type=int, default=defaults.seed, help="seed of the keys and the plan (1)")
    add("--block-time-ms", type=int, default=defaults.block_time_ms,
        help=f"the dev node's block time ({defaults.block_time_ms})")  # fmt: skip
    add("--receipt-out", type=Path, default=DEFAULT_RECEIPT, metavar="FILE",
        help=f"where to write the sample receipt bundle ({DEFAULT_RECEIPT})")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    config = DemoConfig(
        hours=args.hours, lots=args.lots, gates=args.gates, vehicles=args.vehicles,
        chargers=args.chargers, seed=args.seed, block_time_ms=args.block_time_ms,
    )  # fmt: skip
    problems = config.problems()
    if problems:
        raise UsageError("; ".join(problems))
    try:
        report = run_demo(config, sys.stderr, args.receipt_out)
    except (DevNodeError, DemoError, ClientError, OSError) as exc:
        raise CommandError(f"the demo failed: {exc}") from None
    except KeyboardInterrupt:
        raise CommandError("interrupted; the dev node has been stopped") from None
    print(report.render())
    return 0 if report.passed else 1


COMMAND = Command(
    "demo", "simulate a city's parking and EV charging on an embedded dev node", add_arguments, run
)
