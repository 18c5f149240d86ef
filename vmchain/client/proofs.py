"""Checking a node's answers without trusting the node: seals, state proofs, block bodies.

A sealed header is trusted when its seal verifies with the key of its proposer and the proposer
is one of the chain's authorities (chain/block.py `verify_seal`). The genesis header (height 0)
is not sealed: it is accepted when it has the genesis shape (zero parent and proposer) and, when
the caller pinned one, the expected genesis hash. Account and storage values are then trusted
only if their Merkle proof (state/proof.py) leads from that header's state root to exactly the
value the node claimed. Every failure raises `ProofError` saying what did not hold.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from vmchain.chain.block import (
    ZERO_ADDRESS,
    ZERO_HASH,
    BlockHeader,
    SealedHeader,
    check_body,
)
from vmchain.chain.block import Block as ChainBlock
from vmchain.chain.block import verify_seal as chain_verify_seal
from vmchain.chain.errors import InvalidBlock
from vmchain.chain.receipt import Receipt as ChainReceipt
from vmchain.chain.receipt import receipts_root
from vmchain.chain.tx import Tx
from vmchain.client.errors import ProofError
from vmchain.state.errors import InvalidProof, InvalidRecord
from vmchain.state.world import Account, verify_account, verify_storage


def decode_sealed(raw: bytes) -> SealedHeader:
    """A SealedHeader from the node's bytes; ProofError when they are not one."""
    try:
        return SealedHeader.from_bytes(raw)
    except InvalidBlock as exc:
        raise ProofError(f"the node sent a header that does not decode: {exc}") from None


def verify_header(
    sealed: SealedHeader,
    authorities: Collection[bytes],
    *,
    chain_id: str | None = None,
    genesis_hash: bytes | None = None,
) -> BlockHeader:
    """The header, once its seal (or, at height 0, its genesis shape) and chain id hold."""
    header = sealed.header
    if chain_id is not None and header.chain_id != chain_id:
        raise ProofError(f"header is of chain {header.chain_id!r}, expected {chain_id!r}")
    if header.height == 0:
        _check_genesis(sealed, genesis_hash)
        return header
    try:
        chain_verify_seal(sealed, authorities)
    except InvalidBlock as exc:
        raise ProofError(f"block {header.height}: {exc.message}") from None
    return header


def _check_genesis(sealed: SealedHeader, genesis_hash: bytes | None) -> None:
    header = sealed.header
    if header.parent_hash != ZERO_HASH or header.proposer != ZERO_ADDRESS:
        raise ProofError("a height-0 header must be the genesis header (zero parent, no proposer)")
    if genesis_hash is not None and sealed.hash != genesis_hash:
        raise ProofError(
            f"genesis header hash {sealed.hash.hex()} is not the pinned genesis "
            f"{genesis_hash.hex()}"
        )


def verify_account_proof(
    header: BlockHeader,
    address: bytes,
    proof: Sequence[bytes],
    *,
    balance: int,
    code_hash: bytes,
) -> Account:
    """The account the proof proves under header.state_root; it must be what the node claimed."""
    try:
        proven = verify_account(header.state_root, address, list(proof))
    except (InvalidProof, InvalidRecord) as exc:
        raise ProofError(
            f"account 0x{address.hex()} at height {header.height}: proof does not verify: {exc}"
        ) from None
    if proven.balance != balance or proven.code_hash != code_hash:
        raise ProofError(
            f"account 0x{address.hex()} at height {header.height}: the node claimed balance "
            f"{balance}, the proof proves {proven.balance}"
            + ("" if proven.code_hash == code_hash else " (and a different code hash)")
        )
    return proven


def verify_storage_proof(
    header: BlockHeader,
    contract: bytes,
    key: bytes,
    proof: Sequence[bytes],
    *,
    value: bytes,
) -> bytes:
    """The storage value the proof proves; it must be what the node claimed."""
    try:
        proven = verify_storage(header.state_root, contract, key, list(proof))
    except InvalidProof as exc:
        raise ProofError(
            f"storage of 0x{contract.hex()} at height {header.height}: proof does not verify: {exc}"
        ) from None
    if proven != value:
        raise ProofError(
            f"storage of 0x{contract.hex()} key {key.hex()} at height {header.height}: the node "
            f"claimed {value.hex() or 'empty'}, the proof proves {proven.hex() or 'empty'}"
        )
    return proven


def verify_block_body(
    sealed: SealedHeader, txs: Sequence[Tx], receipts: Sequence[ChainReceipt]
) -> None:
    """A full block's transactions and receipts match its header's count and roots."""
    try:
        check_body(ChainBlock(sealed, tuple(txs)))
    except InvalidBlock as exc:
        raise ProofError(f"block {sealed.header.height}: {exc.message}") from None
    if receipts:
        root = receipts_root(receipts)
        if root != sealed.header.receipts_root:
            raise ProofError(
                f"block {sealed.header.height}: receipts do not hash to the header's "
                f"receipts_root ({root.hex()} != {sealed.header.receipts_root.hex()})"
            )
