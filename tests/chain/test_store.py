"""The chain store: one synced batch per block, everything readable after a reopen, pruning."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from test_ledger_fixtures import (
    ALICE,
    BOB,
    CAROL,
    SEALER,
    call,
    counter_code,
    deploy,
    make_genesis,
    new_ledger,
    seal,
    transfer,
)

from vmchain.chain.errors import CorruptStore, InvalidGenesis, NotFound
from vmchain.chain.genesis import dev_genesis
from vmchain.chain.ledger import Ledger, SealedBlock
from vmchain.chain.store import (
    CHAIN_COLUMN_FAMILIES,
    COLUMN_FAMILIES,
    ChainStore,
    decode_receipts,
    encode_receipts,
    memory_store,
    open_rocks,
)
from vmchain.state.kv import Batch, MemoryStore
from vmchain.state.prune import TRIE_COLUMN_FAMILIES


class RecordingStore(MemoryStore):
    """A MemoryStore that keeps every batch it is asked to write, and can be made to fail."""

    def __init__(self) -> None:
        super().__init__(COLUMN_FAMILIES)
        self.batches: list[Batch] = []
        self.fail = False

    def write(self, batch: Batch) -> None:
        if self.fail:
            raise OSError("disk on fire")
        self.batches.append(batch)
        super().write(batch)


def _chain(ledger: Ledger) -> list[SealedBlock]:
    """Three blocks: transfers, a deploy, calls with events (one failing)."""
    first = [transfer(ALICE, BOB.address, 10, price=1), transfer(BOB, CAROL.address, 3)]
    blocks = [seal(ledger, first)]
    blocks.append(seal(ledger, [deploy(ALICE, counter_code(), [1], price=1)], 3_000))
    address = blocks[-1].receipts[0].contract_address
    blocks.append(
        seal(ledger, [call(BOB, address, "bump", [2]), call(CAROL, address, "fail", [1])], 4_000)
    )
    return blocks


def test_each_block_is_one_batch_holding_every_column_family() -> None:
    store = RecordingStore()
    ledger = new_ledger(store=store)
    assert len(store.batches) == 1  # genesis: block 0 and its state
    assert set(store.batches[0].ops) == {*COLUMN_FAMILIES}
    blocks = _chain(ledger)
    assert len(store.batches) == 1 + len(blocks)
    batch = store.batches[2]
    assert set(batch.ops) == {*TRIE_COLUMN_FAMILIES, *CHAIN_COLUMN_FAMILIES}
    assert list(batch.ops["tx_index"]) == [blocks[1].block.txs[0].tx_id]
    assert batch.ops["meta"] == {b"head": (2).to_bytes(8, "big")}
    assert batch.ops["blocks"] == {(2).to_bytes(8, "big"): blocks[1].block.to_bytes()}


def test_a_failed_write_leaves_the_old_head_and_can_be_retried() -> None:
    store = RecordingStore()
    ledger = new_ledger(store=store)
    sealed = ledger.propose([transfer(ALICE, BOB.address, 5)], 2_000, SEALER)
    store.fail = True
    with pytest.raises(OSError, match="disk on fire"):
        ledger.commit(sealed)
    assert ledger.height() == 0 and ChainStore(store).head_height() == 0
    assert ledger.account(BOB.address).balance == 10**12
    store.fail = False
    ledger.commit(sealed)  # re-executes the block, then writes it
    assert ledger.height() == 1 and ledger.account(BOB.address).balance == 10**12 + 5
    reopened = Ledger.open(store)
    assert reopened.head() == sealed.block.sealed


def test_everything_reads_back_after_reopening_rocksdb(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    ledger = new_ledger(store=open_rocks(path))
    blocks = _chain(ledger)
    address = blocks[1].receipts[0].contract_address
    accounts = {a: ledger.account(a) for a in (ALICE.address, BOB.address, CAROL.address, address)}
    head, genesis_block = ledger.head(), ledger.block(0)
    ledger.close()

    reopened = Ledger.open(open_rocks(path), make_genesis())
    assert reopened.head() == head and reopened.height() == 3
    assert reopened.block(0) == genesis_block and genesis_block.block.sealed.seal == b""
    for sealed in blocks:
        height = sealed.block.height
        assert reopened.block(height) == sealed
        assert reopened.block_by_hash(sealed.block.hash) == sealed
        for index, (tx, receipt) in enumerate(zip(sealed.block.txs, sealed.receipts, strict=True)):
            assert reopened.receipt(tx.tx_id) == receipt
            assert reopened.transaction(tx.tx_id) == (tx, height, index)
    for address_, view in accounts.items():
        assert reopened.account(address_) == view
    assert reopened.storage(address, b"count").value == (3).to_bytes(32, "big")
    reopened.close()


def test_reopen_checks_the_genesis(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    new_ledger(store=open_rocks(path)).close()
    with pytest.raises(InvalidGenesis, match="does not match the genesis"):
        Ledger.open(open_rocks(path), dev_genesis())
    with pytest.raises(InvalidGenesis, match="a genesis is required"):
        Ledger.open(memory_store())
    ledger = Ledger.open(open_rocks(path))  # the stored genesis is used
    assert ledger.genesis == make_genesis() and ledger.params == make_genesis().params
    ledger.close()


def test_old_state_is_pruned_beyond_retain_heights() -> None:
    ledger = new_ledger(retain_heights=2)
    for i in range(4):
        seal(ledger, [transfer(ALICE, BOB.address, 1 + i)], 2_000 + i)
    assert [h for h, _ in ledger.chain.retained()] == [3, 4]
    assert ledger.account(BOB.address, height=3).balance == 10**12 + 1 + 2 + 3
    with pytest.raises(NotFound, match=r"state at height 2 is pruned; heights 3\.\.4"):
        ledger.account(BOB.address, height=2)
    assert ledger.block(1).receipts[0].status == "SUCCESS"  # blocks and receipts stay


def test_receipts_blob_round_trip_and_corruption() -> None:
    items = [b"", b"a", bytes(300)]
    assert decode_receipts(encode_receipts(items)) == items
    assert decode_receipts(b"") == []
    with pytest.raises(CorruptStore, match="do not split"):
        decode_receipts(b"\x05ab")


def test_reexecute_checks_stored_blocks_against_their_parent_state() -> None:
    store = RecordingStore()
    ledger = new_ledger(store=store, retain_heights=3)
    blocks = _chain(ledger)
    assert [ledger.reexecute(b.block.height) for b in blocks[1:]] == blocks[1:]
    with pytest.raises(NotFound, match="state at height 0 is pruned"):
        ledger.reexecute(1)
    with pytest.raises(NotFound):
        ledger.reexecute(4)
    # A stored receipt that differs from what the block produces is caught.
    forged = replace(blocks[2].receipts[0], gas_used=1)
    store.cf("receipts").put(
        (3).to_bytes(8, "big"),
        encode_receipts([forged.to_bytes(), blocks[2].receipts[1].to_bytes()]),
    )
    ledger._blocks.clear()
    with pytest.raises(CorruptStore, match="stored receipts of block 3 differ"):
        ledger.reexecute(3)
