"""Soak of replicated mode: a real 3-member etcd and three `vmchain node --etcd` processes under
bench/e2e.py's load, round after round, with every node's and member's memory after each round
(the replication paths must not leak: watch buffers, kept block bytes, etcd client state).

One network (bench/replicated.py's Network, Accounts and throughput measure, imported, not
copied) runs --rounds loads of --txs signed transfers each, streamed to the elected sealer in
batches, plus the gate; each round must end with every node at the sealer's head hash. After
each round the RSS of every node and etcd member is read from /proc/<pid>/status. The first
--warmup rounds fill the caches (RocksDB's block cache and memtables, the trie node cache) and
are not counted; growth is from the end of the warm-up to the end. Every transfer pays a fresh
address, so the state grows by --txs accounts a round, as a parking network's does.

The last line is

    RESULT rounds=<n> txs=<n> tps_first=<n> tps_last=<n> node_rss_growth_max_pct=<n>
           etcd_rss_growth_max_pct=<n>

(on one line). etcd 3.4 keeps its Raft log in memory, up to --snapshot-count entries plus 5,000
for slow members, each a whole block here: its members grow until that bound, which a soak of
this length does not reach (docs/operations.md, "Sizing etcd"); the nodes must level off.

and a JSON summary with every round goes to bench/results/replicated-soak-<UTC time>.json.

With --single the same rounds run on one plain node (no etcd): the baseline for the tx/s of
each round, which falls as the state grows, replicated or not.

Usage: .venv/bin/python bench/replicated_soak.py [--rounds 40] [--warmup 15] [--txs 30000]
       [--batch 500] [--senders 200] [--block-time 100] [--lease-ttl 2] [--single]
       [--out bench/results]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def _load(name: str) -> Any:
    """bench/<name>.py as module `name` (registered first, as bench/replicated.py does for e2e)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


replicated = _load("replicated")

RESULTS = _HERE / "results"


@dataclass(frozen=True, slots=True)
class Round:
    sealed_tps: float
    blocks: int
    rss_mib: dict[str, float]  # after the round: every node and etcd member
    cpu_s: dict[str, float]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise replicated.BenchError(f"no VmRSS for pid {pid}")


def growth_pct(rounds: list[Round], warmup: int) -> dict[str, float]:
    """Per process: RSS growth from the end of the warm-up to the end, in percent."""
    start, end = rounds[warmup - 1].rss_mib, rounds[-1].rss_mib
    return {name: 100 * (end[name] - start[name]) / start[name] for name in start}


def soak(args: argparse.Namespace) -> tuple[list[Round], dict[str, float]]:
    """The rounds on a replicated network, or with --single on one plain node (the baseline:
    the same load and state growth without replication)."""
    opts = replicated.Options(
        runs=1,
        txs=args.txs,
        batch=args.batch,
        senders=args.senders,
        block_time_ms=args.block_time,
        lease_ttl_s=args.lease_ttl,
        kills=0,  # no failover here: one network, one sealer for the whole soak
        lag_txs=0,
        lag_clients=0,
        machine_millicpus=0,
        profile=None,
        out=args.out,
    )
    accounts = replicated.Accounts.generate(opts)
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="vmchain-replicated-soak-") as tmp:
        base = Path(tmp)
        (base / "etcd").mkdir()
        (base / "net").mkdir()
        if args.single:
            net = replicated.Network(base / "net", accounts.genesis(1), accounts.authorities, opts)
            with replicated.running(net):
                run_rounds(args, opts, net, 0, accounts, {}, rounds)
        else:
            with replicated.etcd_cluster(base / "etcd") as cluster:
                members = {f"etcd{i}": p.pid for i, p in cluster.procs.items()}
                genesis = accounts.genesis(3)
                urls = tuple(cluster.urls)
                net = replicated.Network(base / "net", genesis, accounts.authorities, opts, urls)
                with replicated.running(net):
                    sealer = replicated.elected(net)
                    run_rounds(args, opts, net, sealer, accounts, members, rounds)
    return rounds, growth_pct(rounds, args.warmup)


def run_rounds(
    args: argparse.Namespace,
    opts: Any,
    net: Any,
    sealer: int,
    accounts: Any,
    members: dict[str, int],
    rounds: list[Round],
) -> None:
    for n in range(1, args.rounds + 1):
        t = replicated.throughput(opts, net, sealer, accounts, members)
        pids = {**net.pids(), **members}
        sizes = {name: rss_mib(pid) for name, pid in pids.items()}
        rounds.append(Round(t.sealed_tps, t.blocks, sizes, t.cpu_s))
        print(
            f"round {n}: {t.sealed_tps:,.0f} tx/s, {t.blocks} blocks; RSS MiB "
            + ", ".join(f"{k} {v:.0f}" for k, v in sizes.items()),
            flush=True,
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    add = parser.add_argument
    add("--rounds", type=int, default=40, help="load rounds in all (40)")
    add("--warmup", type=int, default=15, help="first rounds not counted in the growth (15)")
    add("--txs", type=int, default=30_000, help="transfers per round (30000)")
    add("--batch", type=int, default=500, help="txs per streamed batch (500)")
    add("--senders", type=int, default=200, help="load senders (200)")
    add("--block-time", type=int, default=100, help="the nodes' block time, ms (100)")
    add("--lease-ttl", type=int, default=2, help="the sealer's etcd lease, s (2)")
    add("--single", action="store_true", help="one plain node instead (the baseline)")
    add("--out", type=Path, default=RESULTS, help="where the JSON summary goes (bench/results)")
    args = parser.parse_args(argv)
    if min(args.rounds, args.warmup, args.txs, args.batch, args.senders) < 1:
        parser.error("every count must be positive")
    if args.warmup >= args.rounds:
        parser.error("--warmup must leave at least one measured round")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rounds, growth = soak(args)
    nodes = max(v for k, v in growth.items() if k.startswith("node"))
    members = max((v for k, v in growth.items() if k.startswith("etcd")), default=0.0)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    args.out.mkdir(parents=True, exist_ok=True)
    kind = "single" if args.single else "replicated"
    path = args.out / f"{kind}-soak-{stamp}.json"
    document = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": {k: str(v) for k, v in vars(args).items()},
        "machine": {"cpus": os.cpu_count()},
        "growth_pct": growth,
        "tps_median": statistics.median(r.sealed_tps for r in rounds),
        "rounds": [asdict(r) for r in rounds],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"summary: {path}")
    print(
        f"RESULT rounds={args.rounds} txs={args.rounds * args.txs} "
        f"tps_first={rounds[0].sealed_tps:.0f} tps_last={rounds[-1].sealed_tps:.0f} "
        f"node_rss_growth_max_pct={nodes:.2f} etcd_rss_growth_max_pct={members:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
