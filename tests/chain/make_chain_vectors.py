"""Regenerate tests/vectors/chain_txs.json and chain_blocks.json.

    python tests/chain/make_chain_vectors.py


Everything derives from the fixed dev keys and RFC 6979 signatures, so both files reproduce byte
for byte; test_chain_vectors.py checks that they still do and that every vector decodes (or is
rejected with its reason) as recorded. A change to these files is a consensus change.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chain_helpers import (
    ALICE,
    BOB,
    CHAIN_ID,
    P256_KEY,
    field_bytes,
    field_varint,
    signed_bytes,
    transfer,
)

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.block import (
    Block,
    BlockHeader,
    genesis_header,
    seal_header,
    tx_root,
)
from vmchain.chain.genesis import dev_genesis
from vmchain.chain.receipt import Event, Receipt, receipts_root
from vmchain.chain.tx import Tx, build_call, build_deploy
from vmchain.crypto.curves import HALF_ORDER, ORDER, Scheme

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
TXS_FILE = VECTORS / "chain_txs.json"
BLOCKS_FILE = VECTORS / "chain_blocks.json"

PARKING = hashlib.sha256(b"parking").digest()[:20]
EXIT_SELECTOR = hashlib.sha256(b"exit(uint64,address)").digest()[:4]
GENESIS_MS = 1_700_000_000_000


def valid_txs() -> list[tuple[str, Tx]]:
    common: dict[str, Any] = {"chain_id": CHAIN_ID, "first_valid": 1, "last_valid": 1000}
    return [
        ("transfer_dev0_to_dev1", transfer(amount=10**18, last_valid=1000)),
        ("transfer_zero_with_note", transfer(amount=0, note=b"gate-7 exit 42", last_valid=1000)),
        (
            "transfer_max_amount_priced",
            transfer(amount=2**128 - 1, gas_price=7, gas_limit=30_000, last_valid=1000),
        ),
        (
            "call_parking_exit",
            build_call(
                ALICE,
                contract=PARKING,
                function=EXIT_SELECTOR,
                args=bytes(31) + b"\x07",
                gas_limit=200_000,
                **common,
            ),
        ),
        (
            "deploy_module_with_value",
            build_deploy(
                ALICE, code=b"VMC\x01" + bytes(range(32)), value=5, gas_limit=1_000_000, **common
            ),
        ),
        ("transfer_p256_sender", transfer(P256_KEY, amount=12_345, to=ALICE.address)),
    ]


# A canonical body, field by field, so the invalid vectors can reorder, repeat or pad fields.
def _transfer_payload(amount: bytes = b"\x05", to: bytes = BOB.address) -> bytes:
    return field_bytes(10, field_bytes(1, to) + field_bytes(2, amount))


def _fields(**overrides: bytes) -> dict[str, bytes]:
    fields = {
        "chain_id": field_bytes(1, CHAIN_ID.encode()),
        "sender": field_bytes(2, ALICE.address),
        "first_valid": field_varint(3, 1),
        "last_valid": field_varint(4, 100),
        "gas_limit": field_varint(5, 30_000),
        "payload": _transfer_payload(),
    }
    fields.update(overrides)
    return fields


def _body(**overrides: bytes) -> bytes:
    return b"".join(_fields(**overrides).values())


def _high_s(raw: bytes) -> bytes:
    message: Any = pb.SignedTransaction.FromString(raw)
    s = int.from_bytes(message.signature[32:], "big")
    assert s <= HALF_ORDER[Scheme.SECP256K1]
    message.signature = message.signature[:32] + (ORDER[Scheme.SECP256K1] - s).to_bytes(32, "big")
    out: bytes = message.SerializeToString(deterministic=True)
    return out


def _with(raw: bytes, **changes: bytes) -> bytes:
    message: Any = pb.SignedTransaction.FromString(raw)
    for name, value in changes.items():
        setattr(message, name, value)
    out: bytes = message.SerializeToString(deterministic=True)
    return out


def invalid_txs() -> list[tuple[str, bytes, str]]:
    good = signed_bytes(_body())
    f = _fields()
    call = field_bytes(12, field_bytes(1, PARKING) + field_bytes(2, b"\x01\x02\x03"))
    return [
        ("junk_bytes", b"\xff\xff\xff", "malformed"),
        ("empty_body", signed_bytes(b""), "malformed"),
        ("no_payload", signed_bytes(_body(payload=b"")), "malformed"),
        ("sender_19_bytes", signed_bytes(_body(sender=field_bytes(2, bytes(19)))), "malformed"),
        (
            "amount_leading_zero",
            signed_bytes(_body(payload=_transfer_payload(amount=b"\x00\x05"))),
            "non_canonical",
        ),
        (
            "amount_17_bytes",
            signed_bytes(_body(payload=_transfer_payload(amount=b"\x01" + bytes(16)))),
            "malformed",
        ),
        ("selector_3_bytes", signed_bytes(_body(payload=call)), "malformed"),
        (
            "transfer_to_21_bytes",
            signed_bytes(_body(payload=_transfer_payload(to=bytes(21)))),
            "malformed",
        ),
        (
            "bad_utf8_chain_id",
            signed_bytes(_body(chain_id=field_bytes(1, b"\xff\xfe"))),
            "malformed",
        ),
        (
            "fields_reordered",
            signed_bytes(f["sender"] + f["chain_id"] + b"".join(list(f.values())[2:])),
            "non_canonical",
        ),
        ("unknown_field_99", signed_bytes(_body() + field_varint(99, 1)), "non_canonical"),
        (
            "explicit_zero_gas_price",
            signed_bytes(_body(gas_limit=f["gas_limit"] + field_varint(6, 0))),
            "non_canonical",
        ),
        (
            "chain_id_twice",
            signed_bytes(f["chain_id"] + _body()),
            "non_canonical",
        ),
        (
            "two_payloads",
            signed_bytes(_body(payload=_transfer_payload() + _transfer_payload(b"\x06"))),
            "non_canonical",
        ),
        (
            "padded_varint",
            signed_bytes(_body(first_valid=b"\x18\x81\x00")),
            "non_canonical",
        ),
        (
            "unknown_field_in_transfer",
            signed_bytes(
                _body(payload=field_bytes(10, field_bytes(1, BOB.address) + field_varint(3, 1)))
            ),
            "non_canonical",
        ),
        ("wrapper_unknown_field", good + field_varint(9, 1), "non_canonical"),
        ("signed_by_other_key", signed_bytes(_body(), BOB), "wrong_sender"),
        ("public_key_33_bytes", _with(good, public_key=ALICE.public_key[:33]), "bad_public_key"),
        (
            "public_key_scheme_3",
            _with(good, public_key=b"\x03" + ALICE.public_key[1:]),
            "bad_public_key",
        ),
        ("high_s_signature", _high_s(good), "bad_signature"),
        (
            "signature_63_bytes",
            _with(good, signature=pb.SignedTransaction.FromString(good).signature[:63]),
            "bad_signature",
        ),
        ("zero_signature", signed_bytes(_body(), sign=False), "bad_signature"),
        (
            "body_changed_after_signing",
            _with(good, body=_body(last_valid=field_varint(4, 101))),
            "bad_signature",
        ),
    ]


def _tx_entry(name: str, tx: Tx) -> dict[str, Any]:
    return {
        "name": name,
        "raw": tx.encoded.hex(),
        "tx_id": tx.tx_id.hex(),
        "sender": tx.sender.hex(),
        "gas_limit": tx.body.gas_limit,
        "value": str(tx.body.value),
    }


def render_txs() -> str:
    document = {
        "valid": [_tx_entry(name, tx) for name, tx in valid_txs()],
        "invalid": [
            {"name": name, "raw": raw.hex(), "reason": reason}
            for name, raw, reason in invalid_txs()
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def example_receipts(txs: list[Tx], height: int) -> list[Receipt]:
    event = Event(contract=PARKING, name="SessionClosed", data=bytes(range(8)), index=0)
    return [
        Receipt(txs[0].tx_id, height, 0, "SUCCESS", txs[0].body.gas_limit),
        Receipt(
            txs[1].tx_id, height, 1, "REVERTED", 51_234, b"\x01", (event,), "insufficient deposit"
        ),
    ]


def render_blocks() -> str:
    genesis = genesis_header(dev_genesis(GENESIS_MS), hashlib.sha256(b"state-0").digest())
    txs = [tx for _, tx in valid_txs()[:2]]
    receipts = example_receipts(txs, 1)
    header = BlockHeader(
        chain_id=CHAIN_ID,
        height=1,
        parent_hash=genesis.hash,
        timestamp_ms=GENESIS_MS + 100,
        proposer=ALICE.address,
        state_root=hashlib.sha256(b"state-1").digest(),
        tx_root=tx_root(txs),
        receipts_root=receipts_root(receipts),
        gas_used=sum(r.gas_used for r in receipts),
        gas_limit=genesis.gas_limit,
        tx_count=len(txs),
    )
    sealed = seal_header(ALICE, header)

    document = {
        "genesis": {"header": genesis.to_bytes().hex(), "hash": genesis.hash.hex()},
        "block_1": {
            "txs": [tx.tx_id.hex() for tx in txs],
            "receipts": [r.to_bytes().hex() for r in receipts],
            "tx_root": header.tx_root.hex(),
            "receipts_root": header.receipts_root.hex(),
            "header": sealed.header_bytes.hex(),
            "hash": sealed.hash.hex(),
            "seal": sealed.seal.hex(),
            "sealed": sealed.to_bytes().hex(),
            "block": Block(sealed, tuple(txs)).to_bytes().hex(),
        },
    }
    return json.dumps(document, indent=2) + "\n"


def main() -> None:
    TXS_FILE.write_text(render_txs())
    BLOCKS_FILE.write_text(render_blocks())


if __name__ == "__main__":
    main()
