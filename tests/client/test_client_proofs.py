"""Proof verification: real proofs from a MemoryStore-backed world state and real seals are
accepted; tampered proofs, claims, seals and headers are rejected, directly and through a node
that lies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from hashlib import sha256

import pytest
from client_fakenode import SEALER, Served, running

from vmchain.chain.block import BlockHeader, SealedHeader, seal_header
from vmchain.chain.genesis import dev_key
from vmchain.client import NodeClient, ProofError, RetryPolicy
from vmchain.client.proofs import verify_account_proof, verify_header, verify_storage_proof
from vmchain.state.nodestore import NodeStore
from vmchain.state.world import WorldState

ALICE = b"\xa1" * 20
CONTRACT = b"\xc0" * 20
CODE = b"\x00VMC\x01 module"
AUTHORITIES = (SEALER.address,)


def sealed_state() -> tuple[WorldState, SealedHeader]:
    world = WorldState(NodeStore.memory())
    world.set_balance(ALICE, 10**24)
    world.set_code(CONTRACT, CODE)
    world.set_storage(CONTRACT, b"owner", ALICE)
    root = world.commit(1)
    header = BlockHeader(
        chain_id="vmchain-dev",
        height=7,
        parent_hash=b"\x01" * 32,
        timestamp_ms=1_700_000_000_000,
        proposer=SEALER.address,
        state_root=root,
        tx_root=b"\x02" * 32,
        receipts_root=b"\x03" * 32,
        gas_used=0,
        gas_limit=100_000_000,
        tx_count=0,
    )
    return world, seal_header(SEALER, header)


def test_real_proofs_verify() -> None:
    world, sealed = sealed_state()
    header = verify_header(sealed, AUTHORITIES, chain_id="vmchain-dev")
    account = verify_account_proof(
        header, ALICE, world.prove_account(ALICE), balance=10**24, code_hash=b""
    )
    assert account.balance == 10**24
    contract = verify_account_proof(
        header, CONTRACT, world.prove_account(CONTRACT), balance=0, code_hash=sha256(CODE).digest()
    )
    assert contract.is_contract
    nobody = b"\x99" * 20
    assert verify_account_proof(
        header, nobody, world.prove_account(nobody), balance=0, code_hash=b""
    ).is_empty
    owner = world.prove_storage(CONTRACT, b"owner")
    assert verify_storage_proof(header, CONTRACT, b"owner", owner, value=ALICE) == ALICE
    unset = world.prove_storage(CONTRACT, b"unset")
    assert verify_storage_proof(header, CONTRACT, b"unset", unset, value=b"") == b""


def test_a_wrong_claim_is_rejected() -> None:
    world, sealed = sealed_state()
    proof = world.prove_account(ALICE)
    with pytest.raises(ProofError, match=f"claimed balance 1, the proof proves {10**24}$"):
        verify_account_proof(sealed.header, ALICE, proof, balance=1, code_hash=b"")
    with pytest.raises(ProofError, match="claimed 00, the proof proves"):
        verify_storage_proof(
            sealed.header, CONTRACT, b"owner", world.prove_storage(CONTRACT, b"owner"), value=b"\0"
        )
    # Claiming absence of a present account.
    with pytest.raises(ProofError, match="claimed balance 0"):
        verify_account_proof(sealed.header, ALICE, proof, balance=0, code_hash=b"")


def test_a_tampered_proof_is_rejected() -> None:
    world, sealed = sealed_state()
    proof = world.prove_account(ALICE)
    flipped = [*proof[:-1], proof[-1][:-1] + bytes([proof[-1][-1] ^ 1])]
    with pytest.raises(ProofError, match="proof does not verify: proof node"):
        verify_account_proof(sealed.header, ALICE, flipped, balance=10**24, code_hash=b"")
    with pytest.raises(ProofError, match="proof does not verify"):
        verify_account_proof(sealed.header, ALICE, proof[:-1], balance=10**24, code_hash=b"")
    other = world.prove_account(CONTRACT)
    with pytest.raises(ProofError, match="proof does not verify"):
        verify_account_proof(sealed.header, ALICE, other, balance=10**24, code_hash=b"")
    wrong_root = replace(sealed.header, state_root=b"\x55" * 32)
    with pytest.raises(ProofError, match="proof does not verify"):
        verify_account_proof(wrong_root, ALICE, proof, balance=10**24, code_hash=b"")


def test_seals_are_checked_against_the_authorities() -> None:
    _, sealed = sealed_state()
    with pytest.raises(ProofError, match="is not an authority"):
        verify_header(sealed, (b"\x42" * 20,))
    forged = SealedHeader(sealed.header, sealed.header_bytes, sealed.proposer_key, b"\1" * 64)
    with pytest.raises(ProofError, match="seal of block 7 does not verify"):
        verify_header(forged, AUTHORITIES)
    # A header changed after sealing (a different state root) no longer matches its seal.
    changed = replace(sealed.header, state_root=b"\x66" * 32)
    moved = SealedHeader(changed, changed.to_bytes(), sealed.proposer_key, sealed.seal)
    with pytest.raises(ProofError, match="does not verify"):
        verify_header(moved, AUTHORITIES)
    other = dev_key(1)
    with pytest.raises(ProofError, match="proposer key belongs to"):
        verify_header(
            SealedHeader(sealed.header, sealed.header_bytes, other.public_key, sealed.seal),
            AUTHORITIES,
        )
    with pytest.raises(ProofError, match="expected 'other-chain'"):
        verify_header(sealed, AUTHORITIES, chain_id="other-chain")


# -- through a node ------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[Served]:
    with running() as served:
        yield served


FAST = RetryPolicy(deadline=3.0, initial_backoff=0.01, jitter=0.0)


def test_node_answers_are_verified(fake: Served) -> None:
    def deploy(world: WorldState) -> None:
        world.set_code(CONTRACT, CODE)
        world.set_storage(CONTRACT, b"k", b"v")

    fake.chain.seal(mutate=deploy)
    with NodeClient(fake.target, retry=FAST) as node:
        account = node.account(dev_key(3).address)
        assert (account.balance, account.height, account.verified) == (10**24, 1, True)
        assert node.storage(CONTRACT, b"k").value == b"v"
        assert node.storage(CONTRACT, b"k", height=0).value == b""
        assert node.account(CONTRACT).code_hash == sha256(CODE).digest()
        # At genesis (unsealed) the genesis shape is accepted.
        assert node.balance(dev_key(3).address, height=0) == 10**24


def test_a_lying_node_is_caught(fake: Served) -> None:
    fake.chain.seal()
    fake.node.balance_lie = 1
    with NodeClient(fake.target, retry=FAST) as node:
        with pytest.raises(
            ProofError, match=f"claimed balance {10**24 + 1}, the proof proves {10**24}$"
        ):
            node.balance(dev_key(3).address)
        assert node.balance(dev_key(3).address, prove=False) == 10**24 + 1


def test_pinned_authorities_and_genesis(fake: Served) -> None:
    fake.chain.seal()
    address = dev_key(3).address
    with NodeClient(fake.target, retry=FAST, authorities=[b"\x42" * 20]) as node:
        with pytest.raises(ProofError, match="is not an authority"):
            node.balance(address)
        with pytest.raises(ProofError, match="is not an authority"):
            node.block(1)
    genesis_hash = fake.chain.blocks[0].sealed.hash
    with NodeClient(fake.target, retry=FAST, genesis_hash=genesis_hash.hex()) as node:
        assert node.balance(address, height=0) == 10**24
    pinned = NodeClient(fake.target, retry=FAST, genesis_hash=b"\x07" * 32)
    with pinned, pytest.raises(ProofError, match="is not the pinned genesis"):
        pinned.balance(address, height=0)
