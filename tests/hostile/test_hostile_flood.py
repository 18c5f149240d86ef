"""Mempool floods against real nodes: one sender past its pending cap, many senders past the pool.

Per-sender cap: the dev chain seals a block whenever 2,000 txs are pending, so one sender can
never hold its 5,000 there; this uses a chain of its own (genesis `block_max_txs` 5,001, block
time 60 m). One sender pushes 5,020 txs over the batch stream: 5,000 admitted, 20
RESOURCE_EXHAUSTED `sender_limit`. One tx from another sender then fills a block, which seals.
Pool cap: a dev node with `--mempool-max-txs 40` and block time 60 m; 50 fresh senders send one
tx each: 40 admitted, 10 RESOURCE_EXHAUSTED `mempool_full`; `Mine` then seals them.
The flags: `--mempool-max-per-sender 10` and a `--mempool-max-bytes` that holds 12 of the txs
sent: one sender gets 10 in, other senders fill the bytes, the rest get RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from node_helpers import KEYS, NodeProcess, head_height, mine, receipt_status

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.genesis import DEV_CHAIN_ID, Genesis
from vmchain.chain.mempool import DEFAULT_MAX_PER_SENDER
from vmchain.chain.tx import Tx, build_transfer, signed_message
from vmchain.cli.main import main
from vmchain.crypto import PrivateKey, Scheme

from .hostile_helpers import COUNTS, Code

pytestmark = pytest.mark.e2e

AUTHORITY = PrivateKey.from_int(Scheme.SECP256K1, 0xF100D)
FLOODER = KEYS[0]
CHAIN_ID = "flood-test"
BLOCK_MAX_TXS = DEFAULT_MAX_PER_SENDER + 1
POOL_CAP = 40
BATCH = 500
OK = Code.OK.value[0]
EXHAUSTED = Code.RESOURCE_EXHAUSTED.value[0]


def _stopped(node: NodeProcess, log_path: Path) -> None:
    code = node.stop()
    log = log_path.read_text()
    assert code == 0, f"node exited with {code}; log:\n{log[-3000:]}"
    assert "Traceback" not in log, f"the node logged a traceback:\n{log[-3000:]}"


@pytest.fixture(scope="module")
def big_block_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A one-authority chain whose blocks hold 5,001 txs, sealing only on a full block."""
    base: Path = tmp_path_factory.mktemp("flood-chain")
    genesis = Genesis(
        chain_id=CHAIN_ID,
        timestamp_ms=1_700_000_000_000,
        authorities=(AUTHORITY.address,),
        alloc=((FLOODER.address, 10**15), (KEYS[1].address, 10**15)),
        block_gas_limit=400_000_000,
        block_max_txs=BLOCK_MAX_TXS,
    )
    (base / "genesis.json").write_text(genesis.to_json())
    data = base / "data"
    assert main(["init", "--genesis", str(base / "genesis.json"), "--data-dir", str(data)]) == 0
    key_file = base / "node.key"
    key_file.write_text(AUTHORITY.to_bytes().hex() + "\n")
    key_file.chmod(0o600)
    args = ["--node-key", str(key_file), "--block-time", "60m"]
    node = NodeProcess(data, dev=False, args=args, log_path=base / "node.log").start()
    try:
        yield node
    finally:
        _stopped(node, base / "node.log")


@pytest.fixture(scope="module")
def tiny_pool_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    base: Path = tmp_path_factory.mktemp("tiny-pool")
    args = ["--block-time", "60m", "--mempool-max-txs", str(POOL_CAP)]
    node = NodeProcess(base / "data", args=args, log_path=base / "node.log").start()
    try:
        yield node
    finally:
        _stopped(node, base / "node.log")


def _txs(key: PrivateKey, chain_id: str, start: int, count: int, tag: bytes) -> list[Tx]:
    return [
        build_transfer(
            key,
            chain_id=chain_id,
            to=b"\x61" * 20,
            amount=0,
            first_valid=start,
            last_valid=start + 100,
            gas_price=0,
            note=tag + b"%d" % i,
        )
        for i in range(count)
    ]


def _stream(node: Any, txs: list[Tx]) -> list[Any]:
    batches = [
        npb.SubmitBatch(txs=[signed_message(t) for t in txs[i : i + BATCH]])
        for i in range(0, len(txs), BATCH)
    ]
    results: list[Any] = []
    for response in node.SubmitTransactions(iter(batches), timeout=60):
        results.extend(response.results)
    return results


def test_flood_from_one_sender(big_block_node: NodeProcess) -> None:
    node = big_block_node.node
    start = head_height(node) + 1
    flood = _txs(FLOODER, CHAIN_ID, start, DEFAULT_MAX_PER_SENDER + 20, b"flood")
    results = _stream(node, flood)
    COUNTS["flood_one_sender"] += len(flood)
    assert [r.code for r in results] == [OK] * DEFAULT_MAX_PER_SENDER + [EXHAUSTED] * 20
    assert results[-1].error == (
        f"sender_limit: sender 0x{FLOODER.address.hex()} already has "
        f"{DEFAULT_MAX_PER_SENDER} pending txs"
    )
    assert results[-1].tx_id == flood[-1].tx_id
    # still answering, nothing sealed yet; one more tx fills a block and it seals
    assert big_block_node.wait_for_info().height == start - 1
    last = _txs(KEYS[1], CHAIN_ID, start, 1, b"last")[0]
    receipt = node.SubmitTransaction(
        npb.SubmitRequest(tx=signed_message(last), wait_ms=20_000), timeout=25
    ).receipt
    assert (receipt.height, receipt_status(receipt)) == (start, "SUCCESS")
    block = node.GetBlock(npb.GetBlockRequest(height=start), timeout=10)
    assert block.header.tx_count == BLOCK_MAX_TXS


def test_flood_from_many_senders(tiny_pool_node: NodeProcess) -> None:
    node = tiny_pool_node.node
    start = head_height(node) + 1
    senders = [PrivateKey.from_int(Scheme.SECP256K1, 9000 + i) for i in range(POOL_CAP + 10)]
    many = [_txs(key, DEV_CHAIN_ID, start, 1, b"many")[0] for key in senders]
    results = _stream(node, many)
    COUNTS["flood_many_senders"] += len(many)
    assert [r.code for r in results] == [OK] * POOL_CAP + [EXHAUSTED] * 10
    assert results[-1].error.startswith(f"mempool_full: mempool is full ({POOL_CAP} txs, ")
    assert tiny_pool_node.wait_for_info().height == start - 1
    mine(tiny_pool_node.devc)
    assert head_height(node) == start
    receipt = node.GetReceipt(npb.GetReceiptRequest(tx_id=many[0].tx_id), timeout=5)
    assert (receipt.height, receipt_status(receipt)) == (start, "SUCCESS")


PER_SENDER = 10
BYTES_CAP_TXS = 12  # the byte cap holds exactly this many of the txs below


@pytest.fixture(scope="module")
def byte_cap_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A dev node whose mempool holds BYTES_CAP_TXS of our txs by bytes, PER_SENDER per sender."""
    sample = _txs(KEYS[0], DEV_CHAIN_ID, 1, 1, b"bytes00")[0]
    cap = sample.size * BYTES_CAP_TXS + sample.size // 2
    base: Path = tmp_path_factory.mktemp("byte-cap")
    args = ["--block-time", "60m", "--mempool-max-bytes", str(cap)]
    args += ["--mempool-max-per-sender", str(PER_SENDER)]
    node = NodeProcess(base / "data", args=args, log_path=base / "node.log").start()
    try:
        yield node
    finally:
        _stopped(node, base / "node.log")


def test_mempool_flags_cap_one_sender_and_total_bytes(byte_cap_node: NodeProcess) -> None:
    node = byte_cap_node.node
    start = head_height(node) + 1
    one = _txs(FLOODER, DEV_CHAIN_ID, start, PER_SENDER + 5, b"bytes")
    results = _stream(node, one)
    COUNTS["flood_one_sender_flag"] += len(one)
    assert [r.code for r in results] == [OK] * PER_SENDER + [EXHAUSTED] * 5
    assert results[-1].error == (
        f"sender_limit: sender 0x{FLOODER.address.hex()} already has {PER_SENDER} pending txs"
    )
    senders = [PrivateKey.from_int(Scheme.SECP256K1, 9500 + i) for i in range(6)]
    many = [_txs(key, DEV_CHAIN_ID, start, 1, b"bytes")[0] for key in senders]
    results = _stream(node, many)
    COUNTS["flood_bytes_cap"] += len(many)
    room = BYTES_CAP_TXS - PER_SENDER
    assert [r.code for r in results] == [OK] * room + [EXHAUSTED] * (len(many) - room)
    assert results[-1].error.startswith(f"mempool_full: mempool is full ({BYTES_CAP_TXS} txs, ")
    mine(byte_cap_node.devc)
    block = node.GetBlock(npb.GetBlockRequest(height=start), timeout=10)
    assert block.header.tx_count == BYTES_CAP_TXS
