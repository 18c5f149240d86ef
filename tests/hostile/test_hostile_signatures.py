"""Oversized messages, bad signatures and replays against a real dev node.

Oversized requests (over the 1 MiB receive limit) and bodies (over 128 KiB) are
RESOURCE_EXHAUSTED; zeroed, truncated, bit-flipped, high-S, other-key and wrong-chain signatures
are INVALID_ARGUMENT with a message naming the problem; a replayed sealed tx and a duplicate
pending tx are ALREADY_EXISTS carrying the tx id. Nothing of it is committed.
"""

from __future__ import annotations

from typing import Any

import pytest
from node_helpers import (
    KEYS,
    NodeProcess,
    assert_rpc_error,
    balance,
    submit,
    transfer,
)

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.tx import TX_DOMAIN, encode_body, signed_message

from .hostile_helpers import COUNTS, Code, check_reply, field_bytes, raw_call

pytestmark = pytest.mark.e2e

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAX_RECEIVE = 1024 * 1024
BAD_64 = "bad_signature: signature (64 bytes) does not verify"


def _request(message: Any, wait_ms: int = 0) -> Any:
    return npb.SubmitRequest(tx=message, wait_ms=wait_ms)


def test_oversized_requests(hostile_node: NodeProcess) -> None:
    channel = hostile_node.channel
    for method in ("SubmitTransaction", "GetBlock", "Call", "GetAccount"):
        for size in (MAX_RECEIVE + 1, 2 * MAX_RECEIVE, 4 * MAX_RECEIVE):
            COUNTS["oversized_request"] += 1
            reply = raw_call(channel, method, field_bytes(1, b"\x00" * size))
            check_reply(reply, frozenset({Code.RESOURCE_EXHAUSTED}), f"{method} {size} bytes")
            assert "larger than max" in reply.details
    node = hostile_node.node
    for size in (128 * 1024 + 1, 300_000, 900_000):
        COUNTS["oversized_body"] += 1
        big = transfer(node, KEYS[6], b"\x51" * 20, 1, note=b"x" * size)
        assert_rpc_error(Code.RESOURCE_EXHAUSTED, "too_large: body is", submit, node, big, 0)


def _signature_variants(key: Any, tx: Any) -> dict[str, tuple[bytes, bytes, str]]:
    """name -> (public key, signature, text the error must contain)."""
    sig = tx.signature
    r, s = sig[:32], int.from_bytes(sig[32:], "big")
    high_s = r + (SECP256K1_N - s).to_bytes(32, "big")
    flipped = bytes([sig[0] ^ 1]) + sig[1:]
    return {
        "zero": (key.public_key, bytes(64), BAD_64),
        "empty": (key.public_key, b"", "bad_signature: signature (0 bytes)"),
        "truncated": (key.public_key, sig[:63], "bad_signature: signature (63 bytes)"),
        "long": (key.public_key, sig + b"\x00", "bad_signature: signature (65 bytes)"),
        "bit_flip": (key.public_key, flipped, BAD_64),
        "high_s": (key.public_key, high_s, BAD_64),
        "r_is_n": (key.public_key, SECP256K1_N.to_bytes(32, "big") + sig[32:], BAD_64),
        "other_key_sig": (key.public_key, KEYS[9].sign(TX_DOMAIN, tx.body_bytes), BAD_64),
        "other_public_key": (KEYS[9].public_key, sig, "wrong_sender: sender 0x"),
        "junk_public_key": (b"\x01" + b"\xff" * 33, sig, "bad_public_key: public key point"),
        "short_public_key": (key.public_key[:20], sig, "public key must be 34 bytes, got 20"),
    }


def test_invalid_signatures(hostile_node: NodeProcess) -> None:
    node = hostile_node.node
    key = KEYS[5]
    tx = transfer(node, key, b"\x52" * 20, 3, note=b"sigs")
    before = balance(node, key.address)
    for name, (public_key, signature, text) in _signature_variants(key, tx).items():
        COUNTS[f"signature:{name}"] += 1
        message = pb.SignedTransaction(
            body=tx.body_bytes, public_key=public_key, signature=signature
        )
        details = assert_rpc_error(
            Code.INVALID_ARGUMENT, text, node.SubmitTransaction, _request(message, 100)
        )
        assert details, name
    # none of them was admitted: the original, submitted now, is new and seals
    receipt = submit(node, tx).receipt
    assert receipt.tx_id == tx.tx_id
    assert balance(node, key.address, receipt.height) == before - 3


def test_high_s_names_the_problem(hostile_node: NodeProcess) -> None:
    node = hostile_node.node
    key = KEYS[5]
    tx = transfer(node, key, b"\x53" * 20, 1, note=b"high-s")
    public_key, high_s, _ = _signature_variants(key, tx)["high_s"]
    message = pb.SignedTransaction(body=tx.body_bytes, public_key=public_key, signature=high_s)
    COUNTS["signature:high_s_message"] += 1
    details = assert_rpc_error(
        Code.INVALID_ARGUMENT, f"{BAD_64} over the body", node.SubmitTransaction, _request(message)
    )
    assert "low-S" in details, details


def test_wrong_chain_signatures(hostile_node: NodeProcess) -> None:
    node = hostile_node.node
    key = KEYS[5]
    tx = transfer(node, key, b"\x54" * 20, 1, note=b"chain")
    for chain in ("other-chain", "vmchain-devX", "", "VMCHAIN-DEV", "vmchain-dev\x00"):
        COUNTS["wrong_chain"] += 1
        body = tx.body.__class__(
            **{**{f: getattr(tx.body, f) for f in tx.body.__slots__}, "chain_id": chain}
        )
        body_bytes = encode_body(body)
        message = pb.SignedTransaction(
            body=body_bytes, public_key=key.public_key, signature=key.sign(TX_DOMAIN, body_bytes)
        )
        details = assert_rpc_error(
            Code.INVALID_ARGUMENT, "wrong_chain_id", node.SubmitTransaction, _request(message)
        )
        assert details.startswith("wrong_chain_id: tx is for chain"), details


def test_replayed_and_duplicate_txs(hostile_node: NodeProcess) -> None:
    node = hostile_node.node
    key = KEYS[7]
    sealed = transfer(node, key, b"\x55" * 20, 9, note=b"replay")
    receipt = submit(node, sealed).receipt
    before = balance(node, key.address)
    for _ in range(20):
        COUNTS["replay_sealed"] += 1
        assert_rpc_error(Code.ALREADY_EXISTS, sealed.tx_id.hex(), submit, node, sealed, 0)
    # with a wait, a replay gets the one receipt, not a second execution
    again = submit(node, sealed).receipt
    assert (again.height, again.index) == (receipt.height, receipt.index)
    # a duplicate while pending (block time 100 ms, so most arrive pending, later ones sealed)
    dup = transfer(node, key, b"\x56" * 20, 1, note=b"dup")
    assert submit(node, dup, 0).tx_id == dup.tx_id
    for _ in range(20):
        COUNTS["duplicate_pending"] += 1
        reply = raw_call(hostile_node.channel, "SubmitTransaction", _wire(dup))
        check_reply(reply, frozenset({Code.ALREADY_EXISTS}), "duplicate")
        assert f"0x{dup.tx_id.hex()}" in reply.details
    sealed_dup = node.GetReceipt(npb.GetReceiptRequest(tx_id=dup.tx_id, wait_ms=5_000))
    assert balance(node, key.address, sealed_dup.height) == before - 1
    assert balance(node, b"\x55" * 20) == 9


def _wire(tx: Any) -> bytes:
    raw: bytes = _request(signed_message(tx)).SerializeToString()
    return raw
