"""Block headers, seals, header rules and block bodies."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest
from chain_helpers import ALICE, BOB, CAROL, CHAIN_ID, P256_KEY, field_varint, transfer
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.block import (
    DEFAULT_MAX_DRIFT_MS,
    ZERO_ADDRESS,
    ZERO_HASH,
    Block,
    BlockHeader,
    SealedHeader,
    check_body,
    check_child,
    check_limits,
    check_not_too_far_in_future,
    decode_block,
    genesis_header,
    seal_digest,
    seal_header,
    tx_root,
    verify_seal,
)
from vmchain.chain.errors import BlockReason, InvalidBlock
from vmchain.chain.genesis import dev_genesis
from vmchain.chain.merkle import EMPTY_ROOT
from vmchain.chain.tx import Tx

STATE = hashlib.sha256(b"state").digest()
GENESIS = genesis_header(dev_genesis(1_000), STATE)


def child(parent: BlockHeader, txs: tuple[Tx, ...] = (), **changes: Any) -> BlockHeader:
    header = BlockHeader(
        chain_id=parent.chain_id,
        height=parent.height + 1,
        parent_hash=parent.hash,
        timestamp_ms=parent.timestamp_ms + 100,
        proposer=ALICE.address,
        state_root=STATE,
        tx_root=tx_root(txs),
        receipts_root=EMPTY_ROOT,
        gas_used=sum(tx.body.gas_limit for tx in txs),
        gas_limit=parent.gas_limit,
        tx_count=len(txs),
    )
    return replace(header, **changes)


def reason_of(exc: pytest.ExceptionInfo[InvalidBlock]) -> BlockReason:
    return exc.value.reason


def test_genesis_header() -> None:
    assert GENESIS.height == 0
    assert GENESIS.parent_hash == ZERO_HASH
    assert GENESIS.proposer == ZERO_ADDRESS
    assert (GENESIS.tx_root, GENESIS.receipts_root) == (EMPTY_ROOT, EMPTY_ROOT)
    assert GENESIS.timestamp_ms == 1_000
    assert GENESIS.gas_limit == 100_000_000
    assert GENESIS.hash == hashlib.sha256(GENESIS.to_bytes()).digest()


HEADERS = st.builds(
    BlockHeader,
    chain_id=st.text(max_size=16),
    height=st.integers(0, 2**64 - 1),
    parent_hash=st.binary(min_size=32, max_size=32),
    timestamp_ms=st.integers(0, 2**64 - 1),
    proposer=st.binary(min_size=20, max_size=20),
    state_root=st.binary(min_size=32, max_size=32),
    tx_root=st.binary(min_size=32, max_size=32),
    receipts_root=st.binary(min_size=32, max_size=32),
    gas_used=st.integers(0, 2**64 - 1),
    gas_limit=st.integers(0, 2**64 - 1),
    tx_count=st.integers(0, 2**32 - 1),
)


@settings(max_examples=100, deadline=None)
@given(HEADERS)
def test_header_round_trip(header: BlockHeader) -> None:
    raw = header.to_bytes()
    assert BlockHeader.from_bytes(raw) == header
    assert pb.BlockHeader.FromString(raw).SerializeToString(deterministic=True) == raw


def test_header_field_sizes_are_checked() -> None:
    with pytest.raises(InvalidBlock, match="parent_hash must be 32 bytes, got 31") as info:
        replace(GENESIS, parent_hash=bytes(31))
    assert reason_of(info) is BlockReason.MALFORMED
    with pytest.raises(InvalidBlock, match="proposer must be 20 bytes"):
        message = pb.BlockHeader.FromString(GENESIS.to_bytes())
        message.proposer = bytes(19)
        BlockHeader.from_bytes(message.SerializeToString(deterministic=True))
    with pytest.raises(InvalidBlock) as info:
        BlockHeader.from_bytes(GENESIS.to_bytes() + field_varint(40, 1))
    assert reason_of(info) is BlockReason.NON_CANONICAL


def test_seal_and_verify() -> None:
    header = child(GENESIS)
    sealed = seal_header(ALICE, header)
    assert sealed.hash == header.hash
    assert sealed.proposer_key == ALICE.public_key
    verify_seal(sealed, {ALICE.address})
    assert SealedHeader.from_bytes(sealed.to_bytes()) == sealed
    assert seal_digest(header.hash) == hashlib.sha256(b"vmchain-block" + header.hash).digest()


def test_p256_authority_can_seal() -> None:
    header = child(GENESIS, proposer=P256_KEY.address)
    verify_seal(seal_header(P256_KEY, header), [P256_KEY.address])


def test_sealing_with_another_key_is_refused() -> None:
    with pytest.raises(ValueError, match="is not the header's proposer"):
        seal_header(BOB, child(GENESIS))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("flipped_seal", BlockReason.BAD_SEAL),
        ("zero_seal", BlockReason.BAD_SEAL),
        ("changed_header", BlockReason.BAD_SEAL),
        ("other_key", BlockReason.WRONG_PROPOSER),
        ("malformed_key", BlockReason.BAD_SEAL),
        ("not_authority", BlockReason.NOT_AUTHORITY),
    ],
)
def test_bad_seals_are_rejected(name: str, reason: BlockReason) -> None:
    header = child(GENESIS)
    sealed = seal_header(ALICE, header)
    authorities = [ALICE.address, CAROL.address]
    later = replace(header, timestamp_ms=header.timestamp_ms + 1)
    bad = {
        "flipped_seal": replace(sealed, seal=bytes([sealed.seal[0] ^ 1]) + sealed.seal[1:]),
        "zero_seal": replace(sealed, seal=bytes(64)),
        "changed_header": replace(sealed, header=later, header_bytes=later.to_bytes()),
        "other_key": replace(sealed, proposer_key=BOB.public_key),
        "malformed_key": replace(sealed, proposer_key=ALICE.public_key[:20]),
        "not_authority": sealed,
    }[name]
    if name == "not_authority":
        authorities = [CAROL.address]
    with pytest.raises(InvalidBlock) as info:
        verify_seal(bad, authorities)
    assert reason_of(info) is reason


def test_child_rules() -> None:
    parent = child(GENESIS)
    check_child(parent, child(parent))
    check_child(parent, child(parent, timestamp_ms=parent.timestamp_ms))  # equal is allowed
    cases = [
        (child(parent, timestamp_ms=parent.timestamp_ms - 1), BlockReason.TIMESTAMP_DECREASED),
        (child(parent, height=parent.height + 2), BlockReason.WRONG_HEIGHT),
        (child(parent, parent_hash=GENESIS.hash), BlockReason.WRONG_PARENT),
        (child(parent, chain_id="other"), BlockReason.WRONG_CHAIN_ID),
    ]
    for header, reason in cases:
        with pytest.raises(InvalidBlock) as info:
            check_child(parent, header)
        assert reason_of(info) is reason


def test_too_far_in_future_boundary() -> None:
    header = child(GENESIS, timestamp_ms=50_000)
    check_not_too_far_in_future(header, now_ms=50_000 - DEFAULT_MAX_DRIFT_MS)
    with pytest.raises(InvalidBlock, match="15001 ms in the future") as info:
        check_not_too_far_in_future(header, now_ms=50_000 - DEFAULT_MAX_DRIFT_MS - 1)
    assert reason_of(info) is BlockReason.TOO_FAR_IN_FUTURE
    check_not_too_far_in_future(header, now_ms=49_000, max_drift_ms=1_000)
    with pytest.raises(InvalidBlock):
        check_not_too_far_in_future(header, now_ms=49_000, max_drift_ms=999)


def test_limits() -> None:
    params = dev_genesis().params
    check_limits(child(GENESIS), params)
    cases = [
        (child(GENESIS, gas_limit=5), BlockReason.OVER_LIMIT),
        (child(GENESIS, gas_used=100_000_001), BlockReason.OVER_LIMIT),
        (child(GENESIS, tx_count=2_001), BlockReason.OVER_LIMIT),
        (child(GENESIS, chain_id="x"), BlockReason.WRONG_CHAIN_ID),
    ]
    for header, reason in cases:
        with pytest.raises(InvalidBlock) as info:
            check_limits(header, params)
        assert reason_of(info) is reason


def _block(txs: tuple[Tx, ...], **changes: Any) -> Block:
    return Block(seal_header(ALICE, child(GENESIS, txs, **changes)), txs)


def test_block_bytes_equal_deterministic_protobuf_and_round_trip() -> None:
    txs = tuple(transfer(amount=i, note=bytes([i]) * i) for i in range(5))
    block = _block(txs)
    message = pb.Block(
        sealed=pb.SealedHeader.FromString(block.sealed.to_bytes()),
        transactions=[pb.SignedTransaction.FromString(tx.encoded) for tx in txs],
    )
    assert block.to_bytes() == message.SerializeToString(deterministic=True)
    assert decode_block(block.to_bytes()) == block
    assert block.height == 1 and block.hash == block.header.hash
    empty = _block(())
    assert decode_block(empty.to_bytes()).txs == ()


def test_long_tx_uses_multi_byte_length() -> None:
    tx = transfer(note=b"n" * 300)
    block = _block((tx,))
    assert decode_block(block.to_bytes()).txs == (tx,)


def test_body_must_match_header() -> None:
    txs = (transfer(amount=1), transfer(amount=2))
    with pytest.raises(InvalidBlock) as info:
        check_body(_block(txs, tx_count=1))
    assert reason_of(info) is BlockReason.TX_COUNT_MISMATCH
    swapped = Block(_block(txs).sealed, txs[::-1])
    with pytest.raises(InvalidBlock) as info:
        decode_block(swapped.to_bytes())
    assert reason_of(info) is BlockReason.TX_ROOT_MISMATCH


def test_bad_transaction_in_block() -> None:
    tx = transfer()
    forged = replace(tx, signature=bytes(64))
    forged = replace(
        forged,
        encoded=pb.SignedTransaction(
            body=tx.body_bytes, public_key=tx.public_key, signature=bytes(64)
        ).SerializeToString(deterministic=True),
    )
    block = _block((forged,))
    with pytest.raises(InvalidBlock, match="transaction 0 of block: bad_signature") as info:
        decode_block(block.to_bytes())
    assert reason_of(info) is BlockReason.BAD_TRANSACTION
    assert decode_block(block.to_bytes(), trusted=True).txs == (forged,)


def test_non_canonical_block_bytes() -> None:
    raw = _block((transfer(),)).to_bytes()
    with pytest.raises(InvalidBlock) as info:
        decode_block(raw + field_varint(7, 1))
    assert reason_of(info) is BlockReason.NON_CANONICAL
    with pytest.raises(InvalidBlock) as info:
        decode_block(b"\x0a\x05abc")
    assert reason_of(info) is BlockReason.MALFORMED
    assert GENESIS.chain_id == CHAIN_ID
