"""The one place where domain types meet protobuf types (STYLE.md pitfall: no pb in the core).

Requests are checked field by field on the way in (`BadRequest` names the field), domain values
are encoded on the way out. Nothing here touches the ledger, the network or a lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vmchain import __version__
from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.block import BlockHeader, SealedHeader
from vmchain.chain.genesis import Genesis
from vmchain.chain.ledger import AccountView, CallOutcome, SealedBlock, StorageView
from vmchain.chain.receipt import Event, Receipt, to_message
from vmchain.chain.tx import SELECTOR_SIZE, Tx, signed_message
from vmchain.crypto import ADDRESS_SIZE
from vmchain.encoding.amount import AMOUNT_MAX_BYTES, encode_amount
from vmchain.node.errors import BadRequest

TX_ID_SIZE = 32
HASH_SIZE = 32


# ---------------------------------------------------------------------------------------------
# Request fields -> domain values


def address_field(raw: bytes, field: str) -> bytes:
    if len(raw) != ADDRESS_SIZE:
        raise BadRequest(f"{field} must be a {ADDRESS_SIZE}-byte address, got {len(raw)} bytes")
    return raw


def tx_id_field(raw: bytes, field: str = "tx_id") -> bytes:
    if len(raw) != TX_ID_SIZE:
        raise BadRequest(f"{field} must be {TX_ID_SIZE} bytes (sha256 of the body), got {len(raw)}")
    return raw


def hash_field(raw: bytes, field: str) -> bytes:
    if len(raw) != HASH_SIZE:
        raise BadRequest(f"{field} must be a {HASH_SIZE}-byte block hash, got {len(raw)} bytes")
    return raw


def selector_field(raw: bytes, field: str = "function") -> bytes:
    if len(raw) != SELECTOR_SIZE:
        raise BadRequest(f"{field} must be a {SELECTOR_SIZE}-byte selector, got {len(raw)} bytes")
    return raw


def amount_field(raw: bytes, field: str) -> int:
    """A canonical amount: big-endian, no leading zero byte, at most 16 bytes, zero as empty."""
    if len(raw) > AMOUNT_MAX_BYTES:
        raise BadRequest(f"{field} is {len(raw)} bytes, at most {AMOUNT_MAX_BYTES} allowed")
    if raw[:1] == b"\x00":
        raise BadRequest(f"{field} has a leading zero byte (zero is the empty string)")
    return int.from_bytes(raw, "big")


def optional_height(message: Any, field: str = "height") -> int | None:
    return int(getattr(message, field)) if message.HasField(field) else None


# ---------------------------------------------------------------------------------------------
# Domain values -> messages


def event_message(event: Event) -> pb.Event:
    return pb.Event(contract=event.contract, name=event.name, data=event.data, index=event.index)


def receipt_message(receipt: Receipt) -> pb.Receipt:
    message: pb.Receipt = to_message(receipt)
    return message


def header_message(header: BlockHeader) -> pb.BlockHeader:
    message = pb.BlockHeader()
    message.ParseFromString(header.to_bytes())
    return message


def sealed_header_message(sealed: SealedHeader) -> pb.SealedHeader:
    return pb.SealedHeader(
        header=sealed.header_bytes, proposer_key=sealed.proposer_key, seal=sealed.seal
    )


def signed_tx_message(tx: Tx) -> pb.SignedTransaction:
    message: pb.SignedTransaction = signed_message(tx)
    return message


def block_info(sealed: SealedBlock, full: bool) -> npb.BlockInfo:
    block = sealed.block
    info = npb.BlockInfo(
        header=header_message(block.header),
        sealed=sealed_header_message(block.sealed),
        hash=block.hash,
    )
    if full:
        info.transactions.extend(signed_tx_message(tx) for tx in block.txs)
        info.receipts.extend(receipt_message(r) for r in sealed.receipts)
    return info


def event_infos(sealed: SealedBlock, contract: bytes, name: str) -> Iterator[npb.EventInfo]:
    """The block's events in order, optionally only one contract's and/or one name's."""
    header = sealed.block.header
    for receipt in sealed.receipts:
        for event in receipt.events:
            if (contract and event.contract != contract) or (name and event.name != name):
                continue
            yield npb.EventInfo(
                event=event_message(event),
                height=header.height,
                tx_id=receipt.tx_id,
                tx_index=receipt.index,
                block_timestamp_ms=header.timestamp_ms,
            )


def account_info(view: AccountView) -> npb.AccountInfo:
    return npb.AccountInfo(
        address=view.address,
        balance=encode_amount(view.balance),
        code_hash=view.code_hash,
        height=view.height,
        proof=npb.Proof(nodes=list(view.proof)),
        header=sealed_header_message(view.header),
    )


def storage_info(view: StorageView) -> npb.StorageInfo:
    return npb.StorageInfo(
        value=view.value,
        exists=view.exists,
        height=view.height,
        proof=npb.Proof(nodes=list(view.proof)),
        header=sealed_header_message(view.header),
    )


def call_result(outcome: CallOutcome) -> npb.CallResult:
    return npb.CallResult(
        return_value=outcome.return_value,
        gas_used=outcome.gas_used,
        events=[event_message(e) for e in outcome.events],
        error=outcome.error,
        status=pb.TxStatus.Value(outcome.status),
        height=outcome.height,
    )


def transaction_info(tx: Tx, height: int, index: int) -> npb.TransactionInfo:
    return npb.TransactionInfo(tx=signed_tx_message(tx), height=height, index=index)


def node_info(genesis: Genesis, head: SealedHeader, dev: bool) -> npb.NodeInfo:
    header = head.header
    return npb.NodeInfo(
        chain_id=genesis.chain_id,
        height=header.height,
        version=__version__,
        authorities=list(genesis.authorities),
        head_hash=head.hash,
        head_timestamp_ms=header.timestamp_ms,
        dev=dev,
        max_validity_window=genesis.max_validity_window,
        min_gas_price=genesis.min_gas_price,
        block_gas_limit=genesis.block_gas_limit,
    )


def dev_response(head: SealedHeader) -> dpb.DevResponse:
    return dpb.DevResponse(height=head.header.height, timestamp_ms=head.header.timestamp_ms)
