"""Storage faults on real `vmchain node` processes and real RocksDB data dirs (issue 8, part 3).

Disk full (RLIMIT_FSIZE: the WAL write fails with EFBIG) and an I/O error (the
``store.write.before=ioerror`` fail point) during a block write under load from several client
threads. While faulty the node must keep running and answering reads: health NOT_SERVING, every
submission UNAVAILABLE saying why, vmchain_store_errors_total moved, no block sealed, every
receipt a client got still readable, and no receipt for a tx of the failed block (nothing is
marked invalid: those clients just got UNAVAILABLE). It stops cleanly. Restarted without the
fault, it has every acknowledged tx with the identical receipt, the txs that failed can be
submitted again and are sealed, the money adds up and `vmchain verify` passes.

Damaged files (one kind per case, on a copy of a chain a node wrote, with table files from a
clean stop and a WAL from a kill -9): the node refuses to start with exit 1 and a message
ending "data dir D is damaged: restore it from a backup", never a traceback; nothing is
deleted from the data dir; `vmchain verify` fails too. RocksDB itself notices at the open a
table file's bad footer, truncated or missing table files, a damaged MANIFEST or CURRENT, and
a damaged WAL record before the last; the node's read-only look before its read-write open
notices a MANIFEST that lost its last edits (RocksDB would otherwise delete the table files
it no longer names); a flipped byte in a table's data block is found when something reads
that block: here the open reads the `meta` family's only block, elsewhere it may be the
start-up check, a query, or only `vmchain verify`.
"""

from __future__ import annotations

import importlib
import os
import resource
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.store import TX_INDEX_CF, open_rocks
from vmchain.chain.tx import Tx
from vmchain.node.config import db_path
from vmchain.state.errors import StoreError
from vmchain.state.rocks import DamagedStore, RocksStore, store_error, table_files

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
helpers: Any = importlib.import_module("node_helpers")

pytestmark = pytest.mark.e2e

Code: Any = grpc.StatusCode
KEYS = helpers.KEYS
RECEIVER = bytes.fromhex("5f" * 20)  # holds nothing at genesis; each transfer pays it 1
SENDERS = range(1, 9)  # dev accounts 1..8, two client threads each
THREADS_PER_SENDER = 2
# The largest file the node may write. RocksDB's info LOG (~120 KB) and OPTIONS (~40 KB) files
# stay below it; the write-ahead log (about 0.5 KB per transfer) reaches it first.
FSIZE_LIMIT = 192 * 1024
NODE_SERVICE = "vmchain.v1.Node"


@dataclass
class Load:
    """What the clients saw: receipts they got, and the txs that failed with their errors."""

    acked: dict[bytes, bytes] = field(default_factory=dict)  # tx id -> Receipt bytes
    failed: dict[bytes, tuple[Tx, Any, str]] = field(default_factory=dict)  # id -> tx, code, text
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(node: Any, sender: int, thread: int, load: Load, cap: int) -> None:
    """Submit transfers of 1 to RECEIVER, each waiting for its receipt, until one fails."""
    for i in range(cap):
        tx = helpers.transfer(
            node, KEYS[sender], RECEIVER, 1, note=f"{sender}.{thread}.{i}".encode()
        )
        try:
            response = helpers.submit(node, tx, wait_ms=10_000, timeout=20)
        except grpc.RpcError as exc:
            with load.lock:
                load.failed[tx.tx_id] = (tx, exc.code(), exc.details() or "")
            return
        with load.lock:
            load.acked[tx.tx_id] = response.receipt.SerializeToString()


def _load_until_fault(node: Any, cap: int = 2_000) -> Load:
    load = Load()
    threads = [
        threading.Thread(target=_client, args=(node, sender, thread, load, cap))
        for sender in SENDERS
        for thread in range(THREADS_PER_SENDER)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    return load


def _health(node: Any, service: str) -> Any:
    stub = health_pb2_grpc.HealthStub(node.channel)
    return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status


def _receipt(node: Any, tx_id: bytes) -> bytes:
    receipt = node.node.GetReceipt(npb.GetReceiptRequest(tx_id=tx_id), timeout=5)
    data: bytes = receipt.SerializeToString()
    return data


def _verify(data_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "vmchain", "verify", "--data-dir", str(data_dir)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _check_faulty(node: Any, load: Load, cause: str, snapshot: int) -> int:
    """The node after the failed write: alive, reads work, writes refused (Dev Mine and Revert
    too: RocksDB takes no write after a failed one). Returns the height."""
    assert load.acked and load.failed
    for _tx, code, text in load.failed.values():
        assert code == Code.UNAVAILABLE, text
        assert cause in text, text
    assert _health(node, "") == health_pb2.HealthCheckResponse.NOT_SERVING
    assert _health(node, NODE_SERVICE) == health_pb2.HealthCheckResponse.NOT_SERVING
    fresh = helpers.transfer(node.node, KEYS[9], RECEIVER, 1, note=b"after the fault")
    details = helpers.assert_rpc_error(
        Code.UNAVAILABLE,
        "this node stopped sealing after an error",
        helpers.submit,
        node.node,
        fresh,
    )
    assert cause in details and "it serves reads until it is restarted" in details
    helpers.assert_rpc_error(Code.UNAVAILABLE, cause, helpers.mine, node.devc)
    helpers.assert_rpc_error(
        Code.UNAVAILABLE, "no revert", node.devc.Revert, dpb.RevertRequest(id=snapshot)
    )
    height: int = helpers.head_height(node.node)
    for tx_id, receipt in load.acked.items():
        assert _receipt(node, tx_id) == receipt
    for tx_id in [*load.failed, fresh.tx_id]:  # no receipt, no failure status invented
        helpers.assert_rpc_error(
            Code.NOT_FOUND,
            "is not known to this node",
            node.node.GetReceipt,
            npb.GetReceiptRequest(tx_id=tx_id),
        )
    assert helpers.balance(node.node, RECEIVER) == len(load.acked)
    assert "vmchain_store_errors_total 1.0" in node.scrape()
    assert helpers.head_height(node.node) == height  # nothing sealed since
    assert node.proc.poll() is None
    return height


def _fault_then_recover(
    base: Path,
    cause: str,
    *,
    env: Mapping[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> None:
    data, log = base / "data", base / "node.log"
    node = helpers.NodeProcess(data, log_path=log, env=env, preexec_fn=preexec_fn).start()
    try:
        snapshot = node.devc.Snapshot(dpb.SnapshotRequest()).id
        load = _load_until_fault(node.node)
        height = _check_faulty(node, load, cause, snapshot)
    finally:
        code = node.stop()
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    assert f"sealing block {height + 1} failed on a storage error" in text

    again = helpers.NodeProcess(data, log_path=base / "again.log").start()
    try:
        assert helpers.head_height(again.node) == height
        assert _health(again, "") == health_pb2.HealthCheckResponse.SERVING
        for tx_id, receipt in load.acked.items():
            assert _receipt(again, tx_id) == receipt
        for tx, _code, _text in load.failed.values():  # the clients resubmit: sealed now
            receipt = helpers.submit(again.node, tx).receipt
            assert helpers.receipt_status(receipt) == "SUCCESS"
            assert receipt.height > height
        assert helpers.balance(again.node, RECEIVER) == len(load.acked) + len(load.failed)
        head = helpers.head_height(again.node)
    finally:
        assert again.stop() == 0
    done = _verify(data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"verified {head + 1} blocks (0..{head}), ")


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_LIMIT, FSIZE_LIMIT))


def test_disk_full_during_a_block_write_stops_sealing_and_loses_nothing(tmp_path: Path) -> None:
    _fault_then_recover(tmp_path, "File too large", preexec_fn=_limit_file_size)


def test_an_io_error_during_a_block_write_stops_sealing_and_loses_nothing(tmp_path: Path) -> None:
    # Hit 1 is the genesis write of the fresh data dir: blocks 1..5 are written, 6 fails.
    env = {"VMCHAIN_FAILPOINTS": "store.write.before=ioerror@7"}
    _fault_then_recover(tmp_path, "injected I/O error", env=env)


# ---------------------------------------------------------------------------------------------
# What RocksDB does after a failed write (the reason the node stops sealing at the first one)

AFTER_A_FAILED_WRITE = """
import resource, sys
from vmchain.chain.store import TX_INDEX_CF, open_rocks
from vmchain.state.errors import StoreError
from vmchain.state.kv import Batch

resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
store, written = open_rocks(sys.argv[1]), 0
def put(i):
    batch = Batch()
    batch.put("blocks", i.to_bytes(8, "big"), bytes(1000))
    store.write(batch)
try:
    while True:
        put(written)
        written += 1
except StoreError as exc:
    print("failed:", exc)
for _ in range(3):  # a small write that would fit fails as well: the error sticks
    try:
        put(10**6)
        print("a later write worked")
    except StoreError as exc:
        print("refused:", exc)
print("read:", len(store.cf("blocks").get((0).to_bytes(8, "big")) or b""))
try:
    store.close()
except StoreError as exc:
    print("close:", exc)
print("written:", written)
"""


def test_rocksdb_refuses_every_write_after_a_failed_one_until_reopened(tmp_path: Path) -> None:
    path = tmp_path / "db"
    done = subprocess.run(
        [sys.executable, "-c", AFTER_A_FAILED_WRITE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[0].startswith(f"failed: cannot write a batch to RocksDB at {path}: IO error")
    assert lines[0].endswith("File too large")
    assert [line.split(":")[0] for line in lines[1:]] == [
        "refused",
        "refused",
        "refused",
        "read",
        "close",
        "written",
    ]
    assert lines[4] == "read: 1000"
    written = int(lines[6].split()[1])
    assert written > 40  # 64 KiB of 1 KB records, less the WAL's framing
    store = open_rocks(str(path))  # reopened without the limit: every completed write is there
    try:
        blocks = store.cf("blocks")
        assert sum(1 for _ in blocks.items()) == written
        assert blocks.get((10**6).to_bytes(8, "big")) is None
    finally:
        store.close()


# ---------------------------------------------------------------------------------------------
# Damaged files: refused at start, found by verify


@dataclass(frozen=True)
class Written:
    """Two data dirs a node wrote: `stopped` (six blocks, then a clean stop flushed them into
    table files) and `killed` (the same, then six more blocks in the WAL and a kill -9)."""

    stopped: Path
    killed: Path
    tx_ids: list[bytes]  # the stopped chain's txs


def _run(data: Path, prefix: str, stop: bool) -> list[bytes]:
    node = helpers.NodeProcess(data).start()
    try:
        tx_ids = []
        for i in range(6):
            tx = helpers.transfer(node.node, KEYS[1], RECEIVER, 1, note=f"{prefix}{i}".encode())
            helpers.submit(node.node, tx)
            tx_ids.append(tx.tx_id)
    finally:
        node.stop() if stop else node.kill()
    return tx_ids


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    base = tmp_path_factory.mktemp("written")
    stopped, killed = base / "stopped", base / "killed"
    tx_ids = _run(stopped, "stopped", stop=True)
    shutil.copytree(stopped, killed)
    _run(killed, "killed", stop=False)
    assert table_files(str(db_path(stopped)))
    assert len(_records(_largest(db_path(killed), ".log"))) == 6
    return Written(stopped, killed, tx_ids)


def _records(path: Path) -> list[tuple[int, int]]:
    """(offset, length) of each record of a RocksDB log file (WAL or MANIFEST) shorter than
    one 32 KiB log block: a 7-byte header (CRC 4, length 2, type 1), then the payload."""
    data = path.read_bytes()
    assert len(data) < 32 * 1024, f"{path} spans more than one log block"
    records, offset = [], 0
    while offset + 7 <= len(data):
        length = int.from_bytes(data[offset + 4 : offset + 6], "little")
        records.append((offset, length))
        offset += 7 + length
    return records


def _files(db: Path, suffix: str) -> list[Path]:
    return sorted(p for p in db.iterdir() if p.name.endswith(suffix) or p.name.startswith(suffix))


def _flip(path: Path, offset: int, size: int = 8) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        data = f.read(size)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in data))


def _largest(db: Path, suffix: str) -> Path:
    return max(_files(db, suffix), key=lambda p: p.stat().st_size)


def _flip_table_blocks(db: Path) -> None:  # the first data block of every table file
    for path in _files(db, ".sst"):
        _flip(path, 64)


def _flip_table_footer(db: Path) -> None:
    path = _largest(db, ".sst")
    _flip(path, path.stat().st_size - 20)


def _truncate_table(db: Path) -> None:
    path = _largest(db, ".sst")
    os.truncate(path, path.stat().st_size // 2)


def _delete_table(db: Path) -> None:
    _largest(db, ".sst").unlink()


def _truncate_manifest(db: Path) -> None:  # loses the edits that named the newest tables
    path = _largest(db, "MANIFEST-")
    os.truncate(path, path.stat().st_size // 2)


def _truncate_manifest_snapshot(db: Path) -> None:  # cuts into the snapshot a start writes
    path = _largest(db, "MANIFEST-")
    offset, _length = _records(path)[3]
    os.truncate(path, offset)


def _flip_manifest(db: Path) -> None:
    path = _largest(db, "MANIFEST-")
    _flip(path, path.stat().st_size // 2)


def _current_names_a_missing_manifest(db: Path) -> None:
    (db / "CURRENT").write_text("MANIFEST-999999\n")


def _delete_current(db: Path) -> None:
    (db / "CURRENT").unlink()


def _flip_wal_record(db: Path) -> None:
    """A byte in the payload of the second of six WAL records: RocksDB drops only a damaged
    last record (a torn write); a header damaged so that its length runs past the end of the
    file looks the same and is not found, see docs/operations.md."""
    path = _largest(db, ".log")
    offset, length = _records(path)[1]
    _flip(path, offset + 7 + length // 2, 1)


# kind -> (the damage, which data dir it is done to, what the refusal says)
DAMAGE: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "table data block flipped": (
        _flip_table_blocks,
        "stopped",
        "Corruption: block checksum mismatch",
    ),
    "table footer flipped": (_flip_table_footer, "stopped", "Corruption"),
    "table file truncated": (_truncate_table, "stopped", "Corruption: Sst file size mismatch"),
    "table file deleted": (_delete_table, "stopped", "No such file or directory"),
    "MANIFEST lost its last edits": (
        _truncate_manifest,
        "stopped",
        "its MANIFEST does not name them",
    ),
    "MANIFEST snapshot truncated": (_truncate_manifest_snapshot, "killed", "Corruption"),
    "MANIFEST flipped": (_flip_manifest, "killed", "Corruption"),
    "CURRENT names a missing MANIFEST": (
        _current_names_a_missing_manifest,
        "stopped",
        "MANIFEST-999999: No such file or directory",
    ),
    "CURRENT deleted": (_delete_current, "killed", "has no CURRENT file but holds database files"),
    "WAL record flipped": (_flip_wal_record, "killed", "Corruption: checksum mismatch"),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_data_dir_is_refused_at_start_and_by_verify(
    written: Written, tmp_path: Path, kind: str
) -> None:
    damage, source, said = DAMAGE[kind]
    data = tmp_path / "data"
    shutil.copytree(getattr(written, source), data)
    db = db_path(data)
    damage(db)
    before = {p.name for p in db.iterdir() if p.suffix in (".sst", ".log")}
    done = _node_run(data)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("vmchain node: "), done.stderr
    assert said in done.stderr, done.stderr
    assert done.stderr.endswith(
        f"; data dir {data} is damaged: restore it from a backup (docs/operations.md)\n"
    )
    assert {p.name for p in db.iterdir() if p.suffix in (".sst", ".log")} == before  # kept
    checked = _verify(data)
    assert checked.returncode == 1, checked.stdout
    assert "Traceback" not in checked.stderr, checked.stderr
    lines = checked.stderr.splitlines()  # a progress bar may come first
    assert any(line.startswith("vmchain verify: ") for line in lines), checked.stderr


def _node_run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [*helpers.NodeProcess(data).command, "--metrics", "off", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_a_damaged_block_is_found_by_the_start_up_check_or_by_verify(
    written: Written, tmp_path: Path
) -> None:
    """The tx index is read at start only by the start-up check (the re-execution looks up
    every tx): with it the node refuses; without it (--check-blocks 0) the node starts, the
    query that reads the block fails UNAVAILABLE, and `vmchain verify` finds it."""
    data = tmp_path / "data"
    shutil.copytree(written.stopped, data)
    db = db_path(data)
    store = RocksStore(str(db), (), read_only=True)
    try:
        (table,) = store.table_files_of(TX_INDEX_CF)
    finally:
        store.close()
    _flip(db / table, 64)
    damage = "cannot read 'tx_index': Corruption: block checksum mismatch"
    refused = _node_run(data)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.startswith("vmchain node: stored block "), refused.stderr
    assert damage in refused.stderr and "is damaged: restore it from a backup" in refused.stderr
    node = helpers.NodeProcess(data, args=["--check-blocks", "0"]).start()
    try:
        helpers.assert_rpc_error(
            Code.UNAVAILABLE,
            damage,
            node.node.GetTransaction,
            npb.GetTransactionRequest(tx_id=written.tx_ids[0]),
        )
    finally:
        assert node.stop() == 0
    checked = _verify(data)
    assert checked.returncode == 1, checked.stdout
    last = checked.stderr.splitlines()[-1]  # after the progress bar
    assert last.startswith(f"vmchain verify: verification failed: {damage}"), checked.stderr


@pytest.mark.parametrize(
    ("text", "damaged"),
    [
        ("Corruption: block checksum mismatch: stored = 1, computed = 2 in /x/000009.sst", True),
        ("Corruption: Sst file size mismatch: /x/000009.sst. Expected 10791, actual 5395", True),
        ("IO error: No such file or directory: While opening a file: /x/MANIFEST-000005", True),
        ("IO error: While appending to file: /x/000004.log: File too large", False),
        ("IO error: No space left on device: While appending to file: /x/000004.log", False),
        ("IO error: While lock file: /x/LOCK: Resource temporarily unavailable", False),
    ],
)
def test_rocksdb_errors_tell_damaged_files_from_disk_trouble(text: str, damaged: bool) -> None:
    """Damage means restore a backup; a full disk or a held lock means fix that and retry."""
    error = store_error("cannot open RocksDB at /x", Exception(text))
    assert isinstance(error, StoreError)
    assert isinstance(error, DamagedStore) is damaged
    assert str(error) == f"cannot open RocksDB at /x: {text}"
