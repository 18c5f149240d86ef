"""Receipts: what executing one transaction produced, and their canonical bytes.

A receipt's canonical bytes are the deterministic protobuf serialization of the `Receipt`
message; the block's receipts_root is the Merkle root (chain/merkle.py) over those bytes in block
order, so a receipt plus its inclusion proof plus a sealed header is an offline proof of payment.
`status` is the name of a `TxStatus` enum value of types.proto ("SUCCESS", "REVERTED", ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.errors import InvalidReceipt
from vmchain.chain.merkle import merkle_root
from vmchain.chain.tx import WireProblem, parse_canonical

# TxStatus names in enum order, without TX_STATUS_UNSPECIFIED (never a valid receipt status).
STATUS_NAMES: tuple[str, ...] = tuple(
    name for name, number in pb.TxStatus.items() if number != pb.TX_STATUS_UNSPECIFIED
)
_STATUS_NUMBER: dict[str, Any] = {name: pb.TxStatus.Value(name) for name in STATUS_NAMES}
_STATUS_NAME: dict[int, str] = {number: name for name, number in _STATUS_NUMBER.items()}
SUCCESS = "SUCCESS"


@dataclass(frozen=True, slots=True)
class Event:
    """An event emitted by `contract`; `index` is its position among the block's events."""

    contract: bytes
    name: str
    data: bytes
    index: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """The outcome of one included transaction."""

    tx_id: bytes
    height: int
    index: int
    status: str
    gas_used: int
    return_value: bytes = b""
    events: tuple[Event, ...] = ()
    error: str = ""
    contract_address: bytes = b""

    def __post_init__(self) -> None:
        if self.status not in _STATUS_NUMBER:
            raise ValueError(f"unknown receipt status {self.status!r}; one of {STATUS_NAMES}")

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCESS

    def to_bytes(self) -> bytes:
        """The canonical bytes the receipts_root commits to."""
        raw: bytes = to_message(self).SerializeToString(deterministic=True)
        return raw

    @staticmethod
    def from_bytes(raw: bytes) -> Receipt:
        """Decode canonical receipt bytes; InvalidReceipt on anything else."""
        try:
            message: Any = parse_canonical(pb.Receipt, raw, "receipt")
        except WireProblem as exc:
            raise InvalidReceipt(str(exc)) from None
        return from_message(message)


def to_message(receipt: Receipt) -> Any:
    """The protobuf Receipt (for node/ conversion and hashing)."""
    return pb.Receipt(
        tx_id=receipt.tx_id,
        height=receipt.height,
        index=receipt.index,
        status=_STATUS_NUMBER[receipt.status],
        gas_used=receipt.gas_used,
        return_value=receipt.return_value,
        events=[
            pb.Event(contract=e.contract, name=e.name, data=e.data, index=e.index)
            for e in receipt.events
        ],
        error=receipt.error,
        contract_address=receipt.contract_address,
    )


def from_message(message: Any) -> Receipt:
    """The Receipt of a protobuf Receipt message; InvalidReceipt for an unknown status."""
    status = _STATUS_NAME.get(message.status)
    if status is None:
        raise InvalidReceipt(f"receipt status number {message.status} is not a known TxStatus")
    return Receipt(
        tx_id=message.tx_id,
        height=message.height,
        index=message.index,
        status=status,
        gas_used=message.gas_used,
        return_value=message.return_value,
        events=tuple(Event(e.contract, e.name, e.data, e.index) for e in message.events),
        error=message.error,
        contract_address=message.contract_address,
    )


def receipts_root(receipts: Sequence[Receipt]) -> bytes:
    """The Merkle root over the receipts' canonical bytes, in block order."""
    return merkle_root([r.to_bytes() for r in receipts])
