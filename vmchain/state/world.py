"""The world state (DESIGN.md section 4): accounts, contract storage and code in one trie.

Keys are namespaced by their first byte:

    0x01 || address(20)                        -> account: balance and code hash
    0x02 || contract(20) || sha256(slot key)   -> one storage slot of a contract
    0x03 || code hash(32)                      -> contract code, shared by every contract
                                                  deployed with the same bytes

An account record is ``varint(len(amount)) || amount || code hash`` (``amount`` in the
canonical form of encoding/amount.py, the code hash empty for a plain account). An
account with zero balance and no code is not stored: reading it gives ``Account()``.
Storage values are non-empty bytes; setting ``b""`` deletes the slot.

``snapshot``/``revert`` (O(1)) let the VM undo a failed nested call. Pure: all storage
goes through the trie's ``NodeStore``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256

from vmchain.encoding.amount import MAX_AMOUNT, check_amount, decode_amount, encode_amount
from vmchain.encoding.errors import EncodingError
from vmchain.encoding.varint import decode_bytes, encode_bytes
from vmchain.state.errors import InsufficientBalance, InvalidRecord, StateError
from vmchain.state.node import EMPTY_ROOT
from vmchain.state.nodestore import NodeStore, TrieDiff
from vmchain.state.proof import verify_proof
from vmchain.state.trie import Trie

ACCOUNT_PREFIX = b"\x01"
STORAGE_PREFIX = b"\x02"
CODE_PREFIX = b"\x03"
ADDRESS_SIZE = 20
CODE_HASH_SIZE = 32


def _check_address(address: bytes) -> bytes:
    if address.__class__ is not bytes or len(address) != ADDRESS_SIZE:
        raise StateError(f"an address is {ADDRESS_SIZE} bytes, got {address!r:.60}")
    return address


def account_key(address: bytes) -> bytes:
    """Trie key of the account at ``address``."""
    return ACCOUNT_PREFIX + _check_address(address)


def storage_key(contract: bytes, slot: bytes) -> bytes:
    """Trie key of storage ``slot`` (any bytes) of ``contract``."""
    return STORAGE_PREFIX + _check_address(contract) + sha256(slot).digest()


def code_key(code_hash: bytes) -> bytes:
    """Trie key of the code whose sha256 is ``code_hash``."""
    if len(code_hash) != CODE_HASH_SIZE:
        raise StateError(f"a code hash is {CODE_HASH_SIZE} bytes, got {len(code_hash)}")
    return CODE_PREFIX + code_hash


@dataclass(frozen=True, slots=True)
class Account:
    """An account: balance in minor units and, for a contract, the sha256 of its code."""

    balance: int = 0
    code_hash: bytes = b""

    @property
    def is_contract(self) -> bool:
        """Whether the account holds code."""
        return bool(self.code_hash)

    @property
    def is_empty(self) -> bool:
        """Zero balance and no code: such an account is not stored."""
        return not self.balance and not self.code_hash

    def encode(self) -> bytes:
        """The account's stored record."""
        if self.code_hash and len(self.code_hash) != CODE_HASH_SIZE:
            raise InvalidRecord(f"code hash is {len(self.code_hash)} bytes, not 32")
        return encode_bytes(encode_amount(self.balance)) + self.code_hash

    @classmethod
    def decode(cls, record: bytes) -> Account:
        """Parse a stored record, rejecting any non-canonical form."""
        try:
            amount, end = decode_bytes(record)
            balance = decode_amount(amount)
        except EncodingError as exc:
            raise InvalidRecord(f"bad account balance: {exc}") from exc
        code_hash = record[end:]
        if len(code_hash) not in (0, CODE_HASH_SIZE):
            raise InvalidRecord(f"account code hash is {len(code_hash)} bytes, not 0 or 32")
        account = cls(balance, code_hash)
        if account.is_empty:
            raise InvalidRecord("an empty account is never stored")
        return account


class WorldState:
    """Accounts, storage and code over one trie, at one root plus uncommitted changes."""

    __slots__ = ("trie",)

    def __init__(self, nodes: NodeStore, root: bytes = EMPTY_ROOT) -> None:
        self.trie = Trie(nodes, root)

    # -- accounts ------------------------------------------------------------------------

    def account(self, address: bytes) -> Account:
        """The account at ``address`` (``Account()`` if none is stored)."""
        record = self.trie.get(account_key(address))
        return Account() if record is None else Account.decode(record)

    def set_account(self, address: bytes, account: Account) -> None:
        """Store ``account`` at ``address``; an empty account is removed."""
        key = account_key(address)
        if account.is_empty:
            self.trie.delete(key)
        else:
            self.trie.put(key, account.encode())

    def balance(self, address: bytes) -> int:
        """The balance of ``address``."""
        return self.account(address).balance

    def set_balance(self, address: bytes, amount: int) -> None:
        """Set the balance of ``address`` to ``amount``."""
        check_amount(amount)
        account = self.account(address)
        self.set_account(address, Account(amount, account.code_hash))

    def credit(self, address: bytes, amount: int) -> None:
        """Add ``amount`` to the balance of ``address``."""
        check_amount(amount)
        total = self.balance(address) + amount
        if total > MAX_AMOUNT:
            raise StateError(f"balance of 0x{address.hex()} would exceed 2**128-1")
        self.set_balance(address, total)

    def debit(self, address: bytes, amount: int) -> None:
        """Take ``amount`` from ``address``; raises ``InsufficientBalance`` if it lacks it."""
        check_amount(amount)
        balance = self.balance(address)
        if balance < amount:
            raise InsufficientBalance(address, balance, amount)
        self.set_balance(address, balance - amount)

    def transfer(self, sender: bytes, recipient: bytes, amount: int) -> None:
        """Move ``amount`` from ``sender`` to ``recipient`` (all or nothing)."""
        self.debit(sender, amount)
        self.credit(recipient, amount)

    def accounts(self) -> Iterator[tuple[bytes, Account]]:
        """Every stored (address, account), in address order."""
        for key, record in self.trie.items(ACCOUNT_PREFIX):
            yield key[1:], Account.decode(record)

    # -- code ----------------------------------------------------------------------------

    def set_code(self, address: bytes, code: bytes) -> bytes:
        """Make ``address`` a contract running ``code``; returns the code hash."""
        if not code:
            raise StateError("contract code must not be empty")
        account = self.account(address)
        if account.code_hash:
            raise StateError(f"account 0x{address.hex()} already holds code")
        code_hash = sha256(code).digest()
        self.trie.put(code_key(code_hash), code)
        self.set_account(address, Account(account.balance, code_hash))
        return code_hash

    def code_hash(self, address: bytes) -> bytes:
        """The code hash of ``address`` (``b""`` for a plain account)."""
        return self.account(address).code_hash

    def code(self, address: bytes) -> bytes:
        """The code of ``address`` (``b""`` for a plain account)."""
        code_hash = self.account(address).code_hash
        return b"" if not code_hash else self.code_by_hash(code_hash) or b""

    def code_by_hash(self, code_hash: bytes) -> bytes | None:
        """The code whose sha256 is ``code_hash``, or None."""
        return self.trie.get(code_key(code_hash))

    # -- storage -------------------------------------------------------------------------

    def storage(self, contract: bytes, slot: bytes) -> bytes:
        """The value of ``contract``'s storage ``slot`` (``b""`` when unset)."""
        return self.trie.get(storage_key(contract, slot)) or b""

    def set_storage(self, contract: bytes, slot: bytes, value: bytes) -> None:
        """Set ``contract``'s storage ``slot``; ``b""`` deletes it."""
        key = storage_key(contract, slot)
        if value:
            self.trie.put(key, value)
        else:
            self.trie.delete(key)

    # -- snapshots, roots, commits, proofs -----------------------------------------------

    def snapshot(self) -> int:
        """Mark the current state; ``revert(token)`` returns to it."""
        return self.trie.snapshot()

    def revert(self, token: int) -> None:
        """Undo every change since ``snapshot()`` returned ``token``."""
        self.trie.revert(token)

    def release(self, token: int) -> None:
        """Keep the changes since ``snapshot()`` returned ``token``; forget the snapshot."""
        self.trie.release(token)

    def root(self) -> bytes:
        """The state root of the current contents (nothing is written)."""
        return self.trie.root()

    def collect(self) -> TrieDiff:
        """The trie changes to write in the caller's batch (see ``NodeStore.stage``)."""
        return self.trie.collect()

    def committed(self, diff: TrieDiff) -> None:
        """Tell the state that ``diff`` has been written."""
        self.trie.committed(diff)

    def commit(self, version: int | None = None, retain: int | None = None) -> bytes:
        """Write the changes in one batch of their own; return the new root."""
        return self.trie.commit(version, retain)

    def prove_account(self, address: bytes) -> list[bytes]:
        """Proof of the account at ``address`` (or of its absence)."""
        return self.trie.prove(account_key(address))

    def prove_storage(self, contract: bytes, slot: bytes) -> list[bytes]:
        """Proof of ``contract``'s storage ``slot`` (or of its absence)."""
        return self.trie.prove(storage_key(contract, slot))


def verify_account(root: bytes, address: bytes, proof: Sequence[bytes]) -> Account:
    """The account ``proof`` proves at ``address`` under ``root`` (``Account()`` when it
    proves absence). Raises ``InvalidProof`` or ``InvalidRecord``."""
    record = verify_proof(root, account_key(address), proof)
    return Account() if record is None else Account.decode(record)


def verify_storage(root: bytes, contract: bytes, slot: bytes, proof: Sequence[bytes]) -> bytes:
    """The storage value ``proof`` proves under ``root`` (``b""`` when unset)."""
    return verify_proof(root, storage_key(contract, slot), proof) or b""
