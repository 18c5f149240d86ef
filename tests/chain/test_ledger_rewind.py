"""Ledger.rewind: the head goes back to a retained height in one batch (a dev chain's revert).

Blocks, receipts, tx index entries and hashes above the height go, the state is the one
committed at that height, txs sealed above it can be sealed again, new blocks commit on top,
a RocksStore reopens consistent, and heights whose state is pruned are refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ledger_fixtures import (
    ALICE,
    BOB,
    CAROL,
    FUNDS,
    SEALER,
    call,
    counter_code,
    deploy,
    new_ledger,
    seal,
    transfer,
    word,
)
from test_store import RecordingStore

from vmchain.chain.errors import NotFound
from vmchain.chain.ledger import Ledger, SealedBlock
from vmchain.chain.store import ChainStore, height_key, open_rocks
from vmchain.state.kv import Store
from vmchain.state.node import BRANCH, EMPTY_ROOT, EXTENSION, decode_node
from vmchain.state.prune import BORN_SIZE, JOURNAL_CF, NODES_CF, removed_key, root_key

PEOPLE = (SEALER, ALICE, BOB, CAROL)


def _three_blocks(ledger: Ledger) -> list[SealedBlock]:
    """Block 1: Alice pays Bob 100. Block 2: Bob pays Carol 40 (fee 2/gas to the sealer) and
    Carol deploys the counter (start 5). Block 3: Alice bumps it by 7."""
    blocks = [seal(ledger, [transfer(ALICE, BOB.address, 100)], 2_000)]
    pay = transfer(BOB, CAROL.address, 40, price=2)
    blocks.append(seal(ledger, [pay, deploy(CAROL, counter_code(), [5])], 3_000))
    counter = blocks[1].receipts[1].contract_address
    blocks.append(seal(ledger, [call(ALICE, counter, "bump", [7])], 4_000))
    return blocks


def _balances(ledger: Ledger, height: int | None = None) -> list[int]:
    return [ledger.account(k.address, height).balance for k in PEOPLE]


def _reachable(store: Store, roots: list[bytes]) -> set[bytes]:
    """Every trie node hash reachable from `roots`, read from the store itself (not the
    cache): a missing node fails the test."""
    nodes = store.cf(NODES_CF)
    seen: set[bytes] = set()
    stack = [root for root in roots if root != EMPTY_ROOT]
    while stack:
        node_hash = stack.pop()
        if node_hash in seen:
            continue
        stored = nodes.get(node_hash)
        assert stored is not None, f"trie node {node_hash.hex()} is missing"
        seen.add(node_hash)
        node = decode_node(stored[BORN_SIZE:], node_hash, 0)
        if node[0] == BRANCH:
            stack.extend(child for child in node[1] if child is not None)
        elif node[0] == EXTENSION:
            stack.append(node[2])
    return seen


def _stored(store: Store) -> set[bytes]:
    return {key for key, _ in store.cf(NODES_CF).items()}


def test_rewind_drops_everything_above_the_height_and_restores_its_state() -> None:
    ledger = new_ledger()
    blocks = _three_blocks(ledger)
    pay, made = blocks[1].block.txs
    bump = blocks[2].block.txs[0]
    fee = blocks[1].receipts[0].gas_used * 2
    assert _balances(ledger) == [FUNDS + fee, FUNDS - 100, FUNDS + 100 - 40 - fee, FUNDS + 40]
    root1 = blocks[0].block.header.state_root

    head = ledger.rewind(1)

    assert head == blocks[0].block.sealed and ledger.head() == head and ledger.height() == 1
    assert _balances(ledger) == [FUNDS, FUNDS - 100, FUNDS + 100, FUNDS]
    assert ledger.chain.nodes.head_root == root1 and ledger.chain.nodes.head_version == 1
    assert ledger.chain.retained() == [(0, ledger.block(0).block.header.state_root), (1, root1)]
    for tx in (pay, made, bump):
        assert ledger.receipt(tx.tx_id) is None and ledger.transaction(tx.tx_id) is None
        assert not ledger.has_tx(tx.tx_id) and ledger.chain.tx_location(tx.tx_id) is None
    first = blocks[0].block.txs[0].tx_id
    assert ledger.receipt(first) == blocks[0].receipts[0]
    for gone in blocks[1:]:
        height = gone.block.height
        with pytest.raises(NotFound, match=f"no block at height {height}; the head is 1"):
            ledger.block(height)
        with pytest.raises(NotFound, match="no block with hash"):
            ledger.block_by_hash(gone.block.hash)
        chain = ledger.chain
        assert chain.block_bytes(height) is None and chain.receipts(height) is None
        assert chain.height_of(gone.block.hash) is None
    assert ChainStore(ledger.chain.store).head_height() == 1
    counter = blocks[1].receipts[1].contract_address
    assert ledger.account(counter).balance == 0 and ledger.account(counter).code_hash == b""


def test_rewind_is_one_batch_then_a_sweep_leaves_exactly_the_retained_nodes() -> None:
    store = RecordingStore()
    ledger = new_ledger(store=store)
    blocks = _three_blocks(ledger)
    written = len(store.batches)

    ledger.rewind(1, sweep=False)

    assert len(store.batches) == written + 1
    batch = store.batches[-1].ops
    keys = [height_key(2), height_key(3)]
    assert batch["blocks"] == dict.fromkeys(keys) and batch["receipts"] == dict.fromkeys(keys)
    assert batch["block_hashes"] == dict.fromkeys(b.block.hash for b in blocks[1:])
    assert batch["tx_index"] == dict.fromkeys(t.tx_id for b in blocks[1:] for t in b.block.txs)
    assert batch["meta"] == {b"head": height_key(1)}
    journal = {root_key(2), root_key(3), removed_key(2), removed_key(3)}
    assert batch[JOURNAL_CF] == dict.fromkeys(journal) and NODES_CF not in batch
    roots = [root for _, root in ledger.chain.retained()]
    assert _stored(store) > _reachable(store, roots)  # blocks 2-3's nodes are left behind

    swept = ledger.chain.nodes.sweep()
    assert swept > 0 and len(store.batches) == written + 2
    assert _stored(store) == _reachable(store, roots)
    # the same as a chain that never had blocks 2 and 3
    reference = new_ledger()
    seal(reference, [transfer(ALICE, BOB.address, 100)], 2_000)
    assert _stored(store) == _stored(reference.chain.store)


def test_txs_sealed_above_can_be_sealed_again_and_new_blocks_commit() -> None:
    ledger = new_ledger()
    blocks = _three_blocks(ledger)
    pay, made = blocks[1].block.txs
    ledger.rewind(1)

    ledger.admit(pay)  # no longer a duplicate
    again = seal(ledger, [made, pay], 5_000)  # other order, other time: another block 2
    assert again.block.height == 2 and again.block.hash != blocks[1].block.hash
    assert again.block.header.parent_hash == blocks[0].block.hash
    assert ledger.receipt(pay.tx_id) == again.receipts[1]
    assert (again.receipts[1].height, again.receipts[1].status) == (2, "SUCCESS")
    assert ledger.transaction(made.tx_id) == (made, 2, 0)
    counter = again.receipts[0].contract_address
    assert counter == blocks[1].receipts[1].contract_address  # derived from the tx id
    fee = again.receipts[1].gas_used * 2
    assert _balances(ledger) == [FUNDS + fee, FUNDS - 100, FUNDS + 100 - 40 - fee, FUNDS + 40]
    assert ledger.storage(counter, b"count").value == word(5)
    assert ledger.reexecute(2) == again
    third = seal(ledger, [transfer(CAROL, ALICE.address, 1)], 5_000)
    assert ledger.height() == 3 and ledger.block_by_hash(third.block.hash) == third
    assert _balances(ledger, 1) == [FUNDS, FUNDS - 100, FUNDS + 100, FUNDS]


def test_rewind_to_the_head_changes_nothing() -> None:
    store = RecordingStore()
    ledger = new_ledger(store=store)
    blocks = _three_blocks(ledger)
    written = len(store.batches)
    assert ledger.rewind(3) == blocks[2].block.sealed and len(store.batches) == written


def test_rewind_on_rocksdb_reopens_consistent(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    ledger = new_ledger(store=open_rocks(path))
    blocks = _three_blocks(ledger)
    bump = blocks[2].block.txs[0]
    ledger.rewind(2)
    again = seal(ledger, [transfer(ALICE, CAROL.address, 9), bump], 6_000)
    balances, head = _balances(ledger), ledger.head()
    ledger.close()

    reopened = Ledger.open(open_rocks(path))
    assert reopened.head() == head and reopened.height() == 3
    assert head.hash != blocks[2].block.hash
    assert reopened.block(3) == again and reopened.block(2) == blocks[1]
    assert reopened.receipt(bump.tx_id) == again.receipts[1]
    assert _balances(reopened) == balances
    assert reopened.reexecute(3) == again and reopened.reexecute(2) == blocks[1]
    store = reopened.chain.store
    roots = [root for _, root in reopened.chain.retained()]
    assert [v for v, _ in reopened.chain.retained()] == [0, 1, 2, 3]
    assert _stored(store) == _reachable(store, roots)
    seal(reopened, [transfer(BOB, ALICE.address, 1)], 7_000)
    assert reopened.height() == 4
    reopened.close()


def test_rewind_is_refused_above_the_head_and_beyond_the_retained_state() -> None:
    ledger = new_ledger(retain_heights=3)
    for n in range(5):
        seal(ledger, [transfer(ALICE, BOB.address, n + 1)], 2_000 + n)
    assert [v for v, _ in ledger.chain.retained()] == [3, 4, 5]
    refusals = {
        6: "cannot rewind to height 6: the head is 5",
        -1: "cannot rewind to height -1: the head is 5",
        2: r"cannot rewind to height 2: its state is pruned \(retained heights 3..5, "
        r"retain_heights=3\)",
        0: "height 0: its state is pruned",
    }
    for height, message in refusals.items():
        with pytest.raises(NotFound, match=message):
            ledger.rewind(height)
    assert ledger.height() == 5 and ledger.account(BOB.address).balance == FUNDS + 15

    ledger.rewind(3)
    assert ledger.chain.retained() == [(3, ledger.block(3).block.header.state_root)]
    assert ledger.account(BOB.address).balance == FUNDS + 6
    for n in range(4):
        seal(ledger, [transfer(BOB, ALICE.address, n + 1)], 3_000)
    assert [v for v, _ in ledger.chain.retained()] == [5, 6, 7]
    assert ledger.account(BOB.address, 5).balance == FUNDS + 6 - 1 - 2
    store = ledger.chain.store
    assert _stored(store) >= _reachable(store, [r for _, r in ledger.chain.retained()])


# Random walks: seal transfers, rewind to retained heights; a model of the balances per height
# must match every retained height, and every retained trie must stay whole in the store.

_OP = st.one_of(
    st.tuples(st.just("seal"), st.integers(0, 3), st.integers(0, 3), st.integers(1, 3)),
    st.tuples(st.just("rewind"), st.integers(0, 5), st.just(0), st.just(0)),
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_OP, min_size=1, max_size=14), st.integers(2, 4))
def test_random_seals_and_rewinds_match_a_model(
    ops: list[tuple[str, int, int, int]], retain: int
) -> None:
    ledger = new_ledger(retain_heights=retain)
    history = [[FUNDS] * 4]  # balances at each height of the current chain
    note = 0
    for op, a, b, n in ops:
        if op == "seal":
            note += 1  # a fresh tx id each time, even for the same transfer
            seal(ledger, [transfer(PEOPLE[a], PEOPLE[b].address, n, note=note.to_bytes(2))])
            balances = list(history[-1])
            balances[a] -= n
            balances[b] += n
            history.append(balances)
        else:
            retained = [v for v, _ in ledger.chain.retained()]
            height = retained[a % len(retained)]
            ledger.rewind(height)
            del history[height + 1 :]
            store = ledger.chain.store
            assert _stored(store) == _reachable(store, [r for _, r in ledger.chain.retained()])
        assert ledger.height() == len(history) - 1
        for version, _ in ledger.chain.retained():
            assert _balances(ledger, version) == history[version]
        store = ledger.chain.store
        _reachable(store, [root for _, root in ledger.chain.retained()])
