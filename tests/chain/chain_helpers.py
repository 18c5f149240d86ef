"""Shared helpers for the chain tests: fixed keys, tx builders and raw protobuf field writers."""

from __future__ import annotations

import hashlib
from typing import Any

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.genesis import DEV_CHAIN_ID, dev_keys
from vmchain.chain.tx import TX_DOMAIN, Tx, build_transfer
from vmchain.crypto import PrivateKey, Scheme

CHAIN_ID = DEV_CHAIN_ID
KEYS = dev_keys()
ALICE, BOB, CAROL = KEYS[0], KEYS[1], KEYS[2]
P256_KEY = PrivateKey.from_int(
    Scheme.P256, int.from_bytes(hashlib.sha256(b"vmchain-test-p256").digest(), "big") >> 2
)


def transfer(
    key: PrivateKey = ALICE,
    *,
    amount: int = 1,
    to: bytes | None = None,
    first_valid: int = 1,
    last_valid: int = 100,
    gas_price: int = 0,
    note: bytes = b"",
    chain_id: str = CHAIN_ID,
    gas_limit: int | None = None,
) -> Tx:
    return build_transfer(
        key,
        chain_id=chain_id,
        to=to if to is not None else BOB.address,
        amount=amount,
        first_valid=first_valid,
        last_valid=last_valid,
        gas_price=gas_price,
        gas_limit=gas_limit,
        note=note,
    )


# Raw protobuf writers, for bodies no well-behaved encoder would produce.


def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def field_bytes(number: int, value: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(value)) + value


def signed_bytes(body: bytes, key: PrivateKey = ALICE, *, sign: bool = True) -> bytes:
    """A SignedTransaction around raw body bytes, signed by `key` over those exact bytes."""
    signature = key.sign(TX_DOMAIN, body) if sign else bytes(64)
    message: Any = pb.SignedTransaction(body=body, public_key=key.public_key, signature=signature)
    raw: bytes = message.SerializeToString(deterministic=True)
    return raw


def body_message(tx: Tx) -> Any:
    return pb.TransactionBody.FromString(tx.body_bytes)


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def split_fields(raw: bytes) -> list[bytes]:
    """The top-level fields of a protobuf message (varint and length-delimited only)."""
    fields = []
    pos = 0
    while pos < len(raw):
        start = pos
        tag, pos = read_varint(raw, pos)
        if tag & 7 == 0:
            _, pos = read_varint(raw, pos)
        else:
            assert tag & 7 == 2, f"unexpected wire type in {raw.hex()}"
            length, pos = read_varint(raw, pos)
            pos += length
        fields.append(raw[start:pos])
    return fields


def pad_tag(field: bytes) -> bytes:
    """The same field with its (one-byte) tag varint padded to two bytes: not canonical."""
    assert field[0] < 0x80
    return bytes([field[0] | 0x80, 0x00]) + field[1:]
