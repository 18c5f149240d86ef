"""What the SDK hands back: receipts, events, accounts, blocks, call results, node info.

Plain frozen dataclasses built from the node's protobuf answers by the `*_from_pb` functions;
protobuf never leaks to SDK users. Addresses and hashes are text (`0x` + lowercase hex), amounts
are ints, return values and event fields are decoded (see client/abi.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vmchain.chain.block import BlockHeader, SealedHeader
from vmchain.chain.receipt import Receipt as ChainReceipt
from vmchain.chain.receipt import from_message as chain_receipt_from_message
from vmchain.chain.tx import Tx
from vmchain.client.abi import NO_ABI, Abi, Decoded, decode_return, event_args
from vmchain.crypto import ADDRESS_SIZE, address_to_text

SUCCESS = "SUCCESS"

# Which ABI to decode a contract's events with: contract address (20 bytes) -> Abi.
AbiLookup = Callable[[bytes], Abi]


def no_abi(_contract: bytes) -> Abi:
    return NO_ABI


def hex_text(raw: bytes) -> str:
    """`0x` + lowercase hex (tx ids, hashes)."""
    return "0x" + raw.hex()


def parse_hash(text: str | bytes, what: str = "tx id") -> bytes:
    """A 32-byte id from bytes or hex text (with or without `0x`)."""
    if isinstance(text, bytes):
        raw = text
    else:
        digits = text[2:] if text.startswith("0x") else text
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            raise ValueError(f"{what} must be 64 hex digits, got {text!r}") from None
    if len(raw) != 32:
        raise ValueError(f"{what} must be 32 bytes (64 hex digits), got {len(raw)} bytes")
    return raw


def _address_or_none(raw: bytes) -> str | None:
    return address_to_text(raw) if len(raw) == ADDRESS_SIZE else None


@dataclass(frozen=True, slots=True)
class Event:
    """A contract event: `args` is a dict by field name (or {"data": values} without an ABI)."""

    name: str
    args: dict[str, Any]
    contract: str
    index: int  # position among the block's events
    data: bytes = field(repr=False, default=b"")
    height: int = 0
    tx_id: str = ""
    tx_index: int = 0
    timestamp_ms: int = 0


def event_from_pb(
    message: Any, abi_for: AbiLookup, *, height: int = 0, tx_id: str = "", tx_index: int = 0
) -> Event:
    contract: bytes = message.contract
    return Event(
        name=message.name,
        args=event_args(abi_for(contract), message.name, message.data),
        contract=_address_or_none(contract) or hex_text(contract),
        index=message.index,
        data=message.data,
        height=height,
        tx_id=tx_id,
        tx_index=tx_index,
    )


def event_info_from_pb(message: Any, abi_for: AbiLookup) -> Event:
    """An event from the StreamEvents RPC, with its block and transaction."""
    event = event_from_pb(
        message.event,
        abi_for,
        height=message.height,
        tx_id=hex_text(message.tx_id),
        tx_index=message.tx_index,
    )
    return Event(
        event.name,
        event.args,
        event.contract,
        event.index,
        event.data,
        event.height,
        event.tx_id,
        event.tx_index,
        message.block_timestamp_ms,
    )


@dataclass(frozen=True, slots=True)
class Receipt:
    """The outcome of an included transaction."""

    tx_id: str
    height: int
    index: int
    status: str
    gas_used: int
    return_value: Decoded
    events: tuple[Event, ...]
    error: str
    contract_address: str | None
    return_data: bytes = field(repr=False, default=b"")
    raw: ChainReceipt | None = field(repr=False, default=None, compare=False)

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCESS


def receipt_from_pb(message: Any, abi_for: AbiLookup = no_abi) -> Receipt:
    """The SDK receipt of a protobuf Receipt (ValueError for an unknown status)."""
    raw = chain_receipt_from_message(message)
    tx_id = hex_text(raw.tx_id)
    return Receipt(
        tx_id=tx_id,
        height=raw.height,
        index=raw.index,
        status=raw.status,
        gas_used=raw.gas_used,
        return_value=decode_return(raw.return_value),
        events=tuple(
            event_from_pb(e, abi_for, height=raw.height, tx_id=tx_id, tx_index=raw.index)
            for e in message.events
        ),
        error=raw.error,
        contract_address=_address_or_none(raw.contract_address),
        return_data=raw.return_value,
        raw=raw,
    )


@dataclass(frozen=True, slots=True)
class CallResult:
    """A read-only call: what it returned, the gas it used (the estimate) and its status."""

    return_value: Decoded
    gas_used: int
    events: tuple[Event, ...]
    error: str
    status: str
    height: int
    return_data: bytes = field(repr=False, default=b"")

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCESS


def call_result_from_pb(message: Any, status_name: str, abi_for: AbiLookup) -> CallResult:
    return CallResult(
        return_value=decode_return(message.return_value),
        gas_used=message.gas_used,
        events=tuple(event_from_pb(e, abi_for, height=message.height) for e in message.events),
        error=message.error,
        status=status_name,
        height=message.height,
        return_data=message.return_value,
    )


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What GetNodeInfo says about the chain and the node."""

    chain_id: str
    height: int
    version: str
    authorities: tuple[bytes, ...]
    head_hash: bytes
    head_timestamp_ms: int
    dev: bool
    max_validity_window: int
    min_gas_price: int
    block_gas_limit: int

    @property
    def authority_addresses(self) -> tuple[str, ...]:
        return tuple(address_to_text(a) for a in self.authorities)


def node_info_from_pb(message: Any) -> NodeInfo:
    return NodeInfo(
        chain_id=message.chain_id,
        height=message.height,
        version=message.version,
        authorities=tuple(message.authorities),
        head_hash=message.head_hash,
        head_timestamp_ms=message.head_timestamp_ms,
        dev=message.dev,
        max_validity_window=message.max_validity_window,
        min_gas_price=message.min_gas_price,
        block_gas_limit=message.block_gas_limit,
    )


@dataclass(frozen=True, slots=True)
class AccountState:
    """An account at a height; `verified` when its proof checked against a sealed header."""

    address: str
    balance: int
    code_hash: bytes
    height: int
    verified: bool

    @property
    def is_contract(self) -> bool:
        return bool(self.code_hash)


@dataclass(frozen=True, slots=True)
class StorageValue:
    """One storage slot of a contract at a height (b"" when unset)."""

    value: bytes
    exists: bool
    height: int
    verified: bool


@dataclass(frozen=True, slots=True)
class Block:
    """A sealed block: its header, seal and (when asked for in full) transactions and receipts."""

    hash: str
    header: BlockHeader
    sealed: SealedHeader
    transactions: tuple[Tx, ...] = ()
    receipts: tuple[Receipt, ...] = ()

    @property
    def height(self) -> int:
        return self.header.height

    @property
    def timestamp_ms(self) -> int:
        return self.header.timestamp_ms

    @property
    def proposer(self) -> str:
        return address_to_text(self.header.proposer)

    @property
    def tx_count(self) -> int:
        return self.header.tx_count


@dataclass(frozen=True, slots=True)
class TransactionInfo:
    """A sealed transaction and where it is."""

    tx: Tx
    height: int
    index: int

    @property
    def tx_id(self) -> str:
        return hex_text(self.tx.tx_id)


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """One transaction's admission in a streamed batch.

    `code` is a gRPC status code name ("OK" when admitted). A transaction the node already had
    (ALREADY_EXISTS) counts as `accepted`: resubmitting is idempotent.
    """

    tx_id: str
    code: str
    error: str

    @property
    def accepted(self) -> bool:
        return self.code in ("OK", "ALREADY_EXISTS")


@dataclass(frozen=True, slots=True)
class DevState:
    """The dev chain's head after a Dev call."""

    height: int
    timestamp_ms: int
