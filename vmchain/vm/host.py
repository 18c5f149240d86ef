"""The host interface: everything the VM reaches outside its own stack and locals.

The chain implements ``Host`` over the world state; ``testing_host`` implements it in
memory. One host object serves one contract execution (its caller, address and value are
fixed); ``call`` runs another contract and must undo that callee's writes (storage,
balances, events) when the callee fails. The VM imports nothing from state/ or chain/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What a cross-contract call gives back to the calling contract."""

    ok: bool
    gas_used: int  # at most the gas the call was given
    data: bytes  # ABI-encoded result when ok, else the callee's error message (UTF-8)


class Host(Protocol):
    """One contract execution's view of the chain."""

    @property
    def caller(self) -> bytes: ...  # 20-byte address of whoever called this contract

    @property
    def address(self) -> bytes: ...  # 20-byte address of the running contract

    @property
    def value(self) -> int: ...  # amount sent with the call, already credited

    @property
    def block_height(self) -> int: ...

    @property
    def timestamp_ms(self) -> int: ...

    @property
    def chain_id(self) -> bytes: ...  # UTF-8

    def storage_get(self, key: bytes) -> bytes:
        """This contract's value at ``key``; b"" when absent."""
        ...

    def storage_set(self, key: bytes, value: bytes) -> None:
        """Write a non-empty value (the VM turns an empty value into a delete)."""
        ...

    def storage_delete(self, key: bytes) -> None: ...

    def balance(self, address: bytes) -> int: ...

    def transfer(self, to: bytes, amount: int) -> bool:
        """Move ``amount`` (>= 0) from this contract to ``to``; False if it has too little."""
        ...

    def emit(self, name: bytes, data: bytes) -> None:
        """Record an event of this contract: its name and ABI-encoded fields."""
        ...

    def call(
        self,
        to: bytes,
        selector: bytes,
        args: bytes,
        value: int,
        gas: int,
        static: bool,
        depth: int,
    ) -> CallOutcome:
        """Run function ``selector`` of contract ``to`` with ABI ``args``, sending ``value``.

        ``gas`` is the most it may use, ``static`` forbids writes (a view call), ``depth``
        is the callee's cross-contract depth (pass it to the VM's ``execute``). On failure
        every write of the callee (and its value transfer) is undone.
        """
        ...
