"""Benchmark: replicated mode (issue 9's targets) on whole processes: a real 3-member etcd and
three real `vmchain node --etcd` processes on loopback, measured against one plain node.

Each run, on fresh data dirs and a fresh etcd cluster (vmchain/testing/etcd.py):

1. Throughput. bench/e2e.py's load and gate (imported, not copied: `run_children` streams
   --txs pre-signed transfers over SubmitTransactions in batches of --batch from one spawned
   process while its gate sends one tx at a time from another) against, first, one plain
   `vmchain node` on a one-authority genesis (no --etcd), then the elected sealer of a
   3-node replicated network on a three-authority genesis (same chain id, allocations and
   parameters). Sealed tx/s of each, and their ratio. The CPU seconds every
   node and etcd member spent meanwhile are read from /proc, to show where the machine's
   cores went, and the sealer's per-block etcd commit time from its metrics; afterwards the
   followers must reach the sealer's head hash. Then the same load once more with both
   followers stopped (SIGSTOP) until it ends: the sealer and etcd alone, as if the followers
   ran on other machines (the ratio_followers_paused); they must catch up after SIGCONT.
   On the shared cores the ratio mostly measures crowding: three nodes and three members
   on two cores, where one node alone uses one. So the same load runs once more on each
   network with every node in an emulated machine of --machine-millicpus (a CPU cgroup,
   vmchain/testing/machines.py; node i and etcd member i share machine i): equal CPU per
   machine, as in a deployment with a machine per node. Their ratio is ratio_machines, the
   issue's target (>= 0.70); the shared-cores ratio is reported beside it.
2. Follower lag. --lag-clients threads in a spawned process submit --lag-txs transfers to the
   sealer, each waiting for its receipt; the bench process watches StreamBlocks on both
   followers. For each block: the time from the first receipt of that block returned to a
   client to each follower delivering that height (one sample per block and follower;
   negative when the follower had it first). p50/p99/max (target p99 < 100 ms). The five
   largest samples also say how long after the sealer's own StreamBlocks the follower had the
   block, and the followers' metrics how many of their applies (re-execution and synced
   write) took over 100 ms: to tell a slow follower from a late etcd watch.
3. Failover. Two client threads keep submitting (each tx waits for its receipt; a refused
   submit moves to the node the follower names, or to the next address) while the sealer is
   killed with SIGKILL --kills times. The time from the kill to the first block sealed by
   another node as seen on the survivors' StreamBlocks (target < 4 s; --lease-ttl, default
   2 s, etcd's minimum with a 1 s election timeout), split at the moment a survivor's
   metrics first say it is the sealer (polled every 20 ms: lease expiry, campaign, catch-up
   and promotion before it; the client finding it and the first block after), and to the
   clients' first receipt from the new sealer. The killed node is restarted on its data dir
   and ports and must catch up before the next kill. At the end all three nodes hold one
   chain (same head hash) and every receipt a client was handed is served, identical, by
   every node.

Both networks use the same --block-time (default 100 ms, as bench/e2e.py); the failover time
includes at most one block time before the new sealer seals. The machine has 2 cores shared by
3 nodes, 3 etcd members, the clients (and other work: the load average is printed). The RESULT
line gives medians over --runs:

    RESULT failover_p50_s=<n> failover_max_s=<n> replicated_tps=<n> single_tps=<n>
           ratio_machines=<n> ratio=<n> ratio_followers_paused=<n> lag_p50_ms=<n>
           lag_p99_ms=<n> lag_max_ms=<n>

(on one line), and a JSON summary with every run's figures goes to
bench/results/replicated-<UTC date and time>.json.

--profile DIR runs every node under cProfile (bench/e2e.py's boot) and measures throughput
only; it prints each replicated node's CPU by e2e's stages plus the replication stages
(publish to etcd, decode, re-execute, commit).

Usage: .venv/bin/python bench/replicated.py [--runs 3] [--txs 30000] [--batch 500]
       [--senders 200] [--block-time 100] [--lease-ttl 2] [--kills 5] [--lag-txs 3000]
       [--lag-clients 32] [--machine-millicpus 600] [--profile DIR] [--out bench/results]
(the emulated machines need root and a cpu cgroup controller; --machine-millicpus 0 skips them)
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import math
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import grpc

# Run as a script, bench/ is first on sys.path, and a sibling bench/trie.py would shadow
# the `trie` package; look modules up from the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def _load_e2e() -> Any:
    """bench/e2e.py as module `e2e` (registered first, so that its dataclasses work and a
    spawned child, which re-runs this file, unpickles `e2e.load_process` the same way)."""
    if "e2e" in sys.modules:
        return sys.modules["e2e"]
    spec = importlib.util.spec_from_file_location("e2e", _HERE / "e2e.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["e2e"] = module
    spec.loader.exec_module(module)
    return module


e2e = _load_e2e()

from vmchain._proto.vmchain.v1 import node_pb2 as npb  # noqa: E402
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc  # noqa: E402
from vmchain.chain.genesis import Genesis  # noqa: E402
from vmchain.chain.tx import signed_message  # noqa: E402
from vmchain.cli.main import main as vmchain_main  # noqa: E402
from vmchain.client import NodeClient, Wallet  # noqa: E402
from vmchain.sim.devnode import DevNode  # noqa: E402
from vmchain.testing.etcd import EtcdCluster, free_ports  # noqa: E402
from vmchain.testing.machines import Machine, unavailable  # noqa: E402

RESULTS = _HERE / "results"
T = TypeVar("T")
CHAIN_ID = "replicated-bench"
FUNDING = 10**15
FAILOVER_CLIENTS = 2
CLIENT_RETRY_S = 0.02  # a refused submit tries again (elsewhere) after this
WAIT_MS = 5_000  # a failover client's receipt wait
FAILOVER_TIMEOUT_S = 30.0
TAKEOVER_POLL_S = 0.02
CATCH_UP_TIMEOUT_S = 60.0
SETTLE_S = 1.0  # after a restarted node caught up, before the next kill
FAST_RECONNECT = (
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 250),
)
SEALER_HINT = "the sealer is "
FOLLOWER = "this node is a follower"
DOWN_FOR_S = 1.0  # a failover client avoids an address that gave no answer this recently

# Where a replicated node's CPU goes besides e2e's stages: (stage, file, function).
REPLICATION_STAGES = (
    ("sealer: publish (the etcd commit under the runtime lock)", "replica.py", "publish"),
    ("  commit_if_absent (etcd txn round trip)", "etcd.py", "commit_if_absent"),
    ("applier: _apply (every node, its own blocks too)", "replica.py", "_apply"),
    ("  own block read back and re-encoded", "replica.py", "_block_bytes"),
    ("  decode_block (signature checks, outside the lock)", "block.py", "decode_block"),
    ("  Runtime.apply_block (under the runtime lock)", "runtime.py", "apply_block"),
    ("    ledger.apply (seal, re-execution, roots)", "ledger.py", "apply"),
    ("    ledger.commit (one synced batch)", "ledger.py", "commit"),
    ("etcd watch stream reader", "etcd_streams.py", "_run"),
    ("lease keepalive", "etcd_lease.py", "_run"),
)


class BenchError(RuntimeError):
    """The run did not do what it must (no sealer, a fork, a lost receipt, a timeout)."""


@dataclass(frozen=True, slots=True)
class Options:
    runs: int
    txs: int
    batch: int
    senders: int
    block_time_ms: int
    lease_ttl_s: int
    kills: int
    lag_txs: int
    lag_clients: int
    machine_millicpus: int  # 0: no emulated machines, every process on the shared cores
    profile: Path | None
    out: Path

    def e2e_options(self) -> Any:
        return e2e.Options(
            self.txs,
            self.batch,
            self.senders,
            e2e.CURVES,
            self.runs,
            self.block_time_ms,
            self.block_time_ms,
            self.profile,
        )


@dataclass(frozen=True, slots=True)
class Accounts:
    """Wallets funded in genesis: the load's senders, the gate, one per lag and failover
    client; and the authorities (one per replicated node; the single node uses the first)."""

    senders: tuple[Wallet, ...]
    gate: Wallet
    lag: tuple[Wallet, ...]
    failover: tuple[Wallet, ...]
    authorities: tuple[Wallet, ...]

    @classmethod
    def generate(cls, opts: Options) -> Accounts:
        curves = e2e.CURVES
        return cls(
            tuple(Wallet.generate(curves[i % len(curves)]) for i in range(opts.senders)),
            Wallet.generate(),
            tuple(Wallet.generate() for _ in range(opts.lag_clients)),
            tuple(Wallet.generate() for _ in range(FAILOVER_CLIENTS)),
            tuple(Wallet.generate() for _ in range(3)),
        )

    def genesis(self, authorities: int) -> Genesis:
        funded = [*self.senders, self.gate, *self.lag, *self.failover]
        return Genesis(
            chain_id=CHAIN_ID,
            timestamp_ms=1_700_000_000_000,
            authorities=tuple(w.address_bytes for w in self.authorities[:authorities]),
            alloc=tuple(sorted((w.address_bytes, FUNDING) for w in funded)),
        )


# ---------------------------------------------------------------------------------------------
# Processes: nodes on fixed ports (a restarted node keeps its address), etcd members


@dataclass
class Network:
    """`size` nodes of one genesis under `base`, each with its data dir, key file and fixed
    gRPC and metrics ports; with `etcd` URLs they run replicated."""

    base: Path
    genesis: Genesis
    keys: tuple[Wallet, ...]
    opts: Options
    etcd: tuple[str, ...] = ()
    nodes: list[DevNode | None] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.base / "genesis.json").write_text(self.genesis.to_json())
        size = len(self.genesis.authorities)
        self.ports = free_ports(2 * size)
        self.nodes = [None] * size
        for i in range(size):
            home = self.base / f"node{i}"
            home.mkdir()
            genesis = str(self.base / "genesis.json")
            with contextlib.redirect_stdout(io.StringIO()) as said:
                code = vmchain_main(
                    ["init", "--genesis", genesis, "--data-dir", str(home / "data")]
                )
            if code:
                raise BenchError(f"vmchain init failed for {home}: {said.getvalue()}")
            key_file = home / "node.key"
            key_file.write_text(self.keys[i].key.to_bytes().hex() + "\n")
            key_file.chmod(0o600)

    @property
    def size(self) -> int:
        return len(self.nodes)

    def address(self, i: int) -> str:
        return f"127.0.0.1:{self.ports[i]}"

    def args(self, i: int) -> list[str]:
        home = self.base / f"node{i}"
        args = [
            "node",
            "--data-dir",
            str(home / "data"),
            "--node-key",
            str(home / "node.key"),
            "--grpc",
            self.address(i),
            "--metrics",
            f"127.0.0.1:{self.ports[self.size + i]}",
            "--block-time",
            f"{self.opts.block_time_ms}ms",
        ]
        if self.etcd:
            args += ["--etcd", ",".join(self.etcd), "--lease-ttl", str(self.opts.lease_ttl_s)]
        if self.opts.profile is not None:
            out = self.opts.profile / f"{self.base.name}-node{i}.prof"
            return [sys.executable, "-c", e2e.PROFILE_BOOT, str(out), *args]
        return [sys.executable, "-m", "vmchain", *args]

    def start(self, i: int) -> DevNode:
        node = DevNode()
        node.args = self.args(i)
        self.nodes[i] = node.start()
        return node

    def node(self, i: int) -> DevNode:
        node = self.nodes[i]
        if node is None or node.proc is None or node.proc.poll() is not None:
            raise BenchError(f"node {i} is not running")
        return node

    def live(self) -> list[int]:
        return [
            i
            for i, n in enumerate(self.nodes)
            if n is not None and n.proc is not None and n.proc.poll() is None
        ]

    def kill(self, i: int) -> None:
        proc = self.node(i).proc
        assert proc is not None
        proc.kill()
        proc.wait()
        self.nodes[i] = None

    def stop(self) -> None:
        """SIGTERM every live node (a profiled node writes its profile then)."""
        for i in self.live():
            node = self.nodes[i]
            assert node is not None
            node.stop()

    def pids(self) -> dict[str, int]:
        return {f"node{i}": self.pid(i) for i in self.live()}

    def pid(self, i: int) -> int:
        proc = self.node(i).proc
        assert proc is not None
        return proc.pid


@contextmanager
def etcd_cluster(base: Path) -> Iterator[EtcdCluster]:
    cluster = EtcdCluster(base)
    try:
        for i in range(cluster.size):
            cluster.start(i)
        cluster.leader_index()
        yield cluster
    finally:
        cluster.stop()


@contextmanager
def running(net: Network) -> Iterator[Network]:
    """Every node of `net` started; SIGTERM on exit, SIGKILL for what does not stop."""
    try:
        for i in range(net.size):
            net.start(i)
        yield net
    finally:
        net.stop()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


# ---------------------------------------------------------------------------------------------
# Chain queries


def head(address: str) -> tuple[int, bytes, bytes]:
    """(height, hash, proposer) of the node's latest block."""
    with grpc.insecure_channel(address) as channel:
        node: Any = npb_grpc.NodeStub(channel)  # type: ignore[no-untyped-call]
        info = node.GetLatestBlock(npb.GetLatestBlockRequest(), timeout=10)
    return info.header.height, info.hash, info.header.proposer


def is_sealer(node: DevNode) -> bool:
    try:
        with urllib.request.urlopen(f"http://{node.metrics}/metrics", timeout=5) as response:
            return b"vmchain_replication_is_sealer 1.0" in response.read()
    except OSError:
        return False


def wait_for(
    what: str, check: Callable[[], T | None], timeout_s: float, pause_s: float = 0.02
) -> T:
    """Poll `check` until it returns something other than None; BenchError naming `what`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value is not None:
            return value
        time.sleep(pause_s)
    raise BenchError(f"{what}: not after {timeout_s:.0f} s")


def elected(net: Network, timeout_s: float = 30.0) -> int:
    """The index of the node whose metrics say it is the sealer."""

    def find() -> int | None:
        return next((i for i in net.live() if is_sealer(net.node(i))), None)

    return wait_for("a node says it is the sealer", find, timeout_s, 0.05)


def wait_same_head(net: Network, at_least: int, timeout_s: float = CATCH_UP_TIMEOUT_S) -> int:
    """Until every live node has the same head hash at `at_least` or above; that height."""

    def same() -> int | None:
        heads = {head(net.address(i))[:2] for i in net.live()}
        height = next(iter(heads))[0]
        return height if len(heads) == 1 and height >= at_least else None

    return wait_for(f"nodes {net.live()} reach one head at {at_least}", same, timeout_s)


class BlockWatcher:
    """StreamBlocks on one node from `from_height`: (monotonic arrival, height, proposer) of
    each block, recorded by a thread until `close()` or the node goes away."""

    def __init__(self, address: str, from_height: int) -> None:
        self.seen: list[tuple[float, int, bytes]] = []
        self._channel = grpc.insecure_channel(address)
        node: Any = npb_grpc.NodeStub(self._channel)  # type: ignore[no-untyped-call]
        request = npb.StreamBlocksRequest(from_height=from_height, full=False)
        self._call = node.StreamBlocks(request)
        self._thread = threading.Thread(target=self._run, name="watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for info in self._call:
                self.seen.append((time.monotonic(), info.header.height, info.header.proposer))
        except grpc.RpcError:
            return  # cancelled, or the node was killed

    def arrivals(self) -> dict[int, float]:
        return {height: at for at, height, _ in list(self.seen)}

    def arrival(self, height: int) -> float | None:
        return self.arrivals().get(height)

    def close(self) -> None:
        self._call.cancel()
        self._thread.join(5)
        self._channel.close()


# ---------------------------------------------------------------------------------------------
# 1. Throughput (bench/e2e.py's load and gate)


@dataclass(frozen=True, slots=True)
class Throughput:
    sealed_tps: float
    admitted_tps: float
    gate_p50_ms: float
    gate_p99_ms: float
    blocks: int
    max_block_txs: int
    seal_ms: float  # per block: execute and seal (the sealer's metrics, as in bench/e2e.py)
    commit_ms: float  # per block: from sealed to committed, the etcd commit included
    etcd_commit_ms: float  # per block: the guarded etcd commit alone (0 without etcd)
    seconds: float
    cpu_s: dict[str, float]  # per process during the load: nodes, etcd members, load client
    followers_paused: bool  # SIGSTOPped during the load (as if they ran on other machines)
    followers_caught_up_s: float  # after the last receipt, until every node had that head
    machine_millicpus: int  # each node (with its etcd member) capped at this; 0: shared cores


def throughput(
    opts: Options,
    net: Network,
    sealer: int,
    accounts: Accounts,
    others: dict[str, int],
    pause: Sequence[int] = (),
    millicpus: int = 0,
) -> Throughput:
    """bench/e2e.py's load and gate against node `sealer`; the nodes in `pause` are stopped
    (SIGSTOP) for the load and resumed after it. With `millicpus`, the caller has put each
    node in an emulated machine of that size (`machines`); it is only recorded here."""
    node = net.node(sealer)
    with NodeClient(node.grpc, retry=e2e.PATIENT) as client:
        window = e2e.window_of(client)
        txs = e2e.sign_load(window, accounts.senders, opts.txs)
        gate = accounts.gate
        spec = e2e.GateSpec(gate.key.to_bytes(), gate.curve, opts.block_time_ms, window)
        pids = {**net.pids(), **others}
        before, etcd_before = cpu_of(pids), etcd_commits(node)
        signal_all(net, pause, signal.SIGSTOP)
        try:
            load, gate_result, use = e2e.run_children(opts.e2e_options(), node, txs, spec)
        finally:
            signal_all(net, pause, signal.SIGCONT)
        spent = {k: v - before[k] for k, v in cpu_of(pids).items()}
        etcd_s, etcd_n = (a - b for a, b in zip(etcd_commits(node), etcd_before, strict=True))
        ended = time.monotonic()
        spent["load client"] = load.cpu_s
        if load.rejected:
            raise BenchError(f"{load.rejected} load txs refused; first: {load.first_error}")
        if gate_result.failures:
            raise BenchError(f"{gate_result.failures} gate txs failed: {gate_result.first_error}")
        wait_same_head(net, client.info().height)
        caught_up = time.monotonic() - ended
        expected = opts.txs + len(gate_result.samples)
        largest, stamps = e2e.check_blocks(client, window.first_valid - 1, expected)
    r = e2e.summarize(opts.txs, load, gate_result, use, largest, stamps)
    return Throughput(
        r.sealed_tps,
        r.admitted_tps,
        r.gate_p50_ms,
        r.gate_p99_ms,
        r.blocks,
        r.max_block_txs,
        r.seal_ms,
        r.commit_ms,
        1000 * etcd_s / max(1.0, etcd_n),
        load.sealed - load.started,
        spent,
        bool(pause),
        caught_up,
        millicpus,
    )


@contextmanager
def machines(opts: Options, net: Network, others: dict[str, int]) -> Iterator[int]:
    """Node i of `net` and etcd member i (`others["etcd<i>"]`) in emulated machine i: a CPU
    cgroup of --machine-millicpus (vmchain/testing/machines.py), as if each node and its
    member had a machine of their own instead of sharing the host's cores with the others.
    Yields the size; every process is moved back out at the end."""
    made: list[Machine] = []
    try:
        for i in range(net.size):
            name = f"vmchain-bench-{os.getpid()}-{net.base.name}-{i}"
            machine = Machine.create(name, opts.machine_millicpus)
            made.append(machine)
            machine.add(net.pid(i))
            if f"etcd{i}" in others:
                machine.add(others[f"etcd{i}"])
        yield opts.machine_millicpus
    finally:
        for machine in made:
            machine.remove()


def signal_all(net: Network, nodes: Sequence[int], signum: signal.Signals) -> None:
    for i in nodes:
        os.kill(net.pid(i), signum)


def scrape(node: DevNode) -> dict[str, float]:
    """The node's Prometheus series: 'name{labels}' -> value."""
    with urllib.request.urlopen(f"http://{node.metrics}/metrics", timeout=10) as response:
        text = response.read().decode()
    lines = [line.rsplit(" ", 1) for line in text.splitlines() if line[:1] not in "#"]
    return {name: float(value) for name, value in lines}


def etcd_commits(node: DevNode) -> tuple[float, float]:
    """The node's guarded etcd commits so far: (seconds, count); zeros without etcd."""
    series = scrape(node)
    name = "vmchain_replication_etcd_commit_seconds"
    return series.get(f"{name}_sum", 0.0), series.get(f"{name}_count", 0.0)


def slow_blocks(node: DevNode) -> tuple[float, float]:
    """(blocks whose synced write, for a follower apply and write, took over 100 ms; blocks)."""
    series = scrape(node)
    name = "vmchain_state_commit_seconds"
    count = series[f"{name}_count"]
    return count - series[f'{name}_bucket{{le="0.1"}}'], count


# ---------------------------------------------------------------------------------------------
# 2. Follower lag


def lag_clients(target: str, raws: list[bytes], clients: int) -> list[tuple[float, int]]:
    """In a spawned process: `clients` threads, thread j submitting raws[j::clients] one at a
    time, each waiting for its receipt; (monotonic time the receipt came back, its height)."""

    def one_client(j: int) -> list[tuple[float, int]]:
        out = []
        with NodeClient(target, wait=60.0) as client:
            for raw in raws[j::clients]:
                receipt = client.submit(raw, wait=True)
                out.append((time.monotonic(), receipt.height))
        return out

    with ThreadPoolExecutor(clients) as pool:
        return [ack for acks in pool.map(one_client, range(clients)) for ack in acks]


@dataclass(frozen=True, slots=True)
class Lag:
    p50_ms: float
    p99_ms: float
    max_ms: float
    min_ms: float
    samples: int  # blocks x followers
    blocks: int
    txs: int
    seconds: float
    # The 5 largest: (ms, follower index, height, ms after the sealer's own stream had it).
    worst: tuple[tuple[float, int, int, float], ...]
    slow_applies: int  # follower blocks whose apply (re-execution and synced write) took > 100 ms
    applies: int


def follower_lag(opts: Options, net: Network, sealer: int, accounts: Accounts) -> Lag:
    address = net.address(sealer)
    with NodeClient(address) as client:
        window = e2e.window_of(client)
    to = b"\x1a" * 20
    raws = [
        e2e.transfer(accounts.lag[i % opts.lag_clients], window, to, i.to_bytes(8, "big")).encoded
        for i in range(opts.lag_txs)
    ]
    followers = [i for i in net.live() if i != sealer]
    watchers = [BlockWatcher(net.address(i), window.first_valid) for i in followers]
    own = BlockWatcher(address, window.first_valid)
    slow_before = [slow_blocks(net.node(i)) for i in followers]
    try:
        started = time.monotonic()
        with mp.get_context("spawn").Pool(1) as pool:
            acks = pool.apply(lag_clients, (address, raws, opts.lag_clients))
        seconds = time.monotonic() - started
        first_ack: dict[int, float] = {}
        for at, height in acks:
            first_ack[height] = min(at, first_ack.get(height, math.inf))
        last = max(first_ack)
        for w in watchers:
            wait_for("a follower delivers the last lag block", partial(w.arrival, last), 30)
        slow, applies = _slow_delta(net, followers, slow_before)
    finally:
        for w in [*watchers, own]:
            w.close()
    sealer_had = own.arrivals()
    samples = []
    for i, w in zip(followers, watchers, strict=True):
        arrivals = w.arrivals()
        samples += [
            (1000 * (arrivals[h] - at), i, h, 1000 * (arrivals[h] - sealer_had.get(h, math.nan)))
            for h, at in first_ack.items()
        ]
    ms = [sample[0] for sample in samples]
    return Lag(
        statistics.median(ms),
        e2e.percentile(ms, 99),
        max(ms),
        min(ms),
        len(ms),
        len(first_ack),
        len(acks),
        seconds,
        tuple(sorted(samples, reverse=True)[:5]),
        int(slow),
        int(applies),
    )


def _slow_delta(
    net: Network, followers: list[int], before: list[tuple[float, float]]
) -> tuple[float, float]:
    """Slow follower applies and all follower applies since `before` (see slow_blocks)."""
    now = [slow_blocks(net.node(i)) for i in followers]
    slow = sum(n[0] - b[0] for n, b in zip(now, before, strict=True))
    return slow, sum(n[1] - b[1] for n, b in zip(now, before, strict=True))


# ---------------------------------------------------------------------------------------------
# 3. Failover


class Submitter:
    """A client thread: one transfer at a time, waiting for its receipt, to the node it takes
    for the sealer. Refused (UNAVAILABLE), it moves after CLIENT_RETRY_S to the sealer the
    follower names, unless that address gave no answer within DOWN_FOR_S (a follower's hint
    may still name the sealer that died: counted as "stale hint"), else to the next address
    that did not fail lately. Records (monotonic, node index, tx id, receipt)."""

    def __init__(self, addresses: list[str], wallet: Wallet, window: Any) -> None:
        self.addresses = addresses
        self.channels = [grpc.insecure_channel(a, options=FAST_RECONNECT) for a in addresses]
        self.stubs: list[Any] = [npb_grpc.NodeStub(c) for c in self.channels]  # type: ignore[no-untyped-call]
        self.wallet = wallet
        self.window = window  # refreshed by the bench between kills
        self.acks: list[tuple[float, int, bytes, Any]] = []
        self.errors: dict[str, int] = {}
        self.target = 0
        self.down_at = [-math.inf] * len(addresses)  # when each last gave no answer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="submitter", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        to = b"\x2b" * 20
        n = 0
        while not self._stop.is_set():
            n += 1
            tx = e2e.transfer(self.wallet, self.window, to, os.urandom(4) + n.to_bytes(8, "big"))
            request = npb.SubmitRequest(tx=signed_message(tx), wait_ms=WAIT_MS)
            try:
                response = self.stubs[self.target].SubmitTransaction(
                    request, timeout=WAIT_MS / 1000 + 2
                )
            except grpc.RpcError as exc:
                self._refused(exc)
                continue
            self.acks.append((time.monotonic(), self.target, tx.tx_id, response.receipt))

    def _refused(self, exc: grpc.RpcError) -> None:
        code = exc.code()
        self.errors[code.name] = self.errors.get(code.name, 0) + 1
        details = exc.details() or ""
        now = time.monotonic()
        if FOLLOWER not in details:
            self.down_at[self.target] = now  # no node answered
        named = details.split(SEALER_HINT, 1)[1].strip() if SEALER_HINT in details else ""
        hinted = self.addresses.index(named) if named in self.addresses else self.target
        if hinted != self.target and now - self.down_at[hinted] > DOWN_FOR_S:
            self.target = hinted
        else:
            if hinted != self.target:
                self.errors["stale hint"] = self.errors.get("stale hint", 0) + 1
            self.target = self._next_up(now)
        self._stop.wait(CLIENT_RETRY_S)

    def _next_up(self, now: float) -> int:
        """The next address after the target that did not fail lately (else just the next)."""
        size = len(self.addresses)
        order = [(self.target + k) % size for k in range(1, size + 1)]
        return next((i for i in order if now - self.down_at[i] > DOWN_FOR_S), order[0])

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(WAIT_MS / 1000 + 5)
        for channel in self.channels:
            channel.close()


@dataclass(frozen=True, slots=True)
class Kill:
    killed: int
    new_sealer: int
    elected_s: float  # SIGKILL to a survivor's metrics saying it is the sealer (polled)
    failover_s: float  # SIGKILL to the first block by another node on a survivor's stream
    client_s: float  # SIGKILL to the first receipt a client got from another node
    restart_catch_up_s: float  # the killed node's restart until it held the sealer's head


@dataclass(frozen=True, slots=True)
class Failover:
    kills: tuple[Kill, ...]
    acknowledged: int
    client_errors: dict[str, int]
    final_height: int


def failover(opts: Options, net: Network, accounts: Accounts) -> Failover:
    addresses = [net.address(i) for i in range(net.size)]
    proposers = {w.address_bytes: i for i, w in enumerate(accounts.authorities)}
    with NodeClient(addresses[elected(net)]) as client:
        window = e2e.window_of(client)
    submitters = [Submitter(addresses, w, window) for w in accounts.failover]
    kills = []
    try:
        for _ in range(opts.kills):
            kills.append(one_kill(net, submitters, proposers))
            with NodeClient(addresses[kills[-1].new_sealer]) as client:
                window = e2e.window_of(client)
            for s in submitters:
                s.window = window
    finally:
        for s in submitters:
            s.stop()
    height = wait_same_head(net, 0)
    acks = [ack for s in submitters for ack in s.acks]
    check_receipts(net, acks)
    errors: dict[str, int] = {}
    for s in submitters:
        for code, count in s.errors.items():
            errors[code] = errors.get(code, 0) + count
    return Failover(tuple(kills), len(acks), errors, height)


def one_kill(net: Network, submitters: list[Submitter], proposers: dict[bytes, int]) -> Kill:
    """Kill the sealer (the proposer of the latest block, which must be sealing now), time the
    takeover, restart the killed node and wait until it caught up."""
    sealer = elected(net)

    def sealing() -> int | None:
        height, _, proposer = head(net.address(sealer))
        return height if proposers.get(proposer) == sealer else None

    height = wait_for(f"node {sealer} seals", sealing, CATCH_UP_TIMEOUT_S)
    survivors = [i for i in net.live() if i != sealer]
    watchers = [BlockWatcher(net.address(i), height + 1) for i in survivors]
    time.sleep(0.2)  # the streams are open
    killed_proposer = next(p for p, i in proposers.items() if i == sealer)
    killed_at = time.monotonic()
    net.kill(sealer)
    try:
        elected_at, at, new_proposer = await_takeover(net, survivors, watchers, killed_proposer)
    finally:
        for w in watchers:
            w.close()
    new_sealer = proposers[new_proposer]
    client_at = wait_for(
        "a client's receipt from the new sealer",
        lambda: first_ack_from(submitters, new_sealer, killed_at),
        FAILOVER_TIMEOUT_S,
    )
    restarted = time.monotonic()
    net.start(sealer)
    now = head(net.address(new_sealer))[0]
    wait_for(
        f"restarted node {sealer} catches up to {now}",
        lambda: True if head(net.address(sealer))[0] >= now else None,
        CATCH_UP_TIMEOUT_S,
    )
    catch_up = time.monotonic() - restarted
    time.sleep(SETTLE_S)
    return Kill(
        sealer, new_sealer, elected_at - killed_at, at - killed_at, client_at - killed_at, catch_up
    )


def await_takeover(
    net: Network, survivors: list[int], watchers: list[BlockWatcher], killed: bytes
) -> tuple[float, float, bytes]:
    """When a survivor first said it is the sealer (its metrics, polled every
    TAKEOVER_POLL_S), when the first block by another node arrived, and its proposer."""
    deadline = time.monotonic() + FAILOVER_TIMEOUT_S
    elected_at: float | None = None
    while time.monotonic() < deadline:
        if elected_at is None and any(is_sealer(net.node(i)) for i in survivors):
            elected_at = time.monotonic()
        block = first_block_by_other(watchers, killed)
        if block is not None:
            return (block[0] if elected_at is None else elected_at), *block
        time.sleep(TAKEOVER_POLL_S)
    raise BenchError(f"no block by another node {FAILOVER_TIMEOUT_S:.0f} s after the kill")


def first_block_by_other(watchers: list[BlockWatcher], killed: bytes) -> tuple[float, bytes] | None:
    found = [
        (at, proposer) for w in watchers for at, _, proposer in list(w.seen) if proposer != killed
    ]
    return min(found) if found else None


def first_ack_from(submitters: list[Submitter], node: int, after: float) -> float | None:
    times = [at for s in submitters for at, i, _, _ in list(s.acks) if i == node and at > after]
    return min(times) if times else None


def check_receipts(net: Network, acks: list[tuple[float, int, bytes, Any]]) -> None:
    """Every receipt a client was handed is served, identical, by every node."""
    for i in net.live():
        with grpc.insecure_channel(net.address(i)) as channel:
            node: Any = npb_grpc.NodeStub(channel)  # type: ignore[no-untyped-call]
            for _, _, tx_id, receipt in acks:
                got = node.GetReceipt(npb.GetReceiptRequest(tx_id=tx_id), timeout=10)
                if got != receipt:
                    raise BenchError(
                        f"node {i} serves tx 0x{tx_id.hex()} as {got}, a client was given {receipt}"
                    )


# ---------------------------------------------------------------------------------------------
# One run


@dataclass(frozen=True, slots=True)
class RunResult:
    single: Throughput
    replicated: Throughput
    ratio: float  # on the host's shared cores: 3 nodes and 3 members crowd 2 cores
    followers_paused: Throughput  # the sealer and etcd alone: what etcd itself costs
    ratio_followers_paused: float
    single_machine: Throughput | None  # in an emulated machine of --machine-millicpus
    replicated_machines: Throughput | None  # each node and its member in one such machine
    ratio_machines: float | None  # the target: equal CPU per machine
    lag: Lag | None
    failover: Failover | None


def one_run(opts: Options, run: int) -> RunResult:
    accounts = Accounts.generate(opts)
    with tempfile.TemporaryDirectory(prefix=f"vmchain-replicated-{run}-") as tmp:
        base = Path(tmp)
        (base / "single").mkdir()
        single_net = Network(base / "single", accounts.genesis(1), accounts.authorities, opts)
        single_machine = replicated_machines = None
        with running(single_net):
            single = throughput(opts, single_net, 0, accounts, {})
            print(f"run {run}: single node {describe_tps(single)}", flush=True)
            if opts.machine_millicpus:
                with machines(opts, single_net, {}) as size:
                    single_machine = throughput(opts, single_net, 0, accounts, {}, (), size)
                print(f"run {run}: single node, machine {describe_tps(single_machine)}")
        (base / "etcd").mkdir()
        (base / "replicated").mkdir()
        with etcd_cluster(base / "etcd") as cluster:
            etcd_pids = {f"etcd{i}": p.pid for i, p in cluster.procs.items()}
            net = Network(
                base / "replicated",
                accounts.genesis(3),
                accounts.authorities,
                opts,
                tuple(cluster.urls),
            )
            with running(net):
                sealer = elected(net)
                replicated = throughput(opts, net, sealer, accounts, etcd_pids)
                print(f"run {run}: replicated {describe_tps(replicated)}", flush=True)
                if opts.machine_millicpus:
                    with machines(opts, net, etcd_pids) as size:
                        replicated_machines = throughput(
                            opts, net, sealer, accounts, etcd_pids, (), size
                        )
                    print(f"run {run}: replicated, machines {describe_tps(replicated_machines)}")
                followers = [i for i in range(net.size) if i != sealer]
                alone = throughput(opts, net, sealer, accounts, etcd_pids, followers)
                print(f"run {run}: replicated, followers paused {describe_tps(alone)}", flush=True)
                lag = failed = None
                if opts.profile is None:
                    lag = follower_lag(opts, net, sealer, accounts)
                    print(f"run {run}: {describe_lag(lag)}", flush=True)
                    failed = failover(opts, net, accounts)
                    print(f"run {run}: {describe_failover(failed)}", flush=True)
    ratio = replicated.sealed_tps / single.sealed_tps
    ratio_machines = (
        replicated_machines.sealed_tps / single_machine.sealed_tps
        if replicated_machines is not None and single_machine is not None
        else None
    )
    return RunResult(
        single,
        replicated,
        ratio,
        alone,
        alone.sealed_tps / single.sealed_tps,
        single_machine,
        replicated_machines,
        ratio_machines,
        lag,
        failed,
    )


# ---------------------------------------------------------------------------------------------
# Reporting


def describe_tps(t: Throughput) -> str:
    cpu = ", ".join(f"{name} {seconds:.1f}" for name, seconds in t.cpu_s.items())
    return (
        f"sealed {t.sealed_tps:,.0f} tx/s (admitted {t.admitted_tps:,.0f}) over {t.seconds:.1f} "
        f"s in {t.blocks} blocks (largest {t.max_block_txs}; per block {t.seal_ms:.0f} ms "
        f"sealing, {t.commit_ms:.1f} ms committing of which {t.etcd_commit_ms:.1f} ms the etcd "
        f"commit); gate p50 {t.gate_p50_ms:.0f} / p99 "
        f"{t.gate_p99_ms:.0f} ms; every node at the sealer's head {t.followers_caught_up_s:.2f} "
        f"s after the last receipt; CPU s meanwhile: {cpu}"
    )


def describe_lag(lag: Lag) -> str:
    return (
        f"follower lag (first receipt of a block -> a follower's StreamBlocks) p50 "
        f"{lag.p50_ms:.1f} / p99 {lag.p99_ms:.1f} / max {lag.max_ms:.1f} ms (min "
        f"{lag.min_ms:.1f}) over {lag.samples} samples = {lag.blocks} blocks x 2 followers, "
        f"{lag.txs} txs in {lag.seconds:.1f} s; the largest (ms, follower, height, ms after "
        f"the sealer's own stream): "
        f"{', '.join(f'({ms:.0f}, {i}, {h}, {own:.0f})' for ms, i, h, own in lag.worst)}; "
        f"follower applies over 100 ms: {lag.slow_applies} of {lag.applies}"
    )


def describe_failover(f: Failover) -> str:
    kills = "; ".join(
        f"node {k.killed} -> {k.new_sealer}: elected {k.elected_s:.2f} s, block "
        f"{k.failover_s:.2f} s, client "
        f"{k.client_s:.2f} s, restart caught up {k.restart_catch_up_s:.1f} s"
        for k in f.kills
    )
    return (
        f"failover over {len(f.kills)} kills: {kills}; {f.acknowledged} acknowledged receipts "
        f"all served identically by 3 nodes at head {f.final_height}; refused submits "
        f"{f.client_errors}"
    )


def print_profiles(opts: Options, run: int) -> None:
    """Each profiled node's CPU by e2e's stages, then by the replication stages."""
    assert opts.profile is not None
    for path in sorted(opts.profile.glob("*.prof")):
        e2e.print_profile(path, opts.txs)
        print_replication_stages(path, opts.txs)
        path.rename(path.with_name(f"run{run}-{path.name}"))
        Path(f"{path}.gc").rename(path.with_name(f"run{run}-{path.name}.gc"))


def print_replication_stages(path: Path, txs: int) -> None:
    import pstats

    stats: Any = pstats.Stats(str(path))
    rows = stats.stats.items()
    total = sum(own for _, (_, _, own, _, _) in rows)
    print(f"\n{path.name}: replication stages")
    for label, filename, function in REPLICATION_STAGES:
        cumulative = sum(
            cum
            for (file, _, name), (_, _, _, cum, _) in rows
            if name == function and file.endswith(filename)
        )
        print(f"{cumulative:9.2f} {cumulative / total:6.1%} {1e6 * cumulative / txs:6.0f}  {label}")


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def summary(results: list[RunResult]) -> dict[str, float]:
    kills = [k for r in results if r.failover for k in r.failover.kills]
    lags = [r.lag for r in results if r.lag is not None]
    out = {
        "replicated_tps": median([r.replicated.sealed_tps for r in results]),
        "single_tps": median([r.single.sealed_tps for r in results]),
        "ratio": median([r.ratio for r in results]),
        "paused_tps": median([r.followers_paused.sealed_tps for r in results]),
        "ratio_followers_paused": median([r.ratio_followers_paused for r in results]),
    }
    machine_ratios = [r.ratio_machines for r in results if r.ratio_machines is not None]
    if machine_ratios:
        out["ratio_machines"] = median(machine_ratios)
        out["single_machine_tps"] = median(
            [r.single_machine.sealed_tps for r in results if r.single_machine is not None]
        )
        out["replicated_machines_tps"] = median(
            [r.replicated_machines.sealed_tps for r in results if r.replicated_machines]
        )
    if kills:
        out["failover_p50_s"] = median([k.failover_s for k in kills])
        out["failover_max_s"] = max(k.failover_s for k in kills)
        out["client_failover_p50_s"] = median([k.client_s for k in kills])
        out["elected_p50_s"] = median([k.elected_s for k in kills])
        out["elected_max_s"] = max(k.elected_s for k in kills)
    if lags:
        out["lag_p50_ms"] = median([lag.p50_ms for lag in lags])
        out["lag_p99_ms"] = median([lag.p99_ms for lag in lags])
        out["lag_max_ms"] = median([lag.max_ms for lag in lags])
    return out


def result_line(s: dict[str, float]) -> str:
    order = (
        "failover_p50_s",
        "failover_max_s",
        "replicated_tps",
        "single_tps",
        "ratio_machines",
        "ratio",
        "ratio_followers_paused",
        "lag_p50_ms",
        "lag_p99_ms",
        "lag_max_ms",
    )
    fmt = {"failover_p50_s": "{:.2f}", "failover_max_s": "{:.2f}", "ratio": "{:.2f}"}
    fmt["ratio_followers_paused"] = fmt["ratio_machines"] = "{:.2f}"
    parts = [f"{k}={fmt.get(k, '{:.0f}').format(s[k])}" for k in order if k in s]
    return "RESULT " + " ".join(parts)


def write_json(opts: Options, results: list[RunResult], s: dict[str, float], load: float) -> Path:
    opts.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    path = opts.out / f"replicated-{stamp}.json"
    document = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": {k: str(v) for k, v in asdict(opts).items()},
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load,
            "etcd": etcd_version(),
        },
        "medians": s,
        "targets": {"failover_s": "< 4", "ratio_machines": ">= 0.70", "lag_p99_ms": "< 100"},
        "runs": [asdict(r) for r in results],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def etcd_version() -> str:
    out = subprocess.run(["etcd", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else "unknown"


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    add = parser.add_argument
    add("--runs", type=int, default=3, help="runs, each on fresh nodes and etcd (3)")
    add("--txs", type=int, default=30_000, help="load transfers per throughput measure (30000)")
    add("--batch", type=int, default=500, help="txs per streamed batch (500)")
    add("--senders", type=int, default=200, help="load senders (200)")
    add("--block-time", type=int, default=100, help="every node's block time, ms (100)")
    add("--lease-ttl", type=int, default=2, help="the sealer's etcd lease, s (2: etcd's minimum)")
    add("--kills", type=int, default=5, help="sealer kills per run (5)")
    add("--lag-txs", type=int, default=3_000, help="txs of the follower lag measure (3000)")
    add("--lag-clients", type=int, default=32, help="concurrent lag clients (32)")
    add(
        "--machine-millicpus",
        type=int,
        default=600,
        help="CPU of each emulated machine (a node and its etcd member) in thousandths of a "
        "core, for the ratio at equal CPU per machine (600); 0 skips that measure",
    )
    add("--profile", type=Path, help="cProfile every node, throughput only; .prof files here")
    add("--out", type=Path, default=RESULTS, help="where the JSON summary goes (bench/results)")
    a = parser.parse_args(argv)
    if (
        min(
            a.runs,
            a.txs,
            a.batch,
            a.senders,
            a.block_time,
            a.lease_ttl,
            a.kills,
            a.lag_txs,
            a.lag_clients,
        )
        < 1
    ):
        parser.error("every count, time and size must be positive")
    if a.machine_millicpus < 0 or 0 < a.machine_millicpus < 10:
        parser.error("--machine-millicpus: 0, or at least 10 (a hundredth of a core)")
    if a.machine_millicpus and (why := unavailable()) is not None:
        parser.error(f"--machine-millicpus: {why} (--machine-millicpus 0 skips that measure)")
    if a.profile is not None:
        a.profile.mkdir(parents=True, exist_ok=True)
    return Options(
        a.runs,
        a.txs,
        a.batch,
        a.senders,
        a.block_time,
        a.lease_ttl,
        a.kills,
        a.lag_txs,
        a.lag_clients,
        a.machine_millicpus,
        a.profile,
        a.out,
    )


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    # SIGTERM unwinds like an error, so that every node and etcd member is stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    load = os.getloadavg()[0]
    print(
        f"replicated: {opts.runs} run(s); throughput {opts.txs:,} transfers in batches of "
        f"{opts.batch} from {opts.senders} senders, block time {opts.block_time_ms} ms; lag "
        f"{opts.lag_txs:,} txs from {opts.lag_clients} clients; {opts.kills} sealer kills, lease "
        f"TTL {opts.lease_ttl_s} s; load average {load:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    results = []
    for run in range(1, opts.runs + 1):
        results.append(one_run(opts, run))
        r = results[-1]
        print(
            f"run {run}: ratio replicated/single {r.ratio:.2f} on the shared cores, "
            f"{r.ratio_machines or 0:.2f} at equal CPU per machine (followers paused: "
            f"{r.ratio_followers_paused:.2f})",
            flush=True,
        )
        if opts.profile is not None:
            print_profiles(opts, run)
    s = summary(results)
    path = write_json(opts, results, s, load)
    print(f"summary: {path}")
    print(result_line(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
