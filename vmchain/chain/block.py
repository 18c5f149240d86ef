"""Block headers, seals and blocks: canonical bytes, hashes, and the rules a header must obey.

header bytes = the deterministic protobuf of `BlockHeader`; block hash = sha256(header bytes);
seal = the proposer's signature over sha256(b"vmchain-block" || block hash), made with the key
whose address is header.proposer (DESIGN.md section 8). tx_root is the Merkle root
(chain/merkle.py) over each transaction's canonical SignedTransaction bytes, in block order.
Timestamps never decrease from parent to child (equal is allowed); a follower also rejects a
header stamped too far in its own future (`check_not_too_far_in_future`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.errors import BlockReason, InvalidBlock, TxRejected
from vmchain.chain.genesis import ChainParams, Genesis
from vmchain.chain.merkle import EMPTY_ROOT, merkle_root
from vmchain.chain.tx import Tx, WireProblem, decode_signed_message, parse_canonical
from vmchain.crypto import ADDRESS_SIZE, InvalidKey, PrivateKey, address_of, signing_digest, verify
from vmchain.encoding.varint import encode_uvarint

BLOCK_DOMAIN = b"vmchain-block"
HASH_SIZE = 32
ZERO_HASH = bytes(HASH_SIZE)  # the genesis header's parent_hash
ZERO_ADDRESS = bytes(ADDRESS_SIZE)  # the genesis header's proposer: nobody seals genesis
# How far ahead of a follower's clock a header may be stamped (geth allows 15 s as well).
DEFAULT_MAX_DRIFT_MS = 15_000

_SIZES: tuple[tuple[str, int], ...] = (
    ("parent_hash", HASH_SIZE),
    ("proposer", ADDRESS_SIZE),
    ("state_root", HASH_SIZE),
    ("tx_root", HASH_SIZE),
    ("receipts_root", HASH_SIZE),
)


def _wire_error(exc: WireProblem) -> InvalidBlock:
    reason = BlockReason.NON_CANONICAL if exc.non_canonical else BlockReason.MALFORMED
    return InvalidBlock(reason, str(exc))


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """A block header. Field sizes are checked on construction."""

    chain_id: str
    height: int
    parent_hash: bytes
    timestamp_ms: int
    proposer: bytes
    state_root: bytes
    tx_root: bytes
    receipts_root: bytes
    gas_used: int
    gas_limit: int
    tx_count: int

    def __post_init__(self) -> None:
        for name, size in _SIZES:
            value = getattr(self, name)
            if len(value) != size:
                raise InvalidBlock(
                    BlockReason.MALFORMED, f"header {name} must be {size} bytes, got {len(value)}"
                )

    def to_bytes(self) -> bytes:
        """The canonical header bytes (deterministic protobuf)."""
        message = pb.BlockHeader(
            chain_id=self.chain_id,
            height=self.height,
            parent_hash=self.parent_hash,
            timestamp_ms=self.timestamp_ms,
            proposer=self.proposer,
            state_root=self.state_root,
            tx_root=self.tx_root,
            receipts_root=self.receipts_root,
            gas_used=self.gas_used,
            gas_limit=self.gas_limit,
            tx_count=self.tx_count,
        )
        raw: bytes = message.SerializeToString(deterministic=True)
        return raw

    @property
    def hash(self) -> bytes:
        return hashlib.sha256(self.to_bytes()).digest()

    @staticmethod
    def from_bytes(raw: bytes) -> BlockHeader:
        """Decode canonical header bytes; InvalidBlock (malformed / non_canonical) otherwise."""
        try:
            m: Any = parse_canonical(pb.BlockHeader, raw, "block header")
        except WireProblem as exc:
            raise _wire_error(exc) from None
        return BlockHeader(
            m.chain_id,
            m.height,
            m.parent_hash,
            m.timestamp_ms,
            m.proposer,
            m.state_root,
            m.tx_root,
            m.receipts_root,
            m.gas_used,
            m.gas_limit,
            m.tx_count,
        )


@dataclass(frozen=True, slots=True)
class SealedHeader:
    """A header, the exact bytes that were hashed, the proposer's public key and the seal."""

    header: BlockHeader
    header_bytes: bytes
    proposer_key: bytes
    seal: bytes

    @property
    def hash(self) -> bytes:
        return hashlib.sha256(self.header_bytes).digest()

    def to_bytes(self) -> bytes:
        message = pb.SealedHeader(
            header=self.header_bytes, proposer_key=self.proposer_key, seal=self.seal
        )
        raw: bytes = message.SerializeToString(deterministic=True)
        return raw

    @staticmethod
    def from_bytes(raw: bytes) -> SealedHeader:
        """Decode a SealedHeader (canonically); the seal is NOT checked: use verify_seal."""
        try:
            m: Any = parse_canonical(pb.SealedHeader, raw, "sealed header")
        except WireProblem as exc:
            raise _wire_error(exc) from None
        return _sealed_from_message(m)


def _sealed_from_message(m: Any) -> SealedHeader:
    return SealedHeader(BlockHeader.from_bytes(m.header), m.header, m.proposer_key, m.seal)


def seal_digest(block_hash: bytes) -> bytes:
    """What the proposer signs: sha256(b"vmchain-block" || block hash)."""
    return signing_digest(BLOCK_DOMAIN, block_hash)


def seal_header(key: PrivateKey, header: BlockHeader) -> SealedHeader:
    """Seal `header` with `key`, whose address must be header.proposer."""
    if key.address != header.proposer:
        raise ValueError(
            f"sealing key address 0x{key.address.hex()} is not the header's proposer "
            f"0x{header.proposer.hex()}"
        )
    header_bytes = header.to_bytes()
    seal = key.sign_digest(seal_digest(hashlib.sha256(header_bytes).digest()))
    return SealedHeader(header, header_bytes, key.public_key, seal)


def verify_seal(sealed: SealedHeader, authorities: Collection[bytes]) -> None:
    """Check the seal: the key is the proposer's, the proposer an authority, the signature valid."""
    header = sealed.header
    try:
        signer = address_of(sealed.proposer_key)
    except InvalidKey as exc:
        raise InvalidBlock(BlockReason.BAD_SEAL, f"proposer key: {exc}") from None
    if signer != header.proposer:
        raise InvalidBlock(
            BlockReason.WRONG_PROPOSER,
            f"proposer key belongs to 0x{signer.hex()}, header names 0x{header.proposer.hex()}",
        )
    if header.proposer not in authorities:
        raise InvalidBlock(
            BlockReason.NOT_AUTHORITY,
            f"proposer 0x{header.proposer.hex()} is not an authority of this chain",
        )
    if not verify(sealed.proposer_key, seal_digest(sealed.hash), sealed.seal):
        raise InvalidBlock(
            BlockReason.BAD_SEAL,
            f"seal of block {header.height} does not verify with the proposer's key",
        )


# ---------------------------------------------------------------------------------------------
# Header rules


def check_child(parent: BlockHeader, header: BlockHeader) -> None:
    """`header` may follow `parent`: same chain, next height, parent hash, no time travel."""
    if header.chain_id != parent.chain_id:
        raise InvalidBlock(
            BlockReason.WRONG_CHAIN_ID,
            f"header chain id {header.chain_id!r}, parent's {parent.chain_id!r}",
        )
    if header.height != parent.height + 1:
        raise InvalidBlock(
            BlockReason.WRONG_HEIGHT,
            f"header height {header.height} does not follow parent height {parent.height}",
        )
    if header.parent_hash != parent.hash:
        raise InvalidBlock(
            BlockReason.WRONG_PARENT,
            f"header parent_hash {header.parent_hash.hex()} is not the parent's hash "
            f"{parent.hash.hex()}",
        )
    check_timestamp(parent, header)


def check_timestamp(parent: BlockHeader, header: BlockHeader) -> None:
    """Timestamps never decrease (equal is allowed)."""
    if header.timestamp_ms < parent.timestamp_ms:
        raise InvalidBlock(
            BlockReason.TIMESTAMP_DECREASED,
            f"block {header.height} is stamped {header.timestamp_ms} ms, before its parent's "
            f"{parent.timestamp_ms} ms",
        )


def check_not_too_far_in_future(
    header: BlockHeader, now_ms: int, max_drift_ms: int = DEFAULT_MAX_DRIFT_MS
) -> None:
    """A follower's rule for other sealers' blocks: not stamped beyond now + max_drift_ms."""
    if header.timestamp_ms > now_ms + max_drift_ms:
        raise InvalidBlock(
            BlockReason.TOO_FAR_IN_FUTURE,
            f"block {header.height} is stamped {header.timestamp_ms - now_ms} ms in the future "
            f"(at most {max_drift_ms} ms allowed)",
        )


def check_limits(header: BlockHeader, params: ChainParams) -> None:
    """The header agrees with the chain's parameters: chain id, gas limit, tx cap, gas used."""
    if header.chain_id != params.chain_id:
        raise InvalidBlock(
            BlockReason.WRONG_CHAIN_ID,
            f"header chain id {header.chain_id!r}, this chain is {params.chain_id!r}",
        )
    problems = [
        (header.gas_limit != params.block_gas_limit, f"gas_limit is not {params.block_gas_limit}"),
        (header.gas_used > header.gas_limit, f"gas_used {header.gas_used} > gas_limit"),
        (header.tx_count > params.block_max_txs, f"tx_count > {params.block_max_txs}"),
    ]
    for failed, text in problems:
        if failed:
            raise InvalidBlock(BlockReason.OVER_LIMIT, f"block {header.height}: {text}")


def genesis_header(genesis: Genesis, state_root: bytes) -> BlockHeader:
    """The unsealed height-0 header over the genesis state root."""
    return BlockHeader(
        chain_id=genesis.chain_id,
        height=0,
        parent_hash=ZERO_HASH,
        timestamp_ms=genesis.timestamp_ms,
        proposer=ZERO_ADDRESS,
        state_root=state_root,
        tx_root=EMPTY_ROOT,
        receipts_root=EMPTY_ROOT,
        gas_used=0,
        gas_limit=genesis.block_gas_limit,
        tx_count=0,
    )


# ---------------------------------------------------------------------------------------------
# Blocks


def tx_root(txs: Sequence[Tx]) -> bytes:
    """The Merkle root over the transactions' canonical SignedTransaction bytes."""
    return merkle_root([tx.encoded for tx in txs])


def _length_delimited(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + encode_uvarint(len(payload)) + payload


_SEALED_TAG = 0x0A  # Block.sealed: field 1, wire type 2
_TX_TAG = 0x12  # Block.transactions: field 2, wire type 2


@dataclass(frozen=True, slots=True)
class Block:
    """A sealed header and its transactions, in execution order."""

    sealed: SealedHeader
    txs: tuple[Tx, ...]

    @property
    def header(self) -> BlockHeader:
        return self.sealed.header

    @property
    def hash(self) -> bytes:
        return self.sealed.hash

    @property
    def height(self) -> int:
        return self.sealed.header.height

    def to_bytes(self) -> bytes:
        """The canonical `Block` protobuf bytes (built directly; equal to deterministic pb)."""
        parts = [_length_delimited(_SEALED_TAG, self.sealed.to_bytes())]
        parts.extend(_length_delimited(_TX_TAG, tx.encoded) for tx in self.txs)
        return b"".join(parts)


def decode_block(raw: bytes, *, trusted: bool = False) -> Block:
    """Decode canonical Block bytes and check the body against the header (count and tx_root).

    Every transaction is decoded canonically and, unless `trusted`, its signature verified.
    Pass trusted=True only for bytes this node wrote itself. The seal is not checked here: use
    verify_seal with the chain's authorities.
    """
    try:
        m: Any = parse_canonical(pb.Block, raw, "block")
    except WireProblem as exc:
        raise _wire_error(exc) from None
    sealed = _sealed_from_message(m.sealed)
    txs = []
    for i, signed in enumerate(m.transactions):
        try:
            txs.append(decode_signed_message(signed, check_signature=not trusted))
        except TxRejected as exc:
            raise InvalidBlock(
                BlockReason.BAD_TRANSACTION, f"transaction {i} of block: {exc}"
            ) from None
    block = Block(sealed, tuple(txs))
    check_body(block)
    return block


def check_body(block: Block) -> None:
    """The header's tx_count and tx_root match the transactions."""
    header = block.header
    if header.tx_count != len(block.txs):
        raise InvalidBlock(
            BlockReason.TX_COUNT_MISMATCH,
            f"header says {header.tx_count} transactions, block has {len(block.txs)}",
        )
    root = tx_root(block.txs)
    if header.tx_root != root:
        raise InvalidBlock(
            BlockReason.TX_ROOT_MISMATCH,
            f"header tx_root {header.tx_root.hex()} != computed {root.hex()}",
        )
