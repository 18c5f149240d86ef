"""Contract: call a deployed contract read-only, or sign and send transactions to it.

    token = node.deploy(wallet, module_bytes, abi=Abi.from_dict({...}))
    token.call("balance_of", wallet.address)                  # read-only Call, decoded result
    receipt = token.transact(wallet, "transfer", "0x…", 10)   # sealed; TransactionFailed if not

Functions are named by their selector (`sha256(name)[:4]`). With a typed ABI (a contract deployed
from source or an Artifact, or `Abi.from_dict` of the compiler's JSON) arguments are encoded and
results decoded by their declared types; otherwise arguments are ints, bytes, or `0x…` address
texts (sent as their 20 bytes).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, overload

from vmchain.chain.tx import Tx
from vmchain.client.abi import Abi, Decoded
from vmchain.client.errors import CallFailed
from vmchain.client.types import CallResult, Event, Receipt
from vmchain.crypto import address_to_text, to_address

if TYPE_CHECKING:
    from collections.abc import Generator

    from vmchain.client.node_client import NodeClient, Wait
    from vmchain.client.wallet import Wallet


def _function_label(name_or_selector: str | bytes) -> str:
    if isinstance(name_or_selector, bytes):
        return "selector 0x" + name_or_selector.hex()
    return name_or_selector


class Contract:
    """A deployed contract at `address`, reached through `node`."""

    def __init__(
        self,
        node: NodeClient,
        address: bytes | str,
        abi: Abi | None = None,
        *,
        deploy_receipt: Receipt | None = None,
    ) -> None:
        self.node = node
        self.address_bytes = to_address(address)
        self.address = address_to_text(self.address_bytes)
        self.abi = abi
        self.deploy_receipt = deploy_receipt
        if abi is not None:
            node.register_abi(self.address_bytes, abi)

    def __repr__(self) -> str:
        return f"Contract({self.address})"

    def simulate(
        self,
        name: str | bytes,
        *args: Any,
        sender: bytes | str | None = None,
        value: int = 0,
        height: int | None = None,
    ) -> CallResult:
        """Run `name(*args)` read-only: result, events, status and gas used (never raises for
        a failing status)."""
        result = self.node.simulate(
            self.address_bytes, name, self._args(name, args), sender=sender, value=value,
            height=height,
        )  # fmt: skip
        if self.abi is None or not result.succeeded:
            return result
        typed = self.abi.decode_result(name, result.return_data, result.return_value)
        return replace(result, return_value=typed)

    def _args(self, name: str | bytes, args: tuple[Any, ...]) -> bytes | list[Any]:
        """The typed encoding when the ABI knows `name`, else the values for the plain one."""
        encoded = None if self.abi is None else self.abi.encode_call(name, args)
        return list(args) if encoded is None else encoded

    def call(
        self,
        name: str | bytes,
        *args: Any,
        sender: bytes | str | None = None,
        value: int = 0,
        height: int | None = None,
    ) -> Decoded:
        """The decoded return value of a read-only call; CallFailed if it did not succeed."""
        result = self.simulate(name, *args, sender=sender, value=value, height=height)
        if not result.succeeded:
            raise CallFailed(result, _function_label(name))
        return result.return_value

    def estimate_gas(self, wallet: Wallet, name: str | bytes, *args: Any, value: int = 0) -> int:
        """The gas limit `build` would choose for this call."""
        return self.build(wallet, name, *args, value=value).body.gas_limit

    def build(
        self,
        wallet: Wallet,
        name: str | bytes,
        *args: Any,
        value: int = 0,
        gas_limit: int | None = None,
        gas_price: int | None = None,
        note: bytes | None = None,
    ) -> Tx:
        """A signed call transaction, not sent."""
        return self.node.build_call(
            wallet,
            self.address_bytes,
            name,
            self._args(name, args),
            value=value,
            gas_limit=gas_limit,
            gas_price=gas_price,
            note=note,
        )

    @overload
    def transact(
        self,
        wallet: Wallet,
        name: str | bytes,
        *args: Any,
        value: int = ...,
        wait: Literal[False],
        check: bool = ...,
        gas_limit: int | None = ...,
        gas_price: int | None = ...,
    ) -> str: ...

    @overload
    def transact(
        self,
        wallet: Wallet,
        name: str | bytes,
        *args: Any,
        value: int = ...,
        wait: Literal[True] | float = ...,
        check: bool = ...,
        gas_limit: int | None = ...,
        gas_price: int | None = ...,
    ) -> Receipt: ...

    def transact(
        self,
        wallet: Wallet,
        name: str | bytes,
        *args: Any,
        value: int = 0,
        wait: Wait = True,
        check: bool = True,
        gas_limit: int | None = None,
        gas_price: int | None = None,
    ) -> Receipt | str:
        """Sign, send and (by default) wait for `name(*args)`: the Receipt, or the tx id text
        with wait=False. Raises TransactionFailed, carrying the receipt and the contract's
        message, when the status is not SUCCESS, unless check=False."""
        tx = self.build(wallet, name, *args, value=value, gas_limit=gas_limit, gas_price=gas_price)
        if wait is False:
            return self.node.submit(tx, wait=False, check=check)
        receipt = self.node.submit(tx, wait=wait, check=check)
        if self.abi is None or not receipt.succeeded:
            return receipt
        typed = self.abi.decode_result(name, receipt.return_data, receipt.return_value)
        return replace(receipt, return_value=typed)

    def balance(self) -> int:
        """The contract's own balance, proof-checked."""
        return self.node.balance(self.address_bytes)

    def storage(self, key: bytes, *, height: int | None = None) -> bytes:
        """The contract's storage slot `key` (b"" when unset), proof-checked."""
        return self.node.storage(self.address_bytes, key, height=height).value

    def events(
        self, from_height: int = 0, event: str | None = None, *, timeout: float | None = None
    ) -> Generator[Event, None, None]:
        """This contract's events from `from_height` on (see NodeClient.events)."""
        return self.node.events(from_height, self.address_bytes, event, timeout=timeout)
