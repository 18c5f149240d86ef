"""Errors of the state layer: storage, trie nodes, proofs and world-state records."""

from __future__ import annotations


class StateError(Exception):
    """Base class of every state-layer error."""


class StoreError(StateError):
    """The key-value store refused an operation (bad column family, bad types, closed)."""


class UnknownColumnFamily(StoreError):
    """A column family the store was not opened with."""


class MissingNode(StateError):
    """A trie node the trie needs is not in the node store (pruned root, corrupt store)."""

    def __init__(self, node_hash: bytes) -> None:
        super().__init__(f"trie node {node_hash.hex()} is not in the node store")
        self.node_hash = node_hash


class InvalidNode(StateError):
    """Bytes that are not the canonical encoding of a trie node."""


class InvalidKey(StateError):
    """A trie key that is not bytes or is longer than the trie allows."""


class InvalidValue(StateError):
    """A trie value that is not non-empty bytes."""


class InvalidProof(StateError):
    """A Merkle proof that does not prove inclusion or exclusion against the given root."""


class NonLinearCommit(StateError):
    """A commit whose base root is not the head root the node store last committed."""


class InvalidRecord(StateError):
    """A world-state record (account) that does not decode canonically."""


class InsufficientBalance(StateError):
    """A debit larger than the account's balance."""

    def __init__(self, address: bytes, balance: int, amount: int) -> None:
        super().__init__(f"account 0x{address.hex()} has balance {balance}, cannot debit {amount}")
        self.address = address
        self.balance = balance
        self.amount = amount
