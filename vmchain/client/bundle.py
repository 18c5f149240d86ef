"""Receipt bundles: a self-contained, offline-verifiable proof of payment (DESIGN.md section 10).

A bundle is the sealed header of the block that holds a transaction, the transaction's receipt
and the Merkle audit path of that receipt into the header's receipts_root. Anyone who knows the
chain's authorities can check it with no node: `verify_receipt_bundle(bundle, authorities)`.

Bytes (varints and length-prefixed bytes of encoding/varint.py):

    b"VMRB" || version (1 byte, 1)
    bytes(SealedHeader protobuf) || bytes(canonical Receipt protobuf)
    uvarint(index) || uvarint(leaf count) || uvarint(path length) || path (32 bytes each)

The leaf count is checked against the header's tx_count, never taken from the bundle alone.
"""

from __future__ import annotations

from collections.abc import Collection

from vmchain.chain.block import SealedHeader
from vmchain.chain.errors import InvalidBlock, InvalidReceipt
from vmchain.chain.merkle import HASH_SIZE, InclusionProof, prove_inclusion, verify_inclusion
from vmchain.chain.receipt import Receipt as ChainReceipt
from vmchain.chain.receipt import to_message
from vmchain.client.errors import ProofError
from vmchain.client.proofs import verify_header
from vmchain.client.types import AbiLookup, Receipt, no_abi, receipt_from_pb
from vmchain.encoding.errors import EncodingError
from vmchain.encoding.varint import (
    decode_bytes,
    decode_uvarint,
    encode_bytes,
    encode_uvarint,
    ensure_consumed,
)

MAGIC = b"VMRB"
VERSION = 1
MAX_PATH = 64  # a tree of 2**64 leaves: more is never a real bundle


class InvalidBundle(ProofError):
    """A receipt bundle that does not prove what it claims; the message says what failed."""


def make_bundle(sealed: SealedHeader, receipts: list[ChainReceipt], index: int) -> bytes:
    """The bundle of receipt `index` of a block whose receipts are `receipts` (in order)."""
    leaves = [r.to_bytes() for r in receipts]
    proof = prove_inclusion(leaves, index)
    return b"".join(
        [
            MAGIC,
            bytes([VERSION]),
            encode_bytes(sealed.to_bytes()),
            encode_bytes(leaves[index]),
            encode_uvarint(proof.index),
            encode_uvarint(proof.size),
            encode_uvarint(len(proof.path)),
            *proof.path,
        ]
    )


def _parse(bundle: bytes) -> tuple[bytes, bytes, InclusionProof]:
    if bundle[:4] != MAGIC or bundle[4:5] != bytes([VERSION]):
        raise InvalidBundle("not a version-1 receipt bundle (bad magic or version)")
    try:
        sealed, offset = decode_bytes(bundle, 5)
        receipt, offset = decode_bytes(bundle, offset)
        index, offset = decode_uvarint(bundle, offset)
        size, offset = decode_uvarint(bundle, offset)
        count, offset = decode_uvarint(bundle, offset)
        if count > MAX_PATH:
            raise InvalidBundle(f"audit path of {count} hashes is longer than any real tree's")
        end = offset + HASH_SIZE * count
        if end > len(bundle):
            raise InvalidBundle("bundle is truncated inside the audit path")
        path = tuple(bundle[i : i + HASH_SIZE] for i in range(offset, end, HASH_SIZE))
        ensure_consumed(bundle, end)
    except EncodingError as exc:
        raise InvalidBundle(f"malformed bundle: {exc}") from None
    return sealed, receipt, InclusionProof(index=index, size=size, path=path)


def verify_receipt_bundle(
    bundle: bytes,
    authorities: Collection[bytes],
    *,
    chain_id: str | None = None,
    abi_for: AbiLookup = no_abi,
) -> Receipt:
    """The receipt a bundle proves, once the seal, the header and the audit path all hold."""
    raw_sealed, raw_receipt, proof = _parse(bundle)
    try:
        sealed = SealedHeader.from_bytes(raw_sealed)
        receipt = ChainReceipt.from_bytes(raw_receipt)
    except (InvalidBlock, InvalidReceipt) as exc:
        raise InvalidBundle(f"bundle part does not decode: {exc}") from None
    header = sealed.header
    if header.height == 0:
        raise InvalidBundle("the genesis block holds no receipts")
    try:
        verify_header(sealed, authorities, chain_id=chain_id)
    except ProofError as exc:
        raise InvalidBundle(str(exc)) from None
    problems = [
        (receipt.height != header.height, f"receipt is for height {receipt.height}"),
        (receipt.index != proof.index, f"receipt index {receipt.index} != path index"),
        (
            proof.size != header.tx_count,
            f"path is for {proof.size} leaves, block has {header.tx_count} transactions",
        ),
    ]
    for failed, text in problems:
        if failed:
            raise InvalidBundle(f"block {header.height}: {text}")
    if not verify_inclusion(header.receipts_root, raw_receipt, proof):
        raise InvalidBundle(
            f"block {header.height}: the receipt is not in the header's receipts_root"
        )
    return receipt_from_pb(to_message(receipt), abi_for)
