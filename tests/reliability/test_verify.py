"""`vmchain verify` and the node's start-up check against a chain a real node wrote.

One `vmchain node --dev` run makes the chain: transfers on both sides, a deploy and a contract
call, each in its own block. Then verify passes on it (also beside a node running on it), and
each deliberate corruption of a copy, written through RocksStore, is named by its height and
field: a receipt rewritten, a header rewritten (unsealed, or resealed by the authority with a
wrong state root), a tx index entry deleted. The node refuses to start on a corrupted copy when
the bad block is among its last K, and starts with --check-blocks 0.
"""

from __future__ import annotations

import dataclasses
import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vmchain.chain.block import Block, SealedHeader, decode_block, seal_header
from vmchain.chain.genesis import dev_keys
from vmchain.chain.ledger import Ledger
from vmchain.chain.receipt import Receipt
from vmchain.chain.store import (
    BLOCKS_CF,
    RECEIPTS_CF,
    TX_INDEX_CF,
    ChainStore,
    decode_receipts,
    encode_receipts,
    height_key,
    open_rocks,
)
from vmchain.chain.verify import (
    VerifyFailed,
    check_recent_blocks,
    open_read_only,
    verify_chain,
)
from vmchain.cli.main import main
from vmchain.encoding import abi
from vmchain.node.config import db_path
from vmchain.state.errors import StoreError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
helpers: Any = importlib.import_module("node_helpers")

pytestmark = pytest.mark.e2e

KEYS = dev_keys()


@dataclass(frozen=True)
class Chain:
    data_dir: Path
    head: int
    txs: int
    call_height: int  # the block holding the contract call
    state_root: bytes


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    base = tmp_path_factory.mktemp("verify")
    data = base / "data"
    node = helpers.NodeProcess(data, log_path=base / "node.log").start()
    sent = 0
    try:
        for i in range(3):
            tx = helpers.transfer(node.node, KEYS[i], KEYS[i + 1].address, 1_000 + i)
            helpers.submit(node.node, tx)
            sent += 1
        deploy = helpers.deploy(node.node, KEYS[4])
        reply = helpers.submit(node.node, deploy)
        contract = reply.receipt.contract_address
        assert len(contract) == 20
        call = helpers.call(node.node, KEYS[5], contract, "ping", abi.encode([41]), b"c")
        called = helpers.submit(node.node, call).receipt
        assert helpers.receipt_status(called) == "SUCCESS"
        assert abi.decode(called.return_value) == (41,)
        sent += 2
        tx = helpers.transfer(node.node, KEYS[6], KEYS[0].address, 7)
        helpers.submit(node.node, tx)
        sent += 1
    finally:
        assert node.stop() == 0
    store = open_read_only(str(db_path(data)))
    try:
        chain_store = ChainStore(store)
        location = chain_store.tx_location(call.tx_id)
        assert location is not None and location.index == 0
        head = chain_store.head_height()
        assert head is not None
        root = chain_store.nodes.head_root
    finally:
        store.close()
    yield Chain(data, head, sent, location.height, root)


def _copy(chain: Chain, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(chain.data_dir, target)
    return target


def _verify(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["verify", "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _corrupt(data_dir: Path, cf: str, key: bytes, value: bytes | None) -> None:
    store = open_rocks(str(db_path(data_dir)))
    try:
        if value is None:
            store.cf(cf).delete(key)
        else:
            store.cf(cf).put(key, value)
    finally:
        store.close()


def _read(data_dir: Path, cf: str, key: bytes) -> bytes:
    store = open_read_only(str(db_path(data_dir)))
    try:
        value = store.cf(cf).get(key)
    finally:
        store.close()
    assert value is not None
    return value


# ---------------------------------------------------------------------------------------------


def test_verify_passes_on_a_node_written_chain(
    chain: Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _verify(chain.data_dir, capsys)
    assert code == 0, err
    assert out == (
        f"verified {chain.head + 1} blocks (0..{chain.head}), {chain.txs} transactions; "
        f"state root {chain.state_root.hex()}\n"
    )
    assert f"{chain.head + 1}/{chain.head + 1} blocks verified" in err
    assert chain.txs == 6
    assert chain.head >= 6  # each submit waited for its block


def test_verify_runs_beside_a_running_node(
    chain: Chain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _copy(chain, tmp_path)
    node = helpers.NodeProcess(data).start()
    try:
        code, out, err = _verify(data, capsys)
    finally:
        assert node.stop() == 0
    assert code == 0, err
    assert out.startswith(f"verified {chain.head + 1} blocks (0..{chain.head}), {chain.txs} ")


def test_verify_yields_every_block_and_the_final_root(chain: Chain) -> None:
    store = open_read_only(str(db_path(chain.data_dir)))
    try:
        steps = list(verify_chain(store))
    finally:
        store.close()
    assert [s.height for s in steps] == list(range(chain.head + 1))
    assert steps[-1].txs == chain.txs
    assert steps[-1].state_root == chain.state_root


def test_a_rewritten_receipt_is_named(
    chain: Chain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _copy(chain, tmp_path)
    key = height_key(chain.call_height)
    receipts = decode_receipts(_read(data, RECEIPTS_CF, key))
    receipt = Receipt.from_bytes(receipts[0])
    forged = dataclasses.replace(receipt, gas_used=receipt.gas_used - 1).to_bytes()
    _corrupt(data, RECEIPTS_CF, key, encode_receipts([forged, *receipts[1:]]))
    code, out, err = _verify(data, capsys)
    assert code == 1
    assert out == ""
    assert (
        f"vmchain verify: verification failed: block {chain.call_height}: receipt 0 mismatch: "
        f"stored {forged.hex()}, re-executed {receipts[0].hex()}"
    ) in err


def _rewrite_header(data: Path, height: int, reseal: bool) -> bytes:
    """Give block `height` a wrong state root; reseal it with the authority's key or not."""
    key = height_key(height)
    block = decode_block(_read(data, BLOCKS_CF, key))
    wrong = dataclasses.replace(block.header, state_root=bytes(32))
    if reseal:
        sealed = seal_header(KEYS[0], wrong)
    else:
        old = block.sealed
        sealed = SealedHeader(wrong, wrong.to_bytes(), old.proposer_key, old.seal)
    _corrupt(data, BLOCKS_CF, key, Block(sealed, block.txs).to_bytes())
    return block.header.state_root


def test_a_rewritten_unsealed_header_fails_its_seal(
    chain: Chain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _copy(chain, tmp_path)
    _rewrite_header(data, 2, reseal=False)
    code, _, err = _verify(data, capsys)
    assert code == 1
    assert "verification failed: block 2: seal: seal of block 2 does not verify" in err


def test_a_resealed_header_with_a_wrong_state_root_is_named(
    chain: Chain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _copy(chain, tmp_path)
    right = _rewrite_header(data, 3, reseal=True)
    code, _, err = _verify(data, capsys)
    assert code == 1
    assert (
        f"verification failed: block 3: state_root mismatch: stored {bytes(32).hex()}, "
        f"re-executed {right.hex()}"
    ) in err


def test_a_deleted_tx_index_entry_is_named(
    chain: Chain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _copy(chain, tmp_path)
    block = decode_block(_read(data, BLOCKS_CF, height_key(chain.call_height)))
    tx_id = block.txs[0].tx_id
    _corrupt(data, TX_INDEX_CF, tx_id, None)
    code, _, err = _verify(data, capsys)
    assert code == 1
    assert (
        f"block {chain.call_height}: tx_index: tx 0 (0x{tx_id.hex()}) is indexed at missing, "
        f"expected {chain.call_height}/0"
    ) in err


def test_an_extra_tx_index_entry_is_named(
    chain: Chain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _copy(chain, tmp_path)
    _corrupt(data, TX_INDEX_CF, b"\x01" * 32, height_key(1) + bytes(4))
    code, _, err = _verify(data, capsys)
    assert code == 1
    assert f"store: tx_index: {chain.txs + 1} entries, the chain has {chain.txs}" in err


def test_missing_or_empty_data_dirs_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _verify(tmp_path / "nope", capsys)
    assert (code, out) == (1, "")
    assert f"vmchain verify: --data-dir {tmp_path / 'nope'} does not exist" in err
    code, out, err = _verify(tmp_path, capsys)
    assert (code, out) == (1, "")
    assert f"{tmp_path} holds no chain (no RocksDB database at {tmp_path / 'db'})" in err
    with pytest.raises(StoreError, match="no RocksDB database"):
        open_read_only(str(tmp_path / "db"))


# ---------------------------------------------------------------------------------------------
# The start-up check


def test_the_start_up_check_names_a_corrupted_recent_block(chain: Chain, tmp_path: Path) -> None:
    data = _copy(chain, tmp_path)
    key = height_key(chain.call_height)
    receipts = decode_receipts(_read(data, RECEIPTS_CF, key))
    receipt = Receipt.from_bytes(receipts[0])
    forged = dataclasses.replace(receipt, gas_used=receipt.gas_used + 1).to_bytes()
    _corrupt(data, RECEIPTS_CF, key, encode_receipts([forged]))
    store = open_rocks(str(db_path(data)))
    ledger = Ledger.open(store)
    try:
        assert check_recent_blocks(ledger, 0) == []
        assert check_recent_blocks(ledger, chain.head - chain.call_height) == list(
            range(chain.call_height + 1, chain.head + 1)
        )
        with pytest.raises(Exception, match=f"stored receipts of block {chain.call_height}"):
            check_recent_blocks(ledger, 6)
    finally:
        ledger.close()
    command = [*helpers.NodeProcess(data).command, "--metrics", "off"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert (
        f"vmchain node: stored receipts of block {chain.call_height} differ from re-execution"
        in done.stderr
    )
    node = helpers.NodeProcess(data, args=["--check-blocks", "0"]).start()
    assert node.stop() == 0


def test_verify_failed_carries_height_and_field() -> None:
    problem = VerifyFailed(17, "state_root", "stored aa, re-executed bb", mismatch=True)
    assert str(problem) == "block 17: state_root mismatch: stored aa, re-executed bb"
    assert (problem.height, problem.field) == (17, "state_root")
    assert str(VerifyFailed(None, "tx_index", "3 entries")) == "store: tx_index: 3 entries"
