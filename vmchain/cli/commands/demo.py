"""`vmchain demo`: run the demo against an embedded dev node and print its settlement report.

Exit code 0 when every payment settled and the conservation check holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

from vmchain.cli.commands import Command, CommandError
from vmchain.sim.demo import DemoConfig, run_demo
from vmchain.sim.devnode import DevNodeError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = DemoConfig()
    add = parser.add_argument
    add("--vehicles", type=int, default=defaults.vehicles, help="vehicles in the fleet")
    add("--payments", type=int, default=defaults.payments, help="payments per vehicle")
    add("--gates", type=int, default=defaults.gates, help="gates submitting at once")
    add("--seed", type=int, default=defaults.seed, help="seed for keys and amounts")
    add("--block-time-ms", type=int, default=defaults.block_time_ms, help="node block time")


def run(args: argparse.Namespace) -> int:
    for name in ("vehicles", "payments", "gates", "block_time_ms"):
        if getattr(args, name) < 1:
            raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
    config = DemoConfig(args.vehicles, args.payments, args.gates, args.seed, args.block_time_ms)
    try:
        report = run_demo(config, sys.stderr)
    except DevNodeError as exc:
        raise CommandError(str(exc)) from None
    print(report.render())
    return 0 if report.conserved else 1


COMMAND = Command("demo", "run the payments demo against an embedded dev node", add_arguments, run)
