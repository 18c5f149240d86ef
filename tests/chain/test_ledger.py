"""The Ledger: propose/commit/apply, block verification, read-only calls, queries and proofs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_ledger_fixtures import (
    ALICE,
    BOB,
    CAROL,
    FUNDS,
    NOBODY,
    SEALER,
    call,
    counter_code,
    deploy,
    make_genesis,
    new_ledger,
    seal,
    transfer,
    word,
)

from vmchain.chain.block import Block, BlockHeader, seal_header
from vmchain.chain.errors import (
    BlockReason,
    InvalidBlock,
    InvalidQuery,
    NotFound,
    Reason,
    TxRejected,
)
from vmchain.chain.ledger import Ledger, SealedBlock
from vmchain.chain.tx import intrinsic_gas
from vmchain.crypto import PrivateKey, Scheme
from vmchain.encoding import abi
from vmchain.state.errors import InvalidProof
from vmchain.state.world import Account, verify_account, verify_storage
from vmchain.vm.module import selector

OUTSIDER = PrivateKey.from_int(Scheme.SECP256K1, 424242)


def test_genesis_block() -> None:
    ledger = new_ledger()
    head = ledger.head()
    assert ledger.height() == 0 and head.header.height == 0
    assert (head.seal, head.proposer_key, head.header.tx_count) == (b"", b"", 0)
    assert ledger.block(0).receipts == () and ledger.block(0).block.txs == ()
    assert ledger.account(ALICE.address).balance == FUNDS
    assert ledger.head_height() == 0 and ledger.balance(BOB.address) == FUNDS


def test_propose_commit_and_apply_on_a_follower_agree() -> None:
    leader, follower = new_ledger(), new_ledger()
    made: list[SealedBlock] = []
    made.append(seal(leader, [transfer(ALICE, BOB.address, 10, price=2)]))
    made.append(seal(leader, [deploy(BOB, counter_code(), [4], price=1)], 2_500))
    address = made[-1].receipts[0].contract_address
    made.append(seal(leader, [call(CAROL, address, "bump", [3], value=9, price=3)], 2_500))
    for sealed in made:
        applied = follower.apply(sealed.block)
        assert applied == sealed
        follower.commit(applied)
        assert follower.head() == leader.block(sealed.block.height).block.sealed
    assert follower.head().header.state_root == leader.head().header.state_root
    header = made[-1].block.header
    assert (header.height, header.tx_count, header.timestamp_ms) == (3, 1, 2_500)
    assert header.proposer == SEALER.address and header.gas_limit == 100_000_000
    assert header.gas_used == made[-1].receipts[0].gas_used


def test_propose_writes_nothing_and_raises_a_low_timestamp() -> None:
    ledger = new_ledger()
    sealed = ledger.propose([transfer(ALICE, BOB.address, 10)], 10, SEALER)
    assert sealed.block.header.timestamp_ms == 1_000  # the genesis timestamp
    assert ledger.height() == 0 and ledger.account(BOB.address).balance == FUNDS
    assert ledger.receipt(sealed.block.txs[0].tx_id) is None


def test_propose_leaves_out_invalid_txs_and_says_why() -> None:
    ledger = new_ledger()
    ok = transfer(ALICE, BOB.address, 1)
    seal(ledger, [ok])
    late = transfer(ALICE, BOB.address, 2, first=1, last=1)
    sealed = ledger.propose([ok, late, transfer(ALICE, BOB.address, 3)], 3_000, SEALER)
    assert sealed.block.header.tx_count == 1
    assert [e.reason for e in ledger.last_skipped] == [Reason.DUPLICATE, Reason.OUTSIDE_WINDOW]


def test_only_an_authority_proposes() -> None:
    with pytest.raises(InvalidBlock, match="not an authority") as err:
        new_ledger().propose([], 2_000, OUTSIDER)
    assert err.value.reason is BlockReason.NOT_AUTHORITY


def _forged(ledger: Ledger, key: PrivateKey = SEALER, **changes: Any) -> Block:
    """A block proposed on `ledger`, its header changed and sealed again by `key`."""
    sealed = ledger.propose([transfer(ALICE, BOB.address, 4)], 5_000, SEALER)
    header: BlockHeader = replace(sealed.block.header, **changes)
    if key is not SEALER:
        header = replace(header, proposer=key.address)
    return Block(seal_header(key, header), sealed.block.txs)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"parent_hash": bytes(32)}, BlockReason.WRONG_PARENT),
        ({"timestamp_ms": 1_500}, BlockReason.TIMESTAMP_DECREASED),
        ({"height": 3}, BlockReason.WRONG_HEIGHT),
        ({"state_root": bytes(32)}, BlockReason.STATE_ROOT_MISMATCH),
        ({"receipts_root": bytes(32)}, BlockReason.RECEIPTS_ROOT_MISMATCH),
        ({"gas_used": 1}, BlockReason.GAS_USED_MISMATCH),
        ({"gas_limit": 5}, BlockReason.OVER_LIMIT),
        ({"tx_count": 2}, BlockReason.TX_COUNT_MISMATCH),
    ],
)
def test_apply_rejects_a_bad_header(changes: dict[str, Any], reason: BlockReason) -> None:
    ledger = new_ledger()
    seal(ledger, [], 2_000)
    with pytest.raises(InvalidBlock) as err:
        ledger.apply(_forged(ledger, **changes))
    assert err.value.reason is reason
    assert ledger.height() == 1


def test_apply_rejects_a_bad_seal_and_an_outsider() -> None:
    ledger = new_ledger()
    block = _forged(ledger)
    tampered = Block(replace(block.sealed, seal=bytes(64)), block.txs)
    with pytest.raises(InvalidBlock, match="does not verify") as err:
        ledger.apply(tampered)
    assert err.value.reason is BlockReason.BAD_SEAL
    with pytest.raises(InvalidBlock) as err:
        ledger.apply(_forged(ledger, key=OUTSIDER))
    assert err.value.reason is BlockReason.NOT_AUTHORITY


def test_apply_rejects_a_tx_that_cannot_be_included() -> None:
    leader = new_ledger()
    tx = transfer(ALICE, BOB.address, 1)
    seal(leader, [tx])
    # A block that includes the same tx again: honest execution would have left it out.
    result_root = leader.head().header.state_root
    header = replace(
        leader.propose([], 3_000, SEALER).block.header,
        tx_count=1,
        tx_root=leader.block(1).block.header.tx_root,
        state_root=result_root,
    )
    with pytest.raises(InvalidBlock, match="cannot be included") as err:
        leader.apply(Block(seal_header(SEALER, header), (tx,)))
    assert err.value.reason is BlockReason.BAD_TRANSACTION


def test_commit_refuses_a_block_that_does_not_extend_the_head() -> None:
    ledger = new_ledger()
    first = ledger.propose([], 2_000, SEALER)
    ledger.commit(first)
    with pytest.raises(InvalidBlock, match="does not extend the head") as err:
        ledger.commit(first)
    assert err.value.reason is BlockReason.WRONG_PARENT


def test_admit_checks_against_the_head() -> None:
    ledger = new_ledger(make_genesis({ALICE.address: FUNDS, BOB.address: 10}))
    tx = transfer(ALICE, BOB.address, 1)
    ledger.admit(tx)
    seal(ledger, [tx])
    assert ledger.has_tx(tx.tx_id)
    with pytest.raises(TxRejected) as err:
        ledger.admit(tx)
    assert err.value.reason is Reason.DUPLICATE
    with pytest.raises(TxRejected) as err:
        ledger.admit(transfer(BOB, ALICE.address, 1, price=1))
    assert err.value.reason is Reason.CANNOT_PAY_GAS
    with pytest.raises(TxRejected) as err:
        ledger.admit(transfer(ALICE, BOB.address, 2, first=1, last=1))
    assert err.value.reason is Reason.OUTSIDE_WINDOW


def _counter(ledger: Ledger, start: int = 5) -> bytes:
    return seal(ledger, [deploy(ALICE, counter_code(), [start])]).receipts[0].contract_address


def test_read_only_call_changes_nothing_and_estimates_the_gas() -> None:
    ledger = new_ledger()
    address = _counter(ledger)
    root = ledger.head().header.state_root
    outcome = ledger.call(BOB.address, address, selector("bump"), abi.encode([4]), value=50)
    assert outcome.status == "SUCCESS" and abi.decode(outcome.return_value) == (9,)
    assert outcome.events[0].name == "Bumped" and outcome.events[0].index == 0
    assert outcome.height == 1 and outcome.error == ""
    assert ledger.head().header.state_root == root
    assert ledger.storage(address, b"count").value == word(5)
    assert ledger.account(BOB.address).balance == FUNDS
    # The estimate is what the call costs as a tx with the widest window and the gas limit
    # of the estimate (the body sizes, so the intrinsic gas, agree).
    tx = call(BOB, address, "bump", [4], value=50, gas=100_000_000, first=2, last=1_002)
    (receipt,) = seal(ledger, [tx], 3_000).receipts
    assert receipt.gas_used == outcome.gas_used
    assert ledger.call(BOB.address, address, selector("get"), b"").return_value == abi.encode([9])


def test_read_only_call_failures() -> None:
    ledger = new_ledger()
    address = _counter(ledger)
    failed = ledger.call(BOB.address, address, selector("fail"), abi.encode([1]))
    assert failed.status == "REVERTED" and failed.error == "fail: always" and failed.events == ()
    missing = ledger.call(BOB.address, NOBODY, selector("get"), b"")
    assert missing.status == "NO_SUCH_CONTRACT"
    poor = ledger.call(NOBODY, address, selector("bump"), abi.encode([1]), value=1)
    assert poor.status == "INSUFFICIENT_FUNDS" and "cannot send value 1" in poor.error
    view = ledger.call(BOB.address, address, selector("get"), b"", gas_limit=21_000)
    assert view.status == "OUT_OF_GAS"
    with pytest.raises(InvalidQuery, match="20 bytes"):
        ledger.call(b"short", address, selector("get"), b"")


def test_queries_at_older_heights() -> None:
    ledger = new_ledger()
    address = _counter(ledger, start=1)
    seal(ledger, [call(ALICE, address, "bump", [10]), transfer(BOB, CAROL.address, 7)], 3_000)
    assert ledger.account(CAROL.address, height=1).balance == FUNDS
    assert ledger.account(CAROL.address).balance == FUNDS + 7
    assert ledger.storage(address, b"count", height=1).value == word(1)
    assert ledger.storage(address, b"count", height=0).exists is False
    at_one = ledger.call(BOB.address, address, selector("get"), b"", height=1)
    assert abi.decode(at_one.return_value) == (1,) and at_one.height == 1
    with pytest.raises(NotFound, match="no block at height 3; the head is 2"):
        ledger.account(CAROL.address, height=3)


def test_proofs_verify_against_the_header_state_root() -> None:
    ledger = new_ledger()
    address = _counter(ledger, start=3)
    seal(ledger, [transfer(BOB, CAROL.address, 7)], 3_000)
    for height in (1, 2):
        view = ledger.account(CAROL.address, height=height, prove=True)
        assert view.header == ledger.block(height).block.sealed
        proven = verify_account(view.header.header.state_root, CAROL.address, view.proof)
        assert proven == Account(view.balance, b"")
    absent = ledger.account(NOBODY, prove=True)
    assert verify_account(absent.header.header.state_root, NOBODY, absent.proof) == Account()
    slot = ledger.storage(address, b"count", prove=True)
    root = slot.header.header.state_root
    assert verify_storage(root, address, b"count", slot.proof) == word(3) == slot.value
    with pytest.raises(InvalidProof):
        verify_account(
            root, CAROL.address, ledger.account(CAROL.address, height=1, prove=True).proof
        )
    assert ledger.account(CAROL.address).proof == ()


def test_lookups_of_unknown_things() -> None:
    ledger = new_ledger()
    assert ledger.receipt(bytes(32)) is None and ledger.transaction(bytes(32)) is None
    with pytest.raises(NotFound, match="no block with hash"):
        ledger.block_by_hash(bytes(32))
    with pytest.raises(NotFound):
        ledger.block(-1)
    with pytest.raises(InvalidQuery):
        ledger.account(b"\x01" * 21)


def test_transaction_lookup_without_the_block_cache() -> None:
    ledger = new_ledger()
    txs = [transfer(ALICE, BOB.address, i + 1) for i in range(3)]
    sealed = seal(ledger, txs)
    ledger._blocks.clear()  # force the store path
    assert ledger.transaction(txs[2].tx_id) == (txs[2], 1, 2)
    assert ledger.receipt(txs[1].tx_id) == sealed.receipts[1]
    assert intrinsic_gas(len(txs[0].body_bytes)) == sealed.receipts[0].gas_used
