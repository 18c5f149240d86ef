"""The world state: account, storage and code namespaces with exact keys, records and
roots; balances, snapshots for nested calls, proofs the SDK checks."""

from __future__ import annotations

from hashlib import sha256

import pytest

from vmchain.state.errors import InsufficientBalance, InvalidProof, InvalidRecord, StateError
from vmchain.state.node import EMPTY_ROOT
from vmchain.state.nodestore import NodeStore
from vmchain.state.trie import Trie
from vmchain.state.world import (
    Account,
    WorldState,
    account_key,
    code_key,
    storage_key,
    verify_account,
    verify_storage,
)

ALICE = bytes.fromhex("11" * 20)
BOB = bytes.fromhex("22" * 20)
CONTRACT = bytes.fromhex("c0" * 20)
CODE = b"\x56\x4d\x43\x01 module bytes"
CODE_HASH = sha256(CODE).digest()


def world() -> WorldState:
    return WorldState(NodeStore.memory())


def test_key_layout() -> None:
    assert account_key(ALICE) == b"\x01" + ALICE
    assert storage_key(CONTRACT, b"slot") == b"\x02" + CONTRACT + sha256(b"slot").digest()
    assert code_key(CODE_HASH) == b"\x03" + CODE_HASH
    with pytest.raises(StateError, match="20 bytes"):
        account_key(b"\x11" * 19)
    with pytest.raises(StateError, match="32 bytes"):
        code_key(b"\x00")


def test_account_records() -> None:
    assert Account(1).encode().hex() == "0101"
    assert Account(10**24).encode().hex() == "0ad3c21bcecceda1000000"
    assert Account(0, CODE_HASH).encode() == b"\x00" + CODE_HASH
    assert Account(300, CODE_HASH).encode() == b"\x02\x01\x2c" + CODE_HASH
    for account in (Account(1), Account(0, CODE_HASH), Account(2**128 - 1, CODE_HASH)):
        assert Account.decode(account.encode()) == account


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (b"\x00", "empty account"),
        (b"\x01\x00", "leading zero"),
        (b"\x02\x00\x01", "leading zero"),
        (b"\x05ab", "bad account balance"),
        (b"\x01\x01" + b"\xaa" * 31, "not 0 or 32"),
        (b"\x11" + b"\x01" * 17, "at most 16"),
    ],
)
def test_account_record_rejects(record: bytes, message: str) -> None:
    with pytest.raises(InvalidRecord, match=message):
        Account.decode(record)


def test_balances() -> None:
    state = world()
    assert state.balance(ALICE) == 0
    state.set_balance(ALICE, 1_000)
    state.credit(BOB, 5)
    state.transfer(ALICE, BOB, 300)
    assert (state.balance(ALICE), state.balance(BOB)) == (700, 305)
    with pytest.raises(InsufficientBalance, match="has balance 700, cannot debit 701") as info:
        state.transfer(ALICE, BOB, 701)
    assert (info.value.balance, info.value.amount) == (700, 701)
    assert (state.balance(ALICE), state.balance(BOB)) == (700, 305)
    state.credit(ALICE, 2**128 - 701)
    with pytest.raises(StateError, match="exceed"):
        state.credit(ALICE, 1)
    with pytest.raises(ValueError, match="outside"):
        state.set_balance(ALICE, -1)
    assert [(a, acct.balance) for a, acct in state.accounts()] == [(ALICE, 2**128 - 1), (BOB, 305)]


def test_empty_accounts_are_not_stored() -> None:
    state = world()
    state.set_balance(ALICE, 5)
    assert state.root() != EMPTY_ROOT
    state.debit(ALICE, 5)
    assert state.root() == EMPTY_ROOT
    assert state.account(ALICE) == Account()


def test_code_by_hash() -> None:
    state = world()
    state.set_balance(CONTRACT, 7)
    assert state.set_code(CONTRACT, CODE) == CODE_HASH
    assert state.account(CONTRACT) == Account(7, CODE_HASH)
    assert state.account(CONTRACT).is_contract
    assert state.code(CONTRACT) == CODE
    assert state.code(ALICE) == b""
    assert state.code_by_hash(CODE_HASH) == CODE
    assert state.trie.get(code_key(CODE_HASH)) == CODE
    twin = bytes.fromhex("c1" * 20)
    state.set_code(twin, CODE)
    assert [k for k, _ in state.trie.items(b"\x03")] == [code_key(CODE_HASH)]
    with pytest.raises(StateError, match="already holds code"):
        state.set_code(CONTRACT, b"other")
    with pytest.raises(StateError, match="must not be empty"):
        state.set_code(ALICE, b"")
    state.set_balance(CONTRACT, 0)
    assert state.account(CONTRACT) == Account(0, CODE_HASH)


def test_storage() -> None:
    state = world()
    assert state.storage(CONTRACT, b"count") == b""
    state.set_storage(CONTRACT, b"count", b"\x05")
    state.set_storage(BOB, b"count", b"\x09")
    assert state.storage(CONTRACT, b"count") == b"\x05"
    assert state.storage(BOB, b"count") == b"\x09"
    assert state.trie.get(b"\x02" + CONTRACT + sha256(b"count").digest()) == b"\x05"
    state.set_storage(CONTRACT, b"count", b"")
    assert state.storage(CONTRACT, b"count") == b""
    assert state.trie.get(storage_key(CONTRACT, b"count")) is None


def test_nested_snapshots_for_calls() -> None:
    state = world()
    state.set_balance(ALICE, 100)
    outer = state.snapshot()
    state.transfer(ALICE, CONTRACT, 40)
    state.set_storage(CONTRACT, b"x", b"1")
    inner = state.snapshot()
    state.transfer(CONTRACT, BOB, 10)
    state.set_storage(CONTRACT, b"x", b"2")
    state.revert(inner)  # the inner call failed
    assert state.balance(BOB) == 0 and state.storage(CONTRACT, b"x") == b"1"
    assert state.balance(CONTRACT) == 40
    inner = state.snapshot()
    state.set_storage(CONTRACT, b"y", b"kept")
    state.release(inner)  # this inner call succeeded
    assert state.storage(CONTRACT, b"y") == b"kept"
    state.revert(outer)  # the whole transaction failed
    assert state.balance(ALICE) == 100 and state.balance(CONTRACT) == 0
    assert state.storage(CONTRACT, b"x") == b""


def populated() -> WorldState:
    state = world()
    state.set_balance(ALICE, 10**24)
    state.set_balance(BOB, 42)
    state.set_code(CONTRACT, CODE)
    state.set_storage(CONTRACT, b"owner", ALICE)
    state.set_storage(CONTRACT, b"count", b"\x03")
    return state


def test_world_root_is_the_root_of_its_key_value_pairs() -> None:
    state = populated()
    trie = Trie(NodeStore.memory())
    trie.put(b"\x01" + ALICE, bytes.fromhex("0ad3c21bcecceda1000000"))
    trie.put(b"\x01" + BOB, b"\x01\x2a")
    trie.put(b"\x01" + CONTRACT, b"\x00" + CODE_HASH)
    trie.put(b"\x03" + CODE_HASH, CODE)
    trie.put(b"\x02" + CONTRACT + sha256(b"owner").digest(), ALICE)
    trie.put(b"\x02" + CONTRACT + sha256(b"count").digest(), b"\x03")
    assert state.root() == trie.root()
    assert state.root().hex() == WORLD_ROOT


WORLD_ROOT = "678e4b36d290d121616abb8100209832e2f5279cc1633d57d2abf53801c163f1"


def test_commit_and_read_back() -> None:
    nodes = NodeStore.memory()
    state = WorldState(nodes)
    state.set_balance(ALICE, 9)
    first = state.commit()
    state.transfer(ALICE, BOB, 4)
    second = state.commit()
    assert WorldState(NodeStore(nodes.store), first).balance(BOB) == 0
    assert WorldState(NodeStore(nodes.store), second).balance(BOB) == 4
    diff = state.collect()
    assert diff.nodes == ()
    state.committed(diff)


def test_proofs_for_the_sdk() -> None:
    state = populated()
    root = state.root()
    assert verify_account(root, ALICE, state.prove_account(ALICE)) == Account(10**24)
    assert verify_account(root, CONTRACT, state.prove_account(CONTRACT)) == Account(0, CODE_HASH)
    nobody = bytes(20)
    assert verify_account(root, nobody, state.prove_account(nobody)) == Account()
    assert (
        verify_storage(root, CONTRACT, b"owner", state.prove_storage(CONTRACT, b"owner")) == ALICE
    )
    assert verify_storage(root, CONTRACT, b"nope", state.prove_storage(CONTRACT, b"nope")) == b""
    with pytest.raises(InvalidProof):
        verify_account(root, BOB, state.prove_account(ALICE))
