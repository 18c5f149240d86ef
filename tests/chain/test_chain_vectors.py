"""Committed chain vectors: tx ids, rejection reasons, header hashes, seals and roots."""

from __future__ import annotations

import json
from typing import Any

import make_chain_vectors as gen
import pytest
from chain_helpers import ALICE

from vmchain.chain.block import SealedHeader, decode_block, verify_seal
from vmchain.chain.errors import Reason, TxRejected
from vmchain.chain.receipt import Receipt, receipts_root
from vmchain.chain.tx import decode_signed

TXS: dict[str, Any] = json.loads(gen.TXS_FILE.read_text())
BLOCKS: dict[str, Any] = json.loads(gen.BLOCKS_FILE.read_text())


def test_vectors_are_reproducible() -> None:
    assert gen.render_txs() == gen.TXS_FILE.read_text()
    assert gen.render_blocks() == gen.BLOCKS_FILE.read_text()


def test_pinned_tx_ids() -> None:
    ids = {v["name"]: v["tx_id"] for v in TXS["valid"]}
    assert ids["transfer_dev0_to_dev1"] == (
        "e2677004636cdf994e0c3bb74cf14c4cb82abcbd19f79fed9c9c2b4c692d2c4c"
    )
    assert ids["transfer_zero_with_note"] == (
        "92402eecf038b88405f216025dc5634eabb06a241d8fc574884262cfdc6ae0a2"
    )
    assert len(TXS["valid"]) == 6
    assert len(TXS["invalid"]) == 24


@pytest.mark.parametrize("vector", TXS["valid"], ids=[v["name"] for v in TXS["valid"]])
def test_valid_vector_decodes(vector: dict[str, Any]) -> None:
    tx = decode_signed(bytes.fromhex(vector["raw"]))
    assert tx.tx_id.hex() == vector["tx_id"]
    assert tx.sender.hex() == vector["sender"]
    assert tx.body.gas_limit == vector["gas_limit"]
    assert str(tx.body.value) == vector["value"]
    assert tx.encoded.hex() == vector["raw"]


@pytest.mark.parametrize("vector", TXS["invalid"], ids=[v["name"] for v in TXS["invalid"]])
def test_invalid_vector_is_rejected_with_its_reason(vector: dict[str, Any]) -> None:
    with pytest.raises(TxRejected) as info:
        decode_signed(bytes.fromhex(vector["raw"]))
    assert info.value.reason == Reason(vector["reason"])
    assert info.value.message  # says what was wrong


def test_genesis_header_hash() -> None:
    genesis = BLOCKS["genesis"]
    assert genesis["hash"] == "a7d147d490077eacfbc58065b65f0180ea9a18c6b507a7160f74c253ba7fd417"


def test_block_vector_decodes_and_its_seal_verifies() -> None:
    vector = BLOCKS["block_1"]
    assert vector["hash"] == "2ebb6eed07f85ab27b46c63526509377bf5cc82fbf968979781ba12078d7df3c"
    block = decode_block(bytes.fromhex(vector["block"]))
    assert block.hash.hex() == vector["hash"]
    assert block.header.parent_hash.hex() == BLOCKS["genesis"]["hash"]
    assert [tx.tx_id.hex() for tx in block.txs] == vector["txs"]
    assert block.header.tx_root.hex() == vector["tx_root"]
    verify_seal(block.sealed, [ALICE.address])
    sealed = SealedHeader.from_bytes(bytes.fromhex(vector["sealed"]))
    assert sealed == block.sealed
    assert sealed.seal.hex() == vector["seal"]
    receipts = [Receipt.from_bytes(bytes.fromhex(r)) for r in vector["receipts"]]
    assert receipts_root(receipts).hex() == vector["receipts_root"]
    assert [r.status for r in receipts] == ["SUCCESS", "REVERTED"]
    assert receipts[1].events[0].name == "SessionClosed"
