"""Receipt bundles: made from a node's block, verified offline, every tampering rejected."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from client_fakenode import SEALER, FakeChain, Served, running

from vmchain.chain.block import SealedHeader
from vmchain.chain.genesis import dev_key
from vmchain.chain.merkle import HASH_SIZE
from vmchain.chain.tx import build_transfer
from vmchain.client import InvalidBundle, NodeClient, RetryPolicy, Wallet, verify_receipt_bundle
from vmchain.client.bundle import make_bundle
from vmchain.encoding.varint import decode_bytes, encode_bytes

AUTHORITIES = (SEALER.address,)
ALICE = Wallet(SEALER)
BOB = Wallet(dev_key(1))


@pytest.fixture
def served() -> Iterator[tuple[Served, NodeClient]]:
    with running() as fake, NodeClient(fake.target, retry=RetryPolicy(deadline=3.0)) as node:
        yield fake, node


def _bundle_of_third(fake: Served, node: NodeClient) -> tuple[bytes, str]:
    """A block of 5 transfers; the bundle of the one at index 2."""
    fake.node.hold = True
    ids = [node.transfer(ALICE, BOB.address, i + 1, wait=False) for i in range(5)]
    fake.node.release()
    return node.receipt_bundle(ids[2]), ids[2]


def test_a_bundle_proves_its_receipt_offline(served: tuple[Served, NodeClient]) -> None:
    fake, node = served
    bundle, tx_id = _bundle_of_third(fake, node)
    receipt = verify_receipt_bundle(bundle, AUTHORITIES, chain_id="vmchain-dev")
    assert receipt == node.receipt(tx_id)
    assert (receipt.tx_id, receipt.height, receipt.index, receipt.status) == (
        tx_id,
        1,
        2,
        "SUCCESS",
    )


def test_bundles_of_every_position_verify() -> None:
    chain = FakeChain()
    txs = [
        build_transfer(
            SEALER,
            chain_id="vmchain-dev",
            to=BOB.address,
            amount=i + 1,
            first_valid=1,
            last_valid=5,
        )
        for i in range(7)
    ]
    block = chain.seal(txs)
    for index in range(7):
        bundle = make_bundle(block.sealed, block.receipts, index)
        assert verify_receipt_bundle(bundle, AUTHORITIES).index == index


def _parts(bundle: bytes) -> tuple[bytes, bytes, bytes]:
    """(sealed header bytes, receipt bytes, proof tail) of a well-formed bundle."""
    sealed, offset = decode_bytes(bundle, 5)
    receipt, offset = decode_bytes(bundle, offset)
    return sealed, receipt, bundle[offset:]


def _assemble(sealed: bytes, receipt: bytes, tail: bytes) -> bytes:
    return b"VMRB\x01" + encode_bytes(sealed) + encode_bytes(receipt) + tail


def test_tampering_is_rejected(served: tuple[Served, NodeClient]) -> None:
    fake, node = served
    bundle, _ = _bundle_of_third(fake, node)
    sealed, receipt, tail = _parts(bundle)
    assert _assemble(sealed, receipt, tail) == bundle

    with pytest.raises(InvalidBundle, match="is not an authority"):
        verify_receipt_bundle(bundle, (b"\x42" * 20,))
    with pytest.raises(InvalidBundle, match="expected 'other'"):
        verify_receipt_bundle(bundle, AUTHORITIES, chain_id="other")

    # Another receipt of the same block cannot ride on this path.
    block = fake.chain.blocks[1]
    other = block.receipts[3].to_bytes()
    with pytest.raises(InvalidBundle, match="receipt index 3 != path index"):
        verify_receipt_bundle(_assemble(sealed, other, tail), AUTHORITIES)
    # A receipt with a changed gas figure is not in the root.
    changed = replace(block.receipts[2], gas_used=1)
    with pytest.raises(InvalidBundle, match="not in the header's receipts_root"):
        verify_receipt_bundle(_assemble(sealed, changed.to_bytes(), tail), AUTHORITIES)
    # A flipped bit in the path.
    flipped = tail[:-1] + bytes([tail[-1] ^ 1])
    with pytest.raises(InvalidBundle, match="not in the header's receipts_root"):
        verify_receipt_bundle(_assemble(sealed, receipt, flipped), AUTHORITIES)
    # A claimed leaf count that is not the header's tx_count.
    wrong_size = tail[:1] + b"\x06" + tail[2:]
    with pytest.raises(InvalidBundle, match="path is for 6 leaves, block has 5"):
        verify_receipt_bundle(_assemble(sealed, receipt, wrong_size), AUTHORITIES)
    # A forged seal.
    header = SealedHeader.from_bytes(sealed)
    forged = SealedHeader(header.header, header.header_bytes, header.proposer_key, b"\1" * 64)
    with pytest.raises(InvalidBundle, match="does not verify"):
        verify_receipt_bundle(_assemble(forged.to_bytes(), receipt, tail), AUTHORITIES)
    # Junk.
    with pytest.raises(InvalidBundle, match="bad magic"):
        verify_receipt_bundle(b"nope", AUTHORITIES)
    with pytest.raises(InvalidBundle, match="truncated"):
        verify_receipt_bundle(bundle[:-HASH_SIZE], AUTHORITIES)
    with pytest.raises(InvalidBundle, match="malformed bundle: "):
        verify_receipt_bundle(bundle + b"\0", AUTHORITIES)
