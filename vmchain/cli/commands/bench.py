"""`vmchain bench --target HOST:PORT (--rate N | --max) ...`: load a running node with a mix
of transfers, parking entries/exits and voucher redemptions; print throughput and exact latency
percentiles (p50, p90, p99, max) per kind and overall, and errors by gRPC code; --json FILE
writes the same, plus per-interval tx/s, p99 and the node's RSS.

Exit code 0 when the run completed (errors under overload are results, not failures), 1 when
the fleet could not be set up or the block stream failed, 2 for bad options.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from vmchain.bench import report
from vmchain.bench.fleet import Fleet, FleetError, FleetSpec, set_up
from vmchain.bench.load import LoadError, LoadSpec, Runner, facts
from vmchain.bench.rss import RssError, RssProbe, from_metrics, from_pid
from vmchain.bench.schedule import DEFAULT_MIX, Mix, MixError, parse_mix
from vmchain.bench.stats import NS_PER_S
from vmchain.chain.genesis import DEV_ACCOUNT_COUNT, dev_key
from vmchain.cli.commands import Command, CommandError, UsageError
from vmchain.cli.commands.sdk_args import address_arg
from vmchain.client import ClientError, NodeClient, RetryPolicy, Wallet
from vmchain.client.node_client import DEFAULT_TARGET

NODE_ENV = "VMCHAIN_NODE"
DEFAULT_FUNDER = 1  # dev account 0 seals; the demo also funds from 1
PATIENT = RetryPolicy(deadline=120.0)
REACH_S = 10.0

EPILOG = """\
Setup (untimed): the funder (--key FILE, or on a dev chain --dev-account I, default 1) deploys
contracts/parking.py and contracts/channel.py, or reuses --parking ADDR (owned by the funder)
and --channels ADDR; adds a fresh lot and --gates gates, as many payees (chargers), funds
--vehicles vehicles, and has each make a parking deposit and open a payment channel. Run it
from a source checkout (it compiles contracts/).

Each vehicle has at most one tx in flight, so --vehicles bounds the concurrency: --max needs
enough of them to saturate the node (a few hundred; the default concurrency is one per
vehicle). With --rate, operation i is due at start + i/rate whatever the node does, and its
latency runs from that due time to the moment its block reached the client, so queueing is
measured, not hidden. Node memory: --node-pid PID (same machine, /proc/PID/status VmRSS) or
--metrics-url URL (needs process_resident_memory_bytes, i.e. prometheus_client's process
collector, on the node's /metrics).
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not 0 <= value < 10**7:
        raise argparse.ArgumentTypeError(f"expected a non-negative number of seconds, got {text}")
    return value


def _mix(text: str) -> Mix:
    try:
        return parse_mix(text)
    except MixError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add = parser.add_argument
    add(
        "--target",
        default=os.environ.get(NODE_ENV, DEFAULT_TARGET),
        metavar="HOST:PORT",
        help=f"the node's gRPC address (default ${NODE_ENV} or {DEFAULT_TARGET})",
    )
    load = parser.add_mutually_exclusive_group(required=True)
    load.add_argument(
        "--rate",
        type=_positive_int,
        metavar="TX_PER_S",
        help="open loop: this many operations per second, on schedule",
    )
    load.add_argument(
        "--max", action="store_true", help="closed loop: keep --concurrency operations in flight"
    )
    add(
        "--concurrency",
        type=_positive_int,
        metavar="N",
        help="with --max: operations in flight (default: --vehicles)",
    )
    add("--duration", type=_seconds, default=30.0, metavar="S", help="measured seconds (30)")
    add(
        "--warmup",
        type=_seconds,
        default=0.0,
        metavar="S",
        help="seconds of load before the measured window, reported apart (0)",
    )
    add(
        "--interval",
        type=_seconds,
        default=10.0,
        metavar="S",
        help="per-interval figures every S seconds in the JSON (10)",
    )
    add(
        "--drain",
        type=_seconds,
        default=30.0,
        metavar="S",
        help="after the window, wait this long for txs in flight (30)",
    )
    add("--gates", type=_positive_int, default=4, metavar="N", help="parking gates and payees (4)")
    add("--vehicles", type=_positive_int, default=200, metavar="N", help="vehicles (200)")
    add(
        "--mix",
        type=_mix,
        default=parse_mix(DEFAULT_MIX),
        metavar="KIND=W,...",
        help=f"weights of transfer, parking, voucher ({DEFAULT_MIX})",
    )
    add("--json", type=Path, metavar="FILE", help="also write the report as JSON to FILE")
    memory = parser.add_mutually_exclusive_group()
    memory.add_argument(
        "--node-pid",
        type=_positive_int,
        metavar="PID",
        help="read the node's RSS from /proc/PID/status",
    )
    memory.add_argument(
        "--metrics-url", metavar="URL", help="read the node's RSS from its Prometheus /metrics"
    )
    funder = parser.add_mutually_exclusive_group()
    funder.add_argument("--key", type=Path, metavar="FILE", help="funder key file (mode 0600)")
    funder.add_argument(
        "--dev-account",
        type=int,
        choices=range(DEV_ACCOUNT_COUNT),
        metavar="I",
        help=f"fund from dev account I (default {DEFAULT_FUNDER} on a dev chain)",
    )
    add(
        "--parking",
        type=address_arg,
        metavar="ADDR",
        help="use this parking contract (owned by the funder) instead of deploying one",
    )
    add("--channels", type=address_arg, metavar="ADDR",
        help="use this payment-channel contract instead of deploying one")  # fmt: skip


def _funder(args: argparse.Namespace, node: NodeClient) -> Wallet:
    if args.key is not None:
        return Wallet.load(args.key)
    if args.dev_account is None and not node.info().dev:
        raise UsageError("the node is not a dev node: give the funder's --key FILE")
    return Wallet(dev_key(DEFAULT_FUNDER if args.dev_account is None else args.dev_account))


def _reachable(target: str) -> None:
    with NodeClient(target, timeout=REACH_S, retry=RetryPolicy(deadline=REACH_S)) as node:
        try:
            node.info()
        except ClientError as exc:
            raise CommandError(f"cannot reach a node at {target}: {exc}") from None


def _probe(args: argparse.Namespace) -> RssProbe | None:
    try:
        if args.node_pid is not None:
            return from_pid(args.node_pid)
        if args.metrics_url is not None:
            return from_metrics(args.metrics_url)
    except RssError as exc:
        raise CommandError(str(exc)) from None
    return None


def _spec(args: argparse.Namespace) -> LoadSpec:
    if args.duration <= 0 or args.interval <= 0:
        raise UsageError("--duration and --interval must be positive")
    if args.concurrency is not None and not args.max:
        raise UsageError("--concurrency goes with --max (with --rate the schedule decides)")
    if args.concurrency is not None and args.concurrency > args.vehicles:
        raise UsageError(
            f"--concurrency {args.concurrency} exceeds --vehicles {args.vehicles}: a vehicle has "
            "one tx in flight at a time"
        )
    return LoadSpec(
        mix=args.mix,
        rate=None if args.max else args.rate,
        concurrency=args.concurrency or args.vehicles,
        warmup_ns=round(args.warmup * NS_PER_S),
        duration_ns=round(args.duration * NS_PER_S),
        interval_ns=round(args.interval * NS_PER_S),
        drain_ns=round(args.drain * NS_PER_S),
    )


def _options(args: argparse.Namespace, spec: LoadSpec) -> dict[str, Any]:
    return {
        "target": args.target,
        "rate": spec.rate,
        "concurrency": spec.concurrency if spec.rate is None else None,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "interval_s": args.interval,
        "drain_s": args.drain,
        "mix": dict(spec.mix.weights),
        "mix_text": spec.mix.text(),
        "gates": args.gates,
        "vehicles": args.vehicles,
    }


def run(args: argparse.Namespace) -> int:
    spec = _spec(args)
    probe = _probe(args)
    kinds = spec.mix.kinds
    with NodeClient(args.target, retry=PATIENT) as node:
        try:
            _reachable(args.target)
            funder = _funder(args, node)
            print(f"setting up {args.vehicles} vehicles and {args.gates} gates ...",
                  file=sys.stderr, flush=True)  # fmt: skip
            fleet: Fleet = set_up(
                node,
                FleetSpec(
                    args.gates, args.vehicles, "parking" in kinds, "voucher" in kinds, funder,
                    args.parking, args.channels,
                ),
            )  # fmt: skip
            print(f"running for {args.warmup + args.duration:g} s ...", file=sys.stderr, flush=True)
            outcome = Runner(node, fleet, spec, probe).run()
        except (FleetError, LoadError, ClientError, OSError) as exc:
            raise CommandError(str(exc)) from None
    document = report.build(facts(outcome, spec, _options(args, spec), fleet, probe),
                            outcome.warmup, outcome.measured)  # fmt: skip
    print(report.render(document))
    if args.json is not None:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0


COMMAND = Command(
    "bench",
    "load a running node (transfers, parking, vouchers); throughput and latency percentiles",
    add_arguments,
    run,
)
