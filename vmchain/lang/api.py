"""The names a contract file imports from `vmchain.lang`, as real Python objects.

They exist so that editors and type checkers (mypy, pyright) understand a contract: every
name has its type. They do not run a contract: the compiler reads the source and maps each
name to VM instructions (docs/contracts.md, "The contract language"). Calling a builtin or
reading `msg`/`block` outside the compiler raises `NotInContract`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, NoReturn, TypeVar, dataclass_transform

K = TypeVar("K")
V = TypeVar("V")
F = TypeVar("F", bound=Callable[..., Any])


class NotInContract(RuntimeError):
    """A contract builtin was used in plain Python: it has meaning only when compiled."""


def _outside(what: str) -> NoReturn:
    raise NotInContract(
        f"{what} has a value only inside a compiled contract; compile the file with "
        "`vmchain contract compile` or test it with vmchain.testing"
    )


class Address(bytes):
    """A 20-byte account or contract address (`Address(b)` checks the length)."""


class Map(Generic[K, V]):
    """A storage mapping from K to V; absent keys read as V's zero value."""

    def __getitem__(self, key: K) -> V:
        _outside("a Map")

    def __setitem__(self, key: K, value: V) -> None:
        _outside("a Map")

    def __delitem__(self, key: K) -> None:
        _outside("a Map")


class Contract:
    """Base of the one contract class of a file; storage fields are class annotations."""

    @property
    def balance(self) -> int:
        """This contract's balance."""
        _outside("self.balance")

    @property
    def address(self) -> Address:
        """This contract's address."""
        _outside("self.address")


@dataclass_transform(frozen_default=True)
class Event:
    """Base of event classes: `class Paid(Event): who: Address; amount: int`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True)(cls)


class Interface:
    """Another contract's interface: `Token(address).transfer(to, 5)`, `value=` sends funds."""

    def __init__(self, address: Address, value: int = 0) -> None:
        self.address = address
        self.value = value


class _Msg:
    """The current call: who sent it and how much value came with it."""

    @property
    def sender(self) -> Address:
        _outside("msg.sender")

    @property
    def value(self) -> int:
        _outside("msg.value")


class _Block:
    """The block the call runs in."""

    @property
    def timestamp(self) -> int:
        """Seconds."""
        _outside("block.timestamp")

    @property
    def timestamp_ms(self) -> int:
        _outside("block.timestamp_ms")

    @property
    def height(self) -> int:
        _outside("block.height")

    @property
    def chain_id(self) -> bytes:
        _outside("block.chain_id")


msg = _Msg()
block = _Block()


def public(fn: F) -> F:
    """Callable from outside (by transactions, calls and other contracts)."""
    return fn


def view(fn: F) -> F:
    """Public and read-only: it may not write storage, emit, transfer or call non-views."""
    return fn


def payable(fn: F) -> F:
    """Public and accepts value (a call with value to any other function fails)."""
    return fn


def require(condition: bool, message: str = "") -> None:
    """Revert the call with `message` unless `condition` holds."""
    _outside("require()")


def emit(event: Event) -> None:
    """Record an event on the receipt."""
    _outside("emit()")


def transfer(to: Address, amount: int) -> None:
    """Send `amount` from this contract's balance to `to`."""
    _outside("transfer()")


def sha256(data: bytes) -> bytes:
    """The 32-byte SHA-256 digest."""
    _outside("sha256()")


def verify(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    """Whether `signature` (64 bytes r||s) signs `digest` under the 34-byte public key."""
    _outside("verify()")


def address_of(public_key: bytes) -> Address:
    """The address of a 34-byte public key (scheme byte || compressed point)."""
    _outside("address_of()")


# The names a contract may import, for the parser's whitelist.
EXPORTS: tuple[str, ...] = (
    "Address",
    "Contract",
    "Event",
    "Interface",
    "Map",
    "address_of",
    "block",
    "emit",
    "msg",
    "payable",
    "public",
    "require",
    "sha256",
    "transfer",
    "verify",
    "view",
)
