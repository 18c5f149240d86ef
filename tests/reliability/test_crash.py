"""Crash safety on a real node: kill -9 loops under load, and the receipt-after-sync proof.

The crash harness (crash_harness.py) runs 5 rounds in CI (a random kill, each commit fail point,
a crash during recovery) and 24 in the slow suite (also kills at random moments of a restart
and of a graceful stop); every round must lose no acknowledged receipt, duplicate no tx, conserve
money and pass `vmchain verify`. The seed is printed (and in every failure); rerun one with
VMCHAIN_CRASH_SEED=<seed>.

Then the ordering proof, one fail point at a time on a quiet node: a client waiting for its
receipt while the node dies at `store.write.before` gets none and the chain stays at the block
before; dying at `store.write.after` or `commit.before_ack` it gets none either, yet the block is
in the chain after the restart, so the synced write came before any reply. Resubmitting the same
signed tx (the honest retry) then returns that receipt and applies nothing twice. strace shows
the same order in the system calls: the WAL write holding the tx id, fdatasync of that file, and
only then the sendmsg of the reply.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import crash_harness as ch
import grpc
import pytest

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.genesis import dev_genesis

pytestmark = pytest.mark.e2e

helpers: Any = ch.helpers
KEYS = helpers.KEYS
PAYEE = bytes.fromhex("c0ffee" * 6 + "0001")
DURABLE_UNACKED = ("store.write.after", "commit.before_ack")
# SIGKILLs a round of each kind takes (kill.stopping: none when the drain beat the SIGKILL).
KILLS = {kind: (1,) for kind in ch.KINDS} | {
    ch.RECOVERY: (2,),
    ch.KILL_STARTING: (2,),
    ch.KILL_STOPPING: (0, 1),
}


def _check_report(report: ch.Report, rounds: int) -> None:
    seed = f"seed {report.seed}"
    assert len(report.rounds) == rounds, seed
    for result in report.rounds:
        check = result.check
        where = f"{seed}, round {result.index} ({result.crash.describe()})"
        assert result.new_acked > 0, where
        assert result.kills in KILLS[result.crash.kind], where
        assert check.acked > 0, where
        assert (check.lost, check.changed, check.duplicates) == (0, 0, 0), where
        assert check.total == dev_genesis().total_supply, where
        assert result.verified_blocks == check.blocks, where  # nothing sealed in between
        if result.crash.kind in DURABLE_UNACKED:  # the block the node died in: on disk, and
            assert check.head_txs > 0, where  # not one of its receipts was handed out
            assert check.head_acked == 0, where
    final = report.final
    assert final is not None, seed
    assert (final.lost, final.changed, final.duplicates) == (0, 0, 0), seed
    assert final.acked == report.client_total("acked") > 0, seed
    assert final.txs >= final.acked, seed
    assert report.client_total("acked_after_retry") > 0, seed  # in-flight txs were resubmitted
    assert [c["rejected"] for c in report.clients] == [{}] * len(report.clients), seed
    assert report.client_total("replayed") > 0, seed  # acknowledged txs submitted again ...
    assert report.client_total("replay_mismatches") == 0, seed  # ... got the same receipt
    assert (report.lost, report.duplicates) == (0, 0), seed
    assert final.shown > 0 and final.shown_changed == 0, seed  # streamed blocks stay put
    assert report.watcher["gaps"] == 0 and report.watcher["reconnects"] > 0, seed


def test_five_crash_rounds_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    seed = ch.seed_from_env()
    kinds = ch.mixed_plan(random.Random(seed), 5)
    assert sorted(kinds) == sorted(ch.KINDS[:5])  # a kill, the 3 commit fail points, recovery
    report = ch.run_harness(tmp_path, kinds, seed=seed, clients=4)
    _check_report(report, 5)
    assert report.kills == 6  # the recovery round kills twice


@pytest.mark.slow
def test_twenty_four_crash_rounds_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    seed = ch.seed_from_env()
    kinds = ch.mixed_plan(random.Random(seed), 24)
    assert set(kinds) == set(ch.KINDS)
    report = ch.run_harness(tmp_path, kinds, seed=seed, clients=4)
    _check_report(report, 24)
    assert report.kills >= 24 + kinds.count(ch.RECOVERY) + kinds.count(ch.KILL_STARTING) - (
        kinds.count(ch.KILL_STOPPING)
    )


# ---------------------------------------------------------------------------------------------
# A receipt is handed out only after the synced write


@pytest.fixture
def chain_at_one(tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    """A data dir whose chain has block 1 (one acknowledged transfer), node stopped."""
    data = tmp_path / "data"
    node = helpers.NodeProcess(data, log_path=tmp_path / "node.log").start()
    try:
        first = helpers.submit(node.node, helpers.transfer(node.node, KEYS[1], PAYEE, 5)).receipt
    finally:
        assert node.stop() == 0
    assert first.height == 1
    yield data, first


def _head(node: Any) -> int:
    return int(helpers.head_height(node.node))


def _tx_count(node: Any, tx_id: bytes, head: int) -> int:
    count = 0
    for height in range(head + 1):
        block = node.node.GetBlock(npb.GetBlockRequest(height=height, full=True))
        count += [r.tx_id for r in block.receipts].count(tx_id)
    return count


@pytest.mark.parametrize(
    ("point", "durable"),
    [("store.write.before", False), ("store.write.after", True), ("commit.before_ack", True)],
)
def test_no_receipt_before_the_synced_write(
    chain_at_one: tuple[Path, Any], tmp_path: Path, point: str, durable: bool
) -> None:
    data, first = chain_at_one
    log = tmp_path / "node.log"
    armed = helpers.NodeProcess(data, log_path=log, env={ch.FAILPOINTS_ENV: f"{point}=crash@1"})
    armed.start()
    tx = helpers.transfer(armed.node, KEYS[2], PAYEE, 7, gas_price=1)
    with pytest.raises(grpc.RpcError) as caught:  # the node dies while the client waits
        helpers.submit(armed.node, tx, wait_ms=10_000, timeout=20)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, caught.value
    assert armed.proc.wait(10) == -9
    armed.kill()

    node = helpers.NodeProcess(data, log_path=log).start()
    try:
        get = ch.raw_receipt(node.channel)
        assert get(first.tx_id) == first.SerializeToString()
        assert _head(node) == (2 if durable else 1)
        stored = get(tx.tx_id)
        assert (stored is not None) == durable
        assert helpers.balance(node.node, PAYEE) == 5 + (7 if durable else 0)
        # The honest retry: the same signed tx again. Sealed already: that very receipt, no
        # new block; lost with the crash: sealed now, once.
        again = helpers.submit(node.node, tx).receipt
        if durable:
            assert again.SerializeToString() == stored
            assert _head(node) == 2
        assert again.height == 2
        assert helpers.balance(node.node, PAYEE) == 12
        assert _tx_count(node, tx.tx_id, _head(node)) == 1
    finally:
        assert node.stop() == 0
    assert ch.verify_dir(data) == 3


@pytest.mark.parametrize("point", ["store.write.before", "store.write.after"])
def test_a_crash_while_the_genesis_block_is_written_restarts_cleanly(
    tmp_path: Path, point: str
) -> None:
    """A fresh dev dir's first write is block 0: killed before it, the dir holds an empty
    database (verify says so, the dev node writes genesis again); killed after, block 0 is
    there. Either way the restarted node seals block 1."""
    data = tmp_path / "data"
    command = [*helpers.NodeProcess(data).command, "--metrics", "off"]
    env = {**os.environ, ch.FAILPOINTS_ENV: f"{point}=crash@1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr
    if point == "store.write.after":
        assert ch.verify_dir(data) == 1
    else:
        with pytest.raises(ch.HarnessFailure, match="the store holds no genesis"):
            ch.verify_dir(data)
    node = helpers.NodeProcess(data, log_path=tmp_path / "node.log").start()
    try:
        assert _head(node) == 0
        receipt = helpers.submit(node.node, helpers.transfer(node.node, KEYS[4], PAYEE, 3)).receipt
        assert (receipt.height, helpers.balance(node.node, PAYEE)) == (1, 3)
    finally:
        assert node.stop() == 0
    assert ch.verify_dir(data) == 2


# ---------------------------------------------------------------------------------------------
# The same ordering seen in the system calls (strace)

STRACE = shutil.which("strace")
_SYSCALL = re.compile(r"^(\d+) +(?:<\.\.\. (\w+) resumed>|(\w+)\((\d+)?)")
_QUOTED = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')


@dataclass(frozen=True, slots=True)
class Syscall:
    """One strace line: a call's start (or all of it) or the rest of an unfinished one."""

    line: int
    name: str
    fd: int | None
    resumed: bool
    finished: bool  # this line holds the call's return
    data: bytes  # every quoted buffer on the line, joined


def parse_strace(text: str) -> list[Syscall]:
    """The lines of `strace -f -xx` output; a resumed call gets the fd of its unfinished start
    on the same thread."""
    calls = []
    started: dict[tuple[str, str], int | None] = {}  # (thread, call) -> fd, while unfinished
    for number, line in enumerate(text.splitlines()):
        match = _SYSCALL.match(line)
        if match is None:
            continue
        thread, resumed_name, name, fd_text = match.groups()
        finished = "<unfinished" not in line
        if resumed_name is not None:
            name, fd = resumed_name, started.pop((thread, resumed_name), None)
        else:
            fd = int(fd_text) if fd_text else None
            if not finished:
                started[(thread, name)] = fd
        data = b"".join(bytes.fromhex(q.replace("\\x", "")) for q in _QUOTED.findall(line))
        calls.append(Syscall(number, name, fd, resumed_name is not None, finished, data))
    return calls


def _traced(task: Path) -> bool:
    try:
        return "TracerPid:\t0" not in (task / "status").read_text()
    except FileNotFoundError:  # the thread ended meanwhile
        return True


def _attached(pid: int) -> bool:
    """Every thread of `pid` has a tracer."""
    return all(_traced(task) for task in Path(f"/proc/{pid}/task").iterdir())


@pytest.mark.skipif(STRACE is None, reason="strace is not installed")
def test_strace_shows_fdatasync_of_the_block_before_the_reply(tmp_path: Path) -> None:
    """The WAL write that carries the tx id, then fdatasync of that file, both finished before
    the sendmsg of the reply that carries the tx id starts; the request came in before."""
    assert STRACE is not None
    out = tmp_path / "strace.txt"
    node = helpers.NodeProcess(tmp_path / "data", log_path=tmp_path / "node.log").start()
    tracer = None
    try:
        tx = helpers.transfer(node.node, KEYS[3], PAYEE, 9, note=b"strace-probe-note")
        trace = "trace=fdatasync,fsync,write,pwrite64,writev,sendmsg,recvmsg"
        command = [STRACE, "-f", "-qq", "-xx", "-s", "65536", "-e", trace, "-o", str(out)]
        tracer = subprocess.Popen(
            [*command, "-p", str(node.proc.pid)], stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 10
        while not _attached(node.proc.pid):
            if tracer.poll() is not None:  # e.g. ptrace not permitted in this container
                pytest.skip(f"strace cannot attach here: {tracer.communicate()[1].strip()}")
            assert time.monotonic() < deadline, "strace did not attach to every thread"
            time.sleep(0.05)
        receipt = helpers.submit(node.node, tx, wait_ms=10_000, timeout=30).receipt
        assert receipt.tx_id == tx.tx_id
    finally:
        if tracer is not None and tracer.poll() is None:
            tracer.send_signal(signal.SIGINT)  # detach; the node goes on
            tracer.communicate(timeout=10)
        assert node.stop() == 0
    calls = parse_strace(out.read_text())
    request = next(c for c in calls if c.name == "recvmsg" and b"strace-probe-note" in c.data)
    reply = next(c for c in calls if c.name == "sendmsg" and tx.tx_id in c.data)
    wal = next(c for c in calls if c.name in {"write", "pwrite64", "writev"} and tx.tx_id in c.data)
    synced = next(
        c
        for c in calls
        if c.line > wal.line and c.name in {"fdatasync", "fsync"} and c.finished and c.fd == wal.fd
    )
    assert request.line < wal.line < synced.line < reply.line, (request, wal, synced, reply)
