"""Receipts: canonical bytes, strict decoding, status names, and the receipts root."""

from __future__ import annotations

import hashlib

import pytest
from chain_helpers import field_varint
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.errors import InvalidReceipt
from vmchain.chain.merkle import merkle_root, prove_inclusion, verify_inclusion
from vmchain.chain.receipt import STATUS_NAMES, Event, Receipt, receipts_root, to_message
from vmchain.vm import Status

TX_ID = hashlib.sha256(b"tx").digest()
CONTRACT = bytes(range(20))


def test_status_names_follow_the_proto_enum_and_the_vm() -> None:
    assert STATUS_NAMES[:4] == ("SUCCESS", "REVERTED", "OUT_OF_GAS", "INVALID_OPCODE")
    # Every VM status, in the VM's order, then the chain's own.
    assert STATUS_NAMES == (*(status.value for status in Status), "NO_SUCH_CONTRACT")
    assert "TX_STATUS_UNSPECIFIED" not in STATUS_NAMES


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown receipt status 'OK'"):
        Receipt(TX_ID, 1, 0, "OK", 0)
    raw = pb.Receipt(tx_id=TX_ID, height=1, status=99).SerializeToString(  # type: ignore[arg-type]
        deterministic=True
    )
    with pytest.raises(InvalidReceipt, match="status number 99"):
        Receipt.from_bytes(raw)


def test_exact_bytes_of_a_simple_receipt() -> None:
    receipt = Receipt(TX_ID, height=7, index=2, status="SUCCESS", gas_used=22_248)
    assert receipt.to_bytes().hex() == (
        "0a20" + TX_ID.hex() + "1007" + "1802" + "2001" + "28e8ad01"
    )
    assert receipt.succeeded
    assert Receipt.from_bytes(receipt.to_bytes()) == receipt


def test_non_canonical_receipt_bytes_are_refused() -> None:
    raw = Receipt(TX_ID, 7, 2, "SUCCESS", 1).to_bytes()
    with pytest.raises(InvalidReceipt, match="unknown fields"):
        Receipt.from_bytes(raw + field_varint(50, 1))
    with pytest.raises(InvalidReceipt, match="not canonical"):
        Receipt.from_bytes(field_varint(2, 7) + raw)
    with pytest.raises(InvalidReceipt, match="does not parse"):
        Receipt.from_bytes(b"\x0a\xff")


EVENTS = st.builds(
    Event,
    contract=st.binary(min_size=20, max_size=20),
    name=st.text(max_size=12),
    data=st.binary(max_size=32),
    index=st.integers(0, 2**64 - 1),
)
RECEIPTS = st.builds(
    Receipt,
    tx_id=st.binary(min_size=32, max_size=32),
    height=st.integers(0, 2**64 - 1),
    index=st.integers(0, 2**32 - 1),
    status=st.sampled_from(STATUS_NAMES),
    gas_used=st.integers(0, 2**64 - 1),
    return_value=st.binary(max_size=32),
    events=st.lists(EVENTS, max_size=3).map(tuple),
    error=st.text(max_size=20),
    contract_address=st.sampled_from([b"", CONTRACT]),
)


@settings(max_examples=100, deadline=None)
@given(RECEIPTS)
def test_receipt_round_trip(receipt: Receipt) -> None:
    raw = receipt.to_bytes()
    assert Receipt.from_bytes(raw) == receipt
    assert to_message(receipt).SerializeToString(deterministic=True) == raw


def test_receipts_root_and_proof() -> None:
    receipts = [Receipt(TX_ID, 3, i, "SUCCESS", 21_000 + i) for i in range(5)]
    root = receipts_root(receipts)
    assert root == merkle_root([r.to_bytes() for r in receipts])
    proof = prove_inclusion([r.to_bytes() for r in receipts], 3)
    assert verify_inclusion(root, receipts[3].to_bytes(), proof)
    assert not verify_inclusion(root, receipts[2].to_bytes(), proof)
    reverted = Receipt(TX_ID, 3, 3, "REVERTED", 21_003, error="no")
    assert not verify_inclusion(root, reverted.to_bytes(), proof)
