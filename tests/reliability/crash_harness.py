"""The crash harness (after Bitcoin Core's feature_dbcrash.py): kill -9 a loaded node, check.

A real `vmchain node --dev` runs on a real RocksDB data dir while several client processes
(crash_client.py, one dev account each) submit signed transfers and write down every receipt
they receive, and one more (crash_client.py --watch-blocks) follows StreamBlocks and writes
down every block it is shown. Each round ends in a crash of one KIND:

- ``kill``: SIGKILL from outside after a seeded random delay;
- ``store.write.before`` / ``store.write.after`` / ``commit.before_ack``: the node was started
  with that fail point armed at a seeded random hit count and SIGKILLs itself inside the commit;
- ``recovery``: a random SIGKILL, then the restart is killed too, by ``startup.check`` while it
  re-executes its last blocks (a crash during recovery), before the clean restart;
- ``kill.starting``: a random SIGKILL, then SIGKILL the restart at a random moment of its
  start-up (opening RocksDB and replaying its WAL, the start-up check, or just after ready);
- ``kill.stopping``: SIGTERM, then SIGKILL a random moment later, while the node drains.

After each crash the clients are paused (SIGSTOP; they are separate processes that simply retry
the same signed tx until a node answers again) and the harness checks:

1. ``vmchain verify --data-dir D`` passes (exit 0) on the stopped, crashed dir;
2. the node restarts on the same dir (armed for the next round) and, over gRPC: every receipt a
   client recorded is returned by GetReceipt with the identical bytes, and is the receipt its
   block carries; walking every block, no tx id appears twice; the balances at the head of every
   account the chain ever touched (genesis accounts, senders, recipients, proposers; fees go to
   the proposer) add up to the genesis total; every block the watcher was shown is still there
   with the same hash.

The seed is printed first; `run_harness(base, plan, seed=...)` with the same seed replays the
same plan, delays and hit counts. Run it by hand with
`python tests/reliability/crash_harness.py --rounds 20 [--seed N]`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.genesis import dev_genesis
from vmchain.chain.tx import Transfer, decode_signed_message

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "node"))
helpers: Any = importlib.import_module("node_helpers")

CLIENT_SCRIPT = HERE / "crash_client.py"
NODE_SERVICE = npb.DESCRIPTOR.services_by_name["Node"].full_name
FAILPOINTS_ENV = "VMCHAIN_FAILPOINTS"
SEED_ENV = "VMCHAIN_CRASH_SEED"
BLOCK_TIME = "50ms"
CHECK_BLOCKS = 6  # the node's default --check-blocks: startup.check is hit once per block
KILL_DELAY_S = (0.3, 1.5)
HIT_COUNTS = (3, 10)  # >= 3: a couple of blocks (and receipts) before the fail point fires
FAILPOINT_TIMEOUT_S = 30.0
CLIENT_STOP_TIMEOUT_S = 20.0
WARM_UP_ACKS = 2  # receipts each client must have had before the first round
WARM_UP_TIMEOUT_S = 30.0

START_KILL_DELAY_S = (0.05, 1.5)  # a restart is ready after about 0.6 s on this machine
STOP_KILL_DELAY_S = (0.0, 0.2)  # after SIGTERM; draining the pending txs takes about a block

KILL = "kill"
RECOVERY = "recovery"
KILL_STARTING = "kill.starting"
KILL_STOPPING = "kill.stopping"
FAIL_POINT_KINDS = ("store.write.before", "store.write.after", "commit.before_ack")
# The first five are the CI mix (mixed_plan takes every kind once, in this order, first).
KINDS = (KILL, *FAIL_POINT_KINDS, RECOVERY, KILL_STARTING, KILL_STOPPING)
_VERIFIED = re.compile(r"verified (\d+) blocks \(0\.\.(\d+)\), (\d+) transactions")

Log = Callable[[str], None]


class HarnessFailure(AssertionError):
    """A crash round broke a promise (or the harness could not run it); says which and why."""


# ---------------------------------------------------------------------------------------------
# Plans


@dataclass(frozen=True, slots=True)
class Crash:
    """How one round's crash comes about (drawn from the seed)."""

    kind: str
    delay_s: float = 0.0  # the other kinds: SIGKILL (SIGTERM) this long after clients resumed
    hit: int = 0  # fail point kinds: crash@hit; recovery: startup.check=crash@hit
    then_s: float = 0.0  # kill.starting: SIGKILL the restart, kill.stopping: SIGKILL, after

    def node_env(self) -> dict[str, str]:
        """The environment the node of this round starts with."""
        if self.kind in FAIL_POINT_KINDS:
            return {FAILPOINTS_ENV: f"{self.kind}=crash@{self.hit}"}
        return {}

    def describe(self) -> str:
        kill = f"kill after {self.delay_s:.2f} s"
        text = {
            KILL: kill,
            RECOVERY: f"{kill}, then startup.check=crash@{self.hit}",
            KILL_STARTING: f"{kill}, then kill the restart after {self.then_s:.2f} s",
            KILL_STOPPING: f"SIGTERM after {self.delay_s:.2f} s, SIGKILL {self.then_s:.2f} s later",
        }
        return text.get(self.kind, f"{self.kind}=crash@{self.hit}")


def draw(rng: random.Random, kind: str) -> Crash:
    """The seeded details of a crash of `kind`."""
    if kind not in KINDS:
        raise HarnessFailure(f"unknown crash kind {kind!r}; known: {', '.join(KINDS)}")
    if kind in FAIL_POINT_KINDS:
        return Crash(kind, hit=rng.randint(*HIT_COUNTS))
    delay = round(rng.uniform(*KILL_DELAY_S), 3)
    if kind == RECOVERY:
        return Crash(kind, delay_s=delay, hit=rng.randint(1, CHECK_BLOCKS))
    then = {KILL_STARTING: START_KILL_DELAY_S, KILL_STOPPING: STOP_KILL_DELAY_S}.get(kind)
    return Crash(kind, delay_s=delay, then_s=round(rng.uniform(*then), 3) if then else 0.0)


def mixed_plan(rng: random.Random, rounds: int) -> list[str]:
    """`rounds` kinds: every kind at least once (when rounds allow), the rest random kills and
    fail points, shuffled; never a recovery crash first (the chain needs blocks to check)."""
    kinds = list(KINDS[:rounds]) + [rng.choice(KINDS) for _ in range(rounds - len(KINDS))]
    rng.shuffle(kinds)
    if kinds and kinds[0] == RECOVERY:
        swap = next((i for i, k in enumerate(kinds) if k != RECOVERY), 0)
        kinds[0], kinds[swap] = kinds[swap], kinds[0]
    return kinds


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What one check of the restarted node found."""

    head: int
    blocks: int
    txs: int
    acked: int  # acknowledged receipts checked (all of them, from every client's file)
    lost: int  # acknowledged, and GetReceipt does not know the tx
    changed: int  # acknowledged, and the chain's receipt differs from the one handed out
    duplicates: int  # tx ids that appear more than once across all blocks
    total: int  # the sum of every touched balance at the head
    accounts: int
    head_txs: int  # txs in the head block
    head_acked: int  # of those, how many a client had a receipt for
    shown: int  # blocks the block watcher was streamed (checked against the chain)
    shown_changed: int  # of those, how many are gone or have another hash now


@dataclass(frozen=True, slots=True)
class RoundResult:
    index: int
    crash: Crash
    kills: int  # SIGKILLs in this round (2 for a recovery crash)
    new_acked: int  # receipts acknowledged since the previous check
    verified_blocks: int
    check: ChainCheck
    seconds: float


@dataclass(slots=True)
class Report:
    seed: int
    genesis_total: int
    rounds: list[RoundResult] = field(default_factory=list)
    final: ChainCheck | None = None
    clients: list[dict[str, Any]] = field(default_factory=list)
    watcher: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def kills(self) -> int:
        return sum(r.kills for r in self.rounds)

    @property
    def lost(self) -> int:
        return sum(r.check.lost + r.check.changed for r in self.rounds)

    @property
    def duplicates(self) -> int:
        return sum(r.check.duplicates for r in self.rounds)

    def client_total(self, name: str) -> int:
        return sum(int(c[name]) for c in self.clients)

    def summary(self) -> str:
        final = self.final
        acked = final.acked if final is not None else 0
        return (
            f"crash harness seed {self.seed}: {len(self.rounds)} rounds, {self.kills} SIGKILLs, "
            f"{acked} acknowledged receipts checked at the end, lost {self.lost}, duplicated "
            f"{self.duplicates}, {final.blocks if final else 0} blocks, "
            f"{final.txs if final else 0} txs; clients sent {self.client_total('sent')}, "
            f"acked {self.client_total('acked')} ({self.client_total('acked_after_retry')} "
            f"after a retry, {self.client_total('retries')} retries), replayed "
            f"{self.client_total('replayed')} acknowledged txs ("
            f"{self.client_total('replay_mismatches')} answered with another receipt); the "
            f"watcher was streamed {self.watcher.get('blocks')} blocks ("
            f"{self.watcher.get('gaps')} gaps, {self.watcher.get('reconnects')} reconnects); "
            f"{self.wall_s:.1f} s"
        )


# ---------------------------------------------------------------------------------------------
# Checks


def read_acks(paths: Sequence[Path]) -> dict[bytes, bytes]:
    """Every receipt the clients recorded: tx id -> receipt bytes. A line still being written
    (no newline yet) is not acknowledged; one tx recorded twice must carry the same bytes."""
    acks: dict[bytes, bytes] = {}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines(keepends=True):
            if not line.endswith("\n"):
                continue
            record = json.loads(line)
            tx_id, receipt = bytes.fromhex(record["tx_id"]), bytes.fromhex(record["receipt"])
            if acks.setdefault(tx_id, receipt) != receipt:
                raise HarnessFailure(f"tx 0x{tx_id.hex()} was acknowledged with two receipts")
    return acks


@dataclass(slots=True)
class _Walk:
    tx_ids: Counter[bytes] = field(default_factory=Counter)
    receipts: dict[bytes, bytes] = field(default_factory=dict)
    accounts: set[bytes] = field(default_factory=set)
    last: list[bytes] = field(default_factory=list)  # the tx ids of the last block walked
    hashes: list[bytes] = field(default_factory=list)  # block hash by height


def walk_blocks(node: Any, head: int) -> _Walk:
    """Every block 0..head: tx ids (counted), receipts (as bytes), every address touched."""
    walk = _Walk()
    for height in range(head + 1):
        info = node.GetBlock(npb.GetBlockRequest(height=height, full=True), timeout=10)
        walk.accounts.add(info.header.proposer)
        walk.hashes.append(info.hash)
        walk.last = []
        if len(info.receipts) != len(info.transactions):
            raise HarnessFailure(
                f"block {height}: {len(info.receipts)} receipts for {len(info.transactions)} txs"
            )
        for signed, receipt in zip(info.transactions, info.receipts, strict=True):
            tx = decode_signed_message(signed, check_signature=False)
            if receipt.tx_id != tx.tx_id:
                raise HarnessFailure(
                    f"block {height}: receipt of 0x{receipt.tx_id.hex()} "
                    f"sits beside tx 0x{tx.tx_id.hex()}"
                )
            walk.tx_ids[tx.tx_id] += 1
            walk.last.append(tx.tx_id)
            walk.receipts[tx.tx_id] = receipt.SerializeToString(deterministic=True)
            walk.accounts.add(tx.body.sender)
            if isinstance(tx.body.payload, Transfer):
                walk.accounts.add(tx.body.payload.to)
    return walk


def raw_receipt(channel: Any) -> Callable[[bytes], bytes | None]:
    """GetReceipt returning the Receipt's exact wire bytes, None for NOT_FOUND."""
    method = channel.unary_unary(
        f"/{NODE_SERVICE}/GetReceipt",
        request_serializer=npb.GetReceiptRequest.SerializeToString,
        response_deserializer=None,
    )

    def get(tx_id: bytes) -> bytes | None:
        try:
            raw: bytes = method(npb.GetReceiptRequest(tx_id=tx_id), timeout=10)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return raw

    return get


def read_shown(path: Path) -> dict[int, bytes]:
    """The blocks the watcher was streamed: height -> hash (complete lines only)."""
    shown: dict[int, bytes] = {}
    text = path.read_text() if path.exists() else ""
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            continue
        record = json.loads(line)
        height, block_hash = int(record["height"]), bytes.fromhex(record["hash"])
        if shown.setdefault(height, block_hash) != block_hash:
            raise HarnessFailure(f"the watcher was shown two blocks at height {height}")
    return shown


def check_chain(
    node: Any, channel: Any, acks: dict[bytes, bytes], shown: dict[int, bytes], genesis: Any
) -> ChainCheck:
    """The promises, checked against a restarted node that seals nothing meanwhile."""
    head = int(node.GetNodeInfo(npb.GetNodeInfoRequest(), timeout=10).height)
    walk = walk_blocks(node, head)
    get = raw_receipt(channel)
    lost = changed = 0
    for tx_id, receipt in acks.items():
        stored = get(tx_id)
        if stored is None:
            lost += 1
        elif stored != receipt or walk.receipts.get(tx_id) != receipt:
            changed += 1
    accounts = walk.accounts | {address for address, _ in genesis.alloc}
    request = npb.GetAccountRequest
    total = sum(
        int.from_bytes(node.GetAccount(request(address=a, height=head), timeout=10).balance, "big")
        for a in sorted(accounts)
    )
    return ChainCheck(
        head=head,
        blocks=head + 1,
        txs=sum(walk.tx_ids.values()),
        acked=len(acks),
        lost=lost,
        changed=changed,
        duplicates=sum(n - 1 for n in walk.tx_ids.values() if n > 1),
        total=total,
        accounts=len(accounts),
        head_txs=len(walk.last),
        head_acked=sum(tx_id in acks for tx_id in walk.last),
        shown=len(shown),
        shown_changed=sum(h > head or walk.hashes[h] != b for h, b in shown.items()),
    )


def verify_dir(data: Path) -> int:
    """`vmchain verify --data-dir D` as its own process; the number of blocks it verified."""
    done = subprocess.run(
        [sys.executable, "-m", "vmchain", "verify", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    match = _VERIFIED.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise HarnessFailure(
            f"vmchain verify exited {done.returncode}: {done.stdout}{done.stderr[-2000:]}"
        )
    return int(match.group(1))


# ---------------------------------------------------------------------------------------------
# The harness


class Harness:
    """A node, its clients and the crash rounds, on one data dir under `base`."""

    def __init__(
        self, base: Path, *, seed: int, clients: int = 4, workers: int = 2, log: Log = print
    ) -> None:
        self.base = base
        self.data = base / "data"
        self.target = base / "target"
        self.node_log = base / "node.log"
        self.log = log
        self.rng = random.Random(seed)
        self.genesis = dev_genesis()
        self.report = Report(seed, self.genesis.total_supply)
        self.ack_files = [base / f"acks-{i}.jsonl" for i in range(1, clients + 1)]
        self.workers = workers
        self.clients: list[subprocess.Popen[str]] = []
        self.blocks_file = base / "blocks.jsonl"
        self.watcher: subprocess.Popen[str] | None = None
        self.node: Any = None
        self._acked = 0

    # -- processes -----------------------------------------------------------------------

    def start_node(self, env: dict[str, str]) -> None:
        self.node = helpers.NodeProcess(
            self.data, args=["--block-time", BLOCK_TIME], log_path=self.node_log, env=env
        ).start()
        temporary = self.target.with_suffix(".tmp")
        temporary.write_text(self.node.ready["grpc"])
        os.replace(temporary, self.target)

    def _client(self, name: str, args: list[str]) -> subprocess.Popen[str]:
        command = [sys.executable, str(CLIENT_SCRIPT), "--target-file", str(self.target), *args]
        stderr = (self.base / f"{name}.log").open("a")
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)

    def start_clients(self) -> None:
        """The load clients, one dev account each, and the block watcher."""
        for index, path in enumerate(self.ack_files, start=1):
            args = ["--key-index", str(index), "--out", str(path), "--workers", str(self.workers)]
            self.clients.append(self._client(f"client-{index}", args))
        self.watcher = self._client("watcher", ["--watch-blocks", "--out", str(self.blocks_file)])

    def processes(self) -> list[subprocess.Popen[str]]:
        return [*self.clients, *([self.watcher] if self.watcher is not None else [])]

    def signal_clients(self, signum: int) -> None:
        for process in self.processes():
            if process.poll() is None:
                process.send_signal(signum)

    def stop_clients(self) -> None:
        """SIGTERM every client and the watcher (after SIGCONT); read their summary lines."""
        self.signal_clients(signal.SIGCONT)
        self.signal_clients(signal.SIGTERM)
        summaries = []
        for process in self.processes():
            out, _ = process.communicate(timeout=CLIENT_STOP_TIMEOUT_S)
            if process.returncode != 0:
                raise HarnessFailure(f"a client exited with {process.returncode}")
            summaries.append(json.loads(out.strip().splitlines()[-1]))
        self.report.clients = [s for s in summaries if not s.get("watcher")]
        self.report.watcher = next(s for s in summaries if s.get("watcher"))

    def kill_all(self) -> None:
        """On the way out, whatever happened: no process of ours outlives the harness."""
        if self.node is not None:
            self.node.kill()
        for process in self.processes():
            if process.poll() is None:
                process.kill()
                process.wait(10)

    # -- one round -----------------------------------------------------------------------

    def crash(self, crash: Crash) -> int:
        """Bring this round's crash about; the SIGKILLs it took (a node that finished its
        graceful stop before the SIGKILL of kill.stopping took none)."""
        proc = self.node.proc
        if crash.kind in FAIL_POINT_KINDS:
            code = _await_fail_point(proc, crash)
        else:
            time.sleep(crash.delay_s)
            if proc.poll() is not None:
                raise HarnessFailure(f"the node exited by itself with {proc.returncode}")
            code = (
                _kill_stopping(proc, crash.then_s) if crash.kind == KILL_STOPPING else _kill(proc)
            )
        self.signal_clients(signal.SIGSTOP)
        self.node.kill()  # closes the harness's channel
        if code not in (
            (-signal.SIGKILL, 0) if crash.kind == KILL_STOPPING else (-signal.SIGKILL,)
        ):
            raise HarnessFailure(f"{crash.describe()}: the node exited with {code}")
        return int(code == -signal.SIGKILL)

    def crash_restart(self, crash: Crash, head: int) -> int:
        """recovery, kill.starting: kill the restart too; the SIGKILLs that took (0 or 1)."""
        command = helpers.NodeProcess(self.data, args=["--block-time", BLOCK_TIME]).command
        env = dict(os.environ)
        if crash.kind == RECOVERY:
            env[FAILPOINTS_ENV] = f"startup.check=crash@{max(1, min(crash.hit, head))}"
        with self.node_log.open("a") as log:
            proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
            try:
                if crash.kind == KILL_STARTING:
                    time.sleep(crash.then_s)
                    _kill(proc)
                code = proc.wait(60)
            finally:
                if proc.poll() is None:
                    _kill(proc)
        if code != -signal.SIGKILL:
            raise HarnessFailure(f"{crash.describe()}: the restart exited with {code}")
        return 1

    def check(self) -> ChainCheck:
        acks = read_acks(self.ack_files)
        shown = read_shown(self.blocks_file)
        result = check_chain(self.node.node, self.node.channel, acks, shown, self.genesis)
        problems = []
        if result.lost or result.changed or result.duplicates:
            problems.append(
                f"lost {result.lost}, changed {result.changed}, duplicated {result.duplicates}"
            )
        if result.shown_changed:
            problems.append(f"{result.shown_changed} streamed blocks are gone or changed")
        if result.total != self.genesis.total_supply:
            problems.append(
                f"balances add up to {result.total}, genesis {self.genesis.total_supply}"
            )
        if problems:
            raise HarnessFailure(f"seed {self.report.seed}: {'; '.join(problems)}: {result}")
        return result

    def run_round(self, index: int, crash: Crash, following: Crash | None) -> RoundResult:
        started = time.monotonic()
        kills = self.crash(crash)
        verified = verify_dir(self.data)
        if crash.kind in (RECOVERY, KILL_STARTING):
            kills += self.crash_restart(crash, verified - 1)
            verified = verify_dir(self.data)
        self.start_node(following.node_env() if following is not None else {})
        result = self.check()
        new = result.acked - self._acked
        self._acked = result.acked
        self.signal_clients(signal.SIGCONT)
        outcome = RoundResult(
            index, crash, kills, new, verified, result, time.monotonic() - started
        )
        self.log(
            f"round {index}: {crash.describe()}: verify ok ({verified} blocks); acknowledged "
            f"receipts checked {result.acked} ({new} new), lost {result.lost + result.changed}, "
            f"duplicated {result.duplicates}; head block {result.head} holds {result.head_txs} "
            f"txs ({result.head_acked} acked); {result.shown} streamed blocks unchanged; "
            f"{result.txs} txs, {result.accounts} accounts "
            f"conserve {result.total}; {outcome.seconds:.1f} s"
        )
        return outcome

    def run(self, kinds: Sequence[str]) -> Report:
        started = time.monotonic()
        crashes = [draw(self.rng, kind) for kind in kinds]
        self.log(
            f"crash harness seed {self.report.seed} (rerun with {SEED_ENV}=<seed>): "
            f"{len(crashes)} rounds, {len(self.ack_files)} clients"
        )
        try:
            self.warm_up(crashes[0].node_env() if crashes else {})
            for index, crash in enumerate(crashes, start=1):
                following = crashes[index] if index < len(crashes) else None
                self.report.rounds.append(self.run_round(index, crash, following))
            self.finish()
        finally:
            self.kill_all()
        self.report.wall_s = time.monotonic() - started
        self.log(self.report.summary())
        return self.report

    def warm_up(self, env: dict[str, str]) -> None:
        """Start a clean node and the clients; once every client has had receipts, restart the
        node (SIGTERM, clients paused) armed for the first round, so no round starts while
        clients are still importing."""
        self.start_node({})
        self.start_clients()
        deadline = time.monotonic() + WARM_UP_TIMEOUT_S
        while any(_lines(path) < WARM_UP_ACKS for path in self.ack_files):
            if time.monotonic() > deadline:
                raise HarnessFailure(f"the clients had no receipts after {WARM_UP_TIMEOUT_S} s")
            time.sleep(0.05)
        self.signal_clients(signal.SIGSTOP)
        code = self.node.stop()
        if code != 0:
            raise HarnessFailure(f"the warm-up node exited with {code} on SIGTERM")
        self.start_node(env)
        self._acked = len(read_acks(self.ack_files))
        self.signal_clients(signal.SIGCONT)

    def finish(self) -> None:
        """Stop the clients, check everything they recorded, stop the node cleanly, verify."""
        time.sleep(0.3)
        self.stop_clients()
        self.report.final = self.check()
        code = self.node.stop()
        if code != 0:
            raise HarnessFailure(f"the node exited with {code} on SIGTERM")
        verify_dir(self.data)
        recorded = sum(_lines(path) for path in self.ack_files)
        said = self.report.client_total("acked")
        if recorded != said:
            raise HarnessFailure(f"the clients said they acked {said}, their files hold {recorded}")


def _kill(proc: subprocess.Popen[Any]) -> int:
    """SIGKILL a process of ours (unless it already ended) and reap it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(10)


def _kill_stopping(proc: subprocess.Popen[Any], after_s: float) -> int:
    """SIGTERM, then SIGKILL `after_s` later unless the graceful stop is done by then."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(after_s)
    except subprocess.TimeoutExpired:
        return _kill(proc)


def _await_fail_point(proc: subprocess.Popen[Any], crash: Crash) -> int:
    try:
        return proc.wait(FAILPOINT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise HarnessFailure(
            f"fail point {crash.describe()} did not fire in {FAILPOINT_TIMEOUT_S:.0f} s"
        ) from None


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


def seed_from_env() -> int:
    """$VMCHAIN_CRASH_SEED, else a fresh random seed (printed by the harness)."""
    text = os.environ.get(SEED_ENV, "")
    return int(text) if text else random.SystemRandom().randrange(2**32)


def run_harness(
    base: Path,
    kinds: Sequence[str],
    *,
    seed: int,
    clients: int = 4,
    workers: int = 2,
    log: Log = print,
) -> Report:
    """Run the rounds `kinds` on a fresh data dir under `base` with `clients` client processes
    of `workers` threads each; the report of a run that kept every promise (else
    HarnessFailure naming the seed and what broke)."""
    return Harness(base, seed=seed, clients=clients, workers=workers, log=log).run(kinds)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="txs in flight per client")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--base", type=Path, default=None, help="work dir (default: a temp dir)")
    args = parser.parse_args(argv)
    seed = seed_from_env() if args.seed is None else args.seed
    base = args.base or Path(
        subprocess.check_output(["mktemp", "-d", "/tmp/vmchain-crash-XXXX"], text=True).strip()
    )
    kinds = mixed_plan(random.Random(seed ^ 0x5EED), args.rounds)
    report = run_harness(base, kinds, seed=seed, clients=args.clients, workers=args.workers)
    return 0 if report.client_total("replay_mismatches") == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
