"""Benchmark: a real `vmchain node --dev` process sealing a stream of signed transfers, with a gate.

Three processes besides this one, so no two share a GIL:
- the node: `vmchain node --dev` (--block-time, default 100 ms; its own temporary data dir,
  RocksDB, one synced write batch per block), a child process as in the demo (sim/devnode.py);
- the load generator (spawned): `NodeClient.submit_many` streams --txs pre-signed transfers over
  `SubmitTransactions` in batches of --batch, then waits for the receipt of the last tx of every
  batch (the node hands out a receipt only once its block is durable);
- the gate (spawned): for the whole stream, one transfer at a time with
  `NodeClient.submit(tx, wait=True)`, each signed before its clock starts and sent after a
  random pause of up to --gate-pause-ms (default: the block time), so that its arrivals fall at
  every phase of the node's block cycle; it records each round trip.

Untimed setup: --senders fresh wallets (curves from --curves, alternating) and the gate's wallet
are funded from the dev accounts and sealed; then every load transfer is signed (1 unit, each to
a fresh address, the chain's minimum gas price). Timed: from the first submit to the receipt of
the last tx. Afterwards every block of the run is read back through the SDK (seals and roots
checked) and must hold exactly the load's and the gate's txs, all SUCCESS. Each run has a fresh
node; the RESULT line gives the medians over --runs:

    RESULT sealed_tps=<n> gate_p50_ms=<n> gate_p99_ms=<n>

p99 is nearest-rank over the gate's samples (about 35 at the defaults), i.e. the slowest one.
Each run's line also splits the gate's time at the moment its block began sealing (the block's
timestamp; all processes share the machine's clock), and gives the node's mean execute-and-seal
and commit times per block (its Prometheus metrics) and its CPU per tx (/proc). There is no peer
to compare with: the issue asks only for these figures (targets: sealed_tps >= 3,000 and
gate p99 < 250 ms at the default 100 ms block time).

--profile DIR runs the node under cProfile in every thread (gRPC workers, the sealer), timed by
each thread's CPU clock, and prints where its CPU went by stage, its busiest functions and the
cyclic GC's pauses; the run itself is then several times slower.

Usage: .venv/bin/python bench/e2e.py [--txs 30000] [--batch 500] [--senders 200] [--runs 1]
       [--block-time 100] [--gate-pause-ms 100] [--curves secp256k1,p256] [--profile DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import multiprocessing as mp
import os
import pstats
import random
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, TypeVar

# Run as a script, bench/ is first on sys.path, and a sibling bench/trie.py would shadow
# the `trie` package; look modules up from the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from vmchain.chain.genesis import dev_keys  # noqa: E402
from vmchain.chain.tx import Transfer, Tx, TxBody, fit_intrinsic_gas  # noqa: E402
from vmchain.client import NodeClient, RetryPolicy, Wallet  # noqa: E402
from vmchain.sim.devnode import DevNode  # noqa: E402

FUNDING = 10**15  # units per wallet: far more than its transfers move
PATIENT = RetryPolicy(deadline=600.0)  # a whole stream is one SubmitTransactions call
RECEIPT_WAIT_S = 120.0
CHILD_TIMEOUT_S = 900.0
CURVES = ("secp256k1", "p256")
T = TypeVar("T")
PROFILE_TOP = 30

# Started by `python -c` in place of `python -m vmchain`: every thread runs under its own
# cProfile.Profile timed by its thread's CPU clock, so a thread waiting for a lock, the GIL or
# the network costs nothing (threading.setprofile hands each new thread a hook that enables
# one). At exit each is snapshotted as it stands, not disabled: disabling from the main thread
# would close the frames other threads are still in with the main thread's clock. Merged into
# the file named by the first argument; the cyclic GC's pauses (which stop every thread) go to
# that name + ".gc" as JSON {generation: [seconds, ...]}.
PROFILE_BOOT = """
import cProfile, gc, json, marshal, os, pstats, runpy, sys, threading, time
out = sys.argv[1]
sys.argv = ["vmchain", *sys.argv[2:]]
profiles = []
pauses = {0: [], 1: [], 2: []}
began = [0.0]
def collecting(phase, info):
    if phase == "start":
        began[0] = time.perf_counter()
    else:
        pauses[info["generation"]].append(time.perf_counter() - began[0])
gc.callbacks.append(collecting)
def start(*_):
    profile = cProfile.Profile(time.thread_time)
    profiles.append(profile)
    profile.enable()
threading.setprofile(start)
start()
try:
    runpy.run_module("vmchain", run_name="__main__", alter_sys=True)
finally:
    threading.setprofile(None)
    gc.callbacks.remove(collecting)
    with open(out + ".gc", "w") as gc_file:
        json.dump(pauses, gc_file)
    parts = []
    for i, profile in enumerate(list(profiles)):
        profile.snapshot_stats()
        parts.append(f"{out}.{i}")
        with open(parts[-1], "wb") as part:
            marshal.dump(profile.stats, part)
    pstats.Stats(*parts).dump_stats(out)
    for part in parts:
        os.remove(part)
"""

# Where the node's time goes: (stage, file, function), cumulative CPU of each.
STAGES = (
    ("SubmitTransactions handler (all of admission)", "service.py", "SubmitTransactions"),
    ("  decode + signature check", "tx.py", "decode_signed_message"),
    ("    signature verify", "keys.py", "verify"),
    ("  stateless checks", "admission.py", "check_stateless"),
    ("  stateful checks (ledger.admit)", "ledger.py", "admit"),
    ("  mempool add", "mempool.py", "add"),
    ("  batch answers", "service.py", "_batch_result"),
    ("sealer: take from mempool", "runtime.py", "_take_locked"),
    ("sealer: propose (execute, roots, seal)", "ledger.py", "propose"),
    ("  execute_block", "executor.py", "execute_block"),
    ("sealer: commit (one synced batch)", "ledger.py", "commit"),
    ("  write_block", "store.py", "write_block"),
    ("sealer: after commit (waiters, metrics)", "runtime.py", "_after_commit_locked"),
    ("gate: SubmitTransaction", "service.py", "SubmitTransaction"),
    ("GetReceipt", "service.py", "GetReceipt"),
    ("GetNodeInfo", "service.py", "GetNodeInfo"),
    ("GetBlock (checks after the run)", "service.py", "GetBlock"),
)


@dataclass(frozen=True, slots=True)
class Options:
    txs: int
    batch: int
    senders: int
    curves: tuple[str, ...]
    runs: int
    block_time_ms: int
    gate_pause_ms: int
    profile: Path | None


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What the load process saw (monotonic clock, shared by processes on one machine)."""

    started: float
    admitted: float
    sealed: float
    rejected: int
    first_error: str
    cpu_s: float


@dataclass(frozen=True, slots=True)
class GateSample:
    """One gate tx: when its submit started (monotonic and wall clock), how long until its
    receipt came back, and the height of its block."""

    started: float
    started_wall_ms: float
    latency: float
    height: int


@dataclass(frozen=True, slots=True)
class GateResult:
    samples: tuple[GateSample, ...]
    failures: int
    first_error: str


@dataclass(frozen=True, slots=True)
class RunResult:
    sealed_tps: float
    admitted_tps: float
    gate_p50_ms: float
    gate_p99_ms: float
    gate_max_ms: float
    gate_samples: int
    gate_queued_p50_ms: float  # from submit until its block began sealing
    gate_queued_p99_ms: float
    gate_sealing_p50_ms: float  # from then until the receipt was back
    gate_sealing_p99_ms: float
    blocks: int
    max_block_txs: int
    seal_ms: float  # mean per block during the stream: execute and seal (the lock held)
    commit_ms: float  # mean per block: the one synced write
    node_cpu_us_per_tx: float
    load_cpu_us_per_tx: float


class BenchError(RuntimeError):
    """The run did not do what it must (a rejected tx, a missing receipt, a wrong count)."""


# ---------------------------------------------------------------------------------------------
# Setup (untimed)


def recipient(run_tag: bytes, i: int) -> bytes:
    return hashlib.sha256(run_tag + i.to_bytes(8, "big")).digest()[:20]


def fund(client: NodeClient, wallets: Sequence[Wallet]) -> None:
    """FUNDING from a dev account (1..9; 0 seals) to each wallet, sealed before returning."""
    funders = [Wallet(key) for key in dev_keys()[1:]]
    txs = [
        client.build_transfer(funders[i % len(funders)], wallet.address, FUNDING)
        for i, wallet in enumerate(wallets)
    ]
    check_admitted(client.submit_many(txs), "funding")
    for tx in txs:
        receipt = client.receipt(tx.tx_id, wait=RECEIPT_WAIT_S)
        if not receipt.succeeded:
            raise BenchError(f"funding tx {receipt.tx_id} ended {receipt.status}")


def check_admitted(outcomes: Sequence[Any], what: str) -> None:
    bad = [o for o in outcomes if o.code != "OK"]
    if bad:
        raise BenchError(f"{what}: {len(bad)} of {len(outcomes)} txs refused: {bad[0]}")


@dataclass(frozen=True, slots=True)
class Window:
    """What a transfer needs from the chain: its id, a validity window from the next block
    (the chain's widest), and the minimum gas price."""

    chain_id: str
    first_valid: int
    last_valid: int
    min_gas_price: int


def window_of(client: NodeClient) -> Window:
    info = client.info()
    first = info.height + 1
    return Window(
        info.chain_id, first, first + max(1, info.max_validity_window) - 1, info.min_gas_price
    )


def transfer(wallet: Wallet, window: Window, to: bytes, note: bytes = b"") -> Tx:
    """A signed transfer of 1 unit, gas limit exactly its intrinsic gas."""
    body = TxBody(
        chain_id=window.chain_id,
        sender=wallet.address_bytes,
        first_valid=window.first_valid,
        last_valid=window.last_valid,
        gas_limit=0,
        gas_price=window.min_gas_price,
        payload=Transfer(to=to, amount=1),
        note=note,
    )
    return wallet.sign_transaction(fit_intrinsic_gas(body))


def sign_load(window: Window, senders: Sequence[Wallet], count: int) -> list[bytes]:
    """`count` signed transfers, round-robin over the senders, each to a fresh address."""
    tag = os.urandom(8)
    return [
        transfer(senders[i % len(senders)], window, recipient(tag, i)).encoded for i in range(count)
    ]


# ---------------------------------------------------------------------------------------------
# The load and gate processes


@dataclass(frozen=True, slots=True)
class Signals:
    """Each child sets its `ready` when connected; `go` starts both; `done` ends the gate."""

    load_ready: Event
    gate_ready: Event
    go: Event
    done: Event


class ChildFailed(RuntimeError):
    """The load or gate process raised; the message says which and what."""


def child(main: Callable[..., object], out: Any, done: Event, *args: Any) -> None:
    """A spawned process: put what `main` returns on `out`, or ChildFailed (and end the run)."""
    try:
        out.put(main(*args))
    except Exception as exc:
        done.set()
        out.put(ChildFailed(f"{main.__name__}: {type(exc).__name__}: {exc}"))


def load_process(target: str, txs: list[bytes], batch: int, signals: Signals) -> LoadResult:
    """Stream every tx over SubmitTransactions, then wait for the last receipt of each batch
    (a receipt is handed out only once its block is durable)."""
    with NodeClient(target, retry=PATIENT, wait=RECEIPT_WAIT_S) as client:
        client.info()  # connect before the clock starts
        signals.load_ready.set()
        signals.go.wait()
        cpu0 = time.process_time()
        started = time.monotonic()
        outcomes = client.submit_many(txs, batch_size=batch)
        admitted = time.monotonic()
        refused = [o for o in outcomes if o.code != "OK"]
        last_of_batches = [*outcomes[batch - 1 :: batch], outcomes[-1]]
        for outcome in last_of_batches:
            client.receipt(outcome.tx_id, wait=True)
        sealed = time.monotonic()
        signals.done.set()
        first_error = f"{refused[0].code}: {refused[0].error}" if refused else ""
        cpu = time.process_time() - cpu0
    return LoadResult(started, admitted, sealed, len(refused), first_error, cpu)


@dataclass(frozen=True, slots=True)
class GateSpec:
    key: bytes
    curve: str
    pause_ms: int  # before each tx, a pause drawn uniformly from 0..pause_ms
    window: Window


def gate_process(target: str, spec: GateSpec, signals: Signals) -> GateResult:
    """One transfer at a time, submit-and-wait, from `go` until the load is `done`. Each tx is
    signed before its clock starts; the random pause puts arrivals at every phase of the
    node's block cycle (a gate sending the moment its last receipt came back would always
    arrive just after a commit)."""
    wallet = Wallet.from_private_key(spec.key, spec.curve)
    to = hashlib.sha256(b"gate-payee").digest()[:20]
    pauses = random.Random()
    samples: list[GateSample] = []
    failures = 0
    first_error = ""
    with NodeClient(target, wait=RECEIPT_WAIT_S) as client:
        client.info()
        signals.gate_ready.set()
        signals.go.wait()
        for n in itertools.count():
            tx = transfer(wallet, spec.window, to, n.to_bytes(8, "big"))
            if signals.done.wait(pauses.uniform(0, spec.pause_ms) / 1000):
                break
            started, wall = time.monotonic(), time.time()
            try:
                receipt = client.submit(tx, wait=True)
            except Exception as exc:  # counted and reported below
                failures += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
                continue
            latency = time.monotonic() - started
            samples.append(GateSample(started, 1000 * wall, latency, receipt.height))
    return GateResult(tuple(samples), failures, first_error)


# ---------------------------------------------------------------------------------------------
# One run


@dataclass(frozen=True, slots=True)
class NodeUse:
    """The node's CPU seconds (all threads) and its block seal/commit metrics, cumulative."""

    cpu_s: float
    blocks: float
    seal_s: float
    commit_s: float

    def __sub__(self, other: NodeUse) -> NodeUse:
        return NodeUse(
            self.cpu_s - other.cpu_s,
            self.blocks - other.blocks,
            self.seal_s - other.seal_s,
            self.commit_s - other.commit_s,
        )


def node_use(node: DevNode) -> NodeUse:
    assert node.proc is not None
    fields = Path(f"/proc/{node.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with urllib.request.urlopen(f"http://{node.metrics}/metrics", timeout=10) as response:
        text = response.read().decode()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    series = dict(line.rsplit(" ", 1) for line in lines)
    return NodeUse(
        cpu,
        float(series["vmchain_block_seal_seconds_count"]),
        float(series["vmchain_block_seal_seconds_sum"]),
        float(series["vmchain_state_commit_seconds_sum"]),
    )


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the slowest sample when there are fewer than 100/(100-pct))."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def dev_node(opts: Options, run: int) -> DevNode:
    """The node of one run, not yet started (`with` starts it and always stops it)."""
    node = DevNode(block_time_ms=opts.block_time_ms)
    if opts.profile is not None:
        opts.profile.mkdir(parents=True, exist_ok=True)
        out = opts.profile / f"node-run{run}.prof"
        node.args = [sys.executable, "-c", PROFILE_BOOT, str(out), *node.args[3:]]
    return node


def run_children(
    opts: Options, node: DevNode, txs: list[bytes], gate: GateSpec
) -> tuple[LoadResult, GateResult, NodeUse]:
    """Start the gate and the load, release them together; their results and what the node
    spent meanwhile."""
    ctx = mp.get_context("spawn")
    signals = Signals(ctx.Event(), ctx.Event(), ctx.Event(), ctx.Event())
    load_out, gate_out = ctx.Queue(), ctx.Queue()
    gate_args = (gate_process, gate_out, signals.done, node.grpc, gate, signals)
    load_args = (load_process, load_out, signals.done, node.grpc, txs, opts.batch, signals)
    procs = [ctx.Process(target=child, args=gate_args), ctx.Process(target=child, args=load_args)]
    for proc in procs:
        proc.start()
    try:
        ready = [e.wait(CHILD_TIMEOUT_S) for e in (signals.load_ready, signals.gate_ready)]
        if not all(ready):
            raise BenchError("the load or gate process did not get ready")
        before = node_use(node)
        signals.go.set()
        load = result_of(load_out, LoadResult)
        use = node_use(node) - before
        gate_result = result_of(gate_out, GateResult)
    finally:
        signals.done.set()
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
    return load, gate_result, use


def result_of(out: Any, kind: type[T]) -> T:
    """A child's result from its queue; its failure raised here."""
    result = out.get(timeout=CHILD_TIMEOUT_S)
    if isinstance(result, ChildFailed):
        raise result
    if not isinstance(result, kind):
        raise BenchError(f"expected a {kind.__name__} from a child, got {result!r}")
    return result


def check_blocks(client: NodeClient, after: int, expected: int) -> tuple[int, dict[int, int]]:
    """Every block after height `after`: exactly `expected` txs, all SUCCESS (seals and roots
    checked by the SDK). Returns the largest tx count and each block's timestamp (the node's
    wall clock when it began sealing it)."""
    head = client.info().height
    total = successes = largest = 0
    stamps = {}
    for height in range(after + 1, head + 1):
        block = client.block(height, full=True)
        total += len(block.receipts)
        successes += sum(receipt.succeeded for receipt in block.receipts)
        largest = max(largest, len(block.receipts))
        stamps[height] = block.timestamp_ms
    if total != expected or successes != expected:
        raise BenchError(
            f"blocks {after + 1}..{head} hold {total} txs ({successes} SUCCESS), expected "
            f"{expected}"
        )
    return largest, stamps


def one_run(opts: Options, run: int) -> RunResult:
    with dev_node(opts, run) as node, NodeClient(node.grpc, retry=PATIENT) as client:
        curves = opts.curves
        senders = [Wallet.generate(curves[i % len(curves)]) for i in range(opts.senders)]
        gate = Wallet.generate("secp256k1")
        fund(client, [*senders, gate])
        window = window_of(client)
        txs = sign_load(window, senders, opts.txs)
        spec = GateSpec(gate.key.to_bytes(), gate.curve, opts.gate_pause_ms, window)
        load, gate_result, use = run_children(opts, node, txs, spec)
        if load.rejected:
            raise BenchError(f"{load.rejected} load txs refused; first: {load.first_error}")
        if gate_result.failures:
            raise BenchError(f"{gate_result.failures} gate txs failed: {gate_result.first_error}")
        expected = opts.txs + len(gate_result.samples)
        largest, stamps = check_blocks(client, window.first_valid - 1, expected)
    return summarize(opts.txs, load, gate_result, use, largest, stamps)


def summarize(
    txs: int,
    load: LoadResult,
    gate: GateResult,
    use: NodeUse,
    largest: int,
    stamps: dict[int, int],
) -> RunResult:
    """The run's figures; the gate's samples are those it began before the last receipt."""
    during = [g for g in gate.samples if g.started < load.sealed]
    if not during:
        raise BenchError("the gate completed no transaction during the stream")
    latencies = [g.latency for g in during]
    queued = [(stamps[g.height] - g.started_wall_ms) / 1000 for g in during]
    sealing = [latency - wait for latency, wait in zip(latencies, queued, strict=True)]
    return RunResult(
        sealed_tps=txs / (load.sealed - load.started),
        admitted_tps=txs / (load.admitted - load.started),
        gate_p50_ms=1000 * statistics.median(latencies),
        gate_p99_ms=1000 * percentile(latencies, 99),
        gate_max_ms=1000 * max(latencies),
        gate_samples=len(latencies),
        gate_queued_p50_ms=1000 * statistics.median(queued),
        gate_queued_p99_ms=1000 * percentile(queued, 99),
        gate_sealing_p50_ms=1000 * statistics.median(sealing),
        gate_sealing_p99_ms=1000 * percentile(sealing, 99),
        blocks=len(stamps),
        max_block_txs=largest,
        seal_ms=1000 * use.seal_s / max(1.0, use.blocks),
        commit_ms=1000 * use.commit_s / max(1.0, use.blocks),
        node_cpu_us_per_tx=1e6 * use.cpu_s / txs,
        load_cpu_us_per_tx=1e6 * load.cpu_s / txs,
    )


# ---------------------------------------------------------------------------------------------
# Reporting


def describe(run: int, result: RunResult) -> str:
    return (
        f"run {run}: sealed {result.sealed_tps:,.0f} tx/s (admitted {result.admitted_tps:,.0f} "
        f"tx/s) in {result.blocks} blocks (largest {result.max_block_txs}; per block "
        f"{result.seal_ms:.0f} ms executing and sealing, {result.commit_ms:.1f} ms committing); "
        f"gate p50 {result.gate_p50_ms:.0f} ms, p99 {result.gate_p99_ms:.0f} ms, max "
        f"{result.gate_max_ms:.0f} ms over {result.gate_samples} txs (until its block began "
        f"sealing p50 {result.gate_queued_p50_ms:.0f} / p99 {result.gate_queued_p99_ms:.0f} ms, "
        f"then to the receipt p50 {result.gate_sealing_p50_ms:.0f} / p99 "
        f"{result.gate_sealing_p99_ms:.0f} ms); node CPU "
        f"{result.node_cpu_us_per_tx:.0f} us/tx, load client CPU "
        f"{result.load_cpu_us_per_tx:.0f} us/tx"
    )


def print_profile(path: Path, txs: int) -> None:
    """The node's CPU by stage, its busiest functions (own CPU time) and its GC pauses."""
    stats: Any = pstats.Stats(str(path))
    rows = stats.stats.items()
    total = sum(own for _, (_, _, own, _, _) in rows)
    print(
        f"\nnode profile {path}: {total:.1f} CPU s in Python threads ({1e6 * total / txs:.0f} us "
        "per load tx). cProfile's cost per Python call inflates call-heavy code (trie, executor) "
        "far more than C (signature checks): compare with the node's CPU per tx without it."
    )
    print(f"{'cum CPU s':>9} {'share':>6} {'us/tx':>6}  stage")
    for label, filename, function in STAGES:
        cumulative = sum(
            cum
            for (file, _, name), (_, _, _, cum, _) in rows
            if name == function and file.endswith(filename)
        )
        print(f"{cumulative:9.2f} {cumulative / total:6.1%} {1e6 * cumulative / txs:6.0f}  {label}")
    print(f"\n{'own CPU s':>9} {'share':>6} {'calls':>9}  function")
    busiest = sorted(rows, key=lambda row: -row[1][2])[:PROFILE_TOP]
    for (file, line, name), (_, calls, own, _, _) in busiest:
        print(f"{own:9.2f} {own / total:6.1%} {calls:9d}  {Path(file).name}:{line}({name})")
    pauses = json.loads(Path(f"{path}.gc").read_text())
    print("\ncyclic GC pauses over the node's life (every thread stops):")
    for generation, seconds in sorted(pauses.items()):
        if seconds:
            print(
                f"  generation {generation}: {len(seconds)} collections, {1000 * sum(seconds):.0f} "
                f"ms in all, the longest {1000 * max(seconds):.1f} ms"
            )


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--txs", type=int, default=30_000, help="load transfers (30000)")
    parser.add_argument("--batch", type=int, default=500, help="txs per streamed batch (500)")
    parser.add_argument("--senders", type=int, default=200, help="funded senders (200)")
    parser.add_argument(
        "--curves",
        default=",".join(CURVES),
        help="sender key curves, alternating (secp256k1,p256)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs, each on a fresh node (1)")
    parser.add_argument("--block-time", type=int, default=100, help="node block time ms (100)")
    parser.add_argument(
        "--gate-pause-ms",
        type=int,
        help="before each gate tx, a random pause of up to this (default: the block time)",
    )
    parser.add_argument("--profile", type=Path, help="cProfile the node; .prof files go here")
    args = parser.parse_args(argv)
    if min(args.txs, args.batch, args.senders, args.runs, args.block_time) < 1:
        parser.error("--txs, --batch, --senders, --runs and --block-time must be positive")
    if not set(args.curves.split(",")) <= set(CURVES):
        parser.error(f"--curves: a comma-separated list of {', '.join(CURVES)}")
    return Options(
        args.txs,
        args.batch,
        args.senders,
        tuple(args.curves.split(",")),
        args.runs,
        args.block_time,
        args.block_time if args.gate_pause_ms is None else args.gate_pause_ms,
        args.profile,
    )


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    print(
        f"e2e: {opts.txs:,} transfers from {opts.senders} senders ({'/'.join(opts.curves)}) in "
        f"batches of {opts.batch}, block time {opts.block_time_ms} ms; gate: one tx at a time "
        f"after a random pause of 0-{opts.gate_pause_ms} ms; "
        f"{opts.runs} run(s); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    results = []
    for run in range(1, opts.runs + 1):
        result = one_run(opts, run)
        results.append(result)
        print(describe(run, result), flush=True)
        if opts.profile is not None:
            print_profile(opts.profile / f"node-run{run}.prof", opts.txs)
    print("no peer to compare with: the issue asks only for these figures")
    print(
        f"RESULT sealed_tps={statistics.median(r.sealed_tps for r in results):.0f} "
        f"gate_p50_ms={statistics.median(r.gate_p50_ms for r in results):.0f} "
        f"gate_p99_ms={statistics.median(r.gate_p99_ms for r in results):.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
