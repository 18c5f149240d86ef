"""Transactions: canonical round trips, exact ids and gas, and every mutation rejected rightly."""

from __future__ import annotations

from dataclasses import replace

import pytest
from chain_helpers import (
    ALICE,
    BOB,
    CHAIN_ID,
    P256_KEY,
    body_message,
    field_varint,
    pad_tag,
    signed_bytes,
    split_fields,
    transfer,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.errors import Category, Reason, TxRejected
from vmchain.chain.tx import (
    GAS_PER_BODY_BYTE,
    TX_BASE_GAS,
    Call,
    Deploy,
    Transfer,
    TxBody,
    build_call,
    build_deploy,
    decode_body,
    decode_signed,
    encode_body,
    intrinsic_gas,
    sign_body,
    signed_message,
)
from vmchain.crypto import InvalidKey, address_of

U64 = st.integers(0, 2**64 - 1)
AMOUNT = st.integers(0, 2**128 - 1)
ADDRESS = st.binary(min_size=20, max_size=20)
TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=20)

PAYLOADS = st.one_of(
    st.builds(Transfer, to=ADDRESS, amount=AMOUNT),
    st.builds(Deploy, code=st.binary(max_size=64), init_args=st.binary(max_size=16), value=AMOUNT),
    st.builds(
        Call,
        contract=ADDRESS,
        function=st.binary(min_size=4, max_size=4),
        args=st.binary(max_size=40),
        value=AMOUNT,
    ),
)
BODIES = st.builds(
    TxBody,
    chain_id=TEXT,
    sender=ADDRESS,
    first_valid=U64,
    last_valid=U64,
    gas_limit=U64,
    gas_price=U64,
    payload=PAYLOADS,
    note=st.binary(max_size=16),
)
# Bodies ALICE can sign: her address as sender.
ALICE_BODIES = BODIES.map(lambda b: replace(b, sender=ALICE.address))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- exact values ------------------------------------------------------------------------------


def test_intrinsic_gas_formula() -> None:
    assert (TX_BASE_GAS, GAS_PER_BODY_BYTE) == (21_000, 16)
    assert intrinsic_gas(0) == 21_000
    assert intrinsic_gas(78) == 22_248


def test_transfer_defaults_to_exactly_its_intrinsic_gas() -> None:
    tx = transfer(amount=10**18, last_valid=1000)
    assert len(tx.body_bytes) == 78
    assert tx.body.gas_limit == intrinsic_gas(len(tx.body_bytes)) == 22_248
    assert tx.tx_id.hex() == "e2677004636cdf994e0c3bb74cf14c4cb82abcbd19f79fed9c9c2b4c692d2c4c"
    assert tx.size == 182


def test_body_value_and_max_cost() -> None:
    tx = transfer(amount=500, gas_price=3, gas_limit=30_000)
    assert tx.body.value == 500
    assert tx.body.max_cost == 90_500
    call = build_call(
        ALICE,
        chain_id=CHAIN_ID,
        contract=BOB.address,
        function=b"\x01\x02\x03\x04",
        value=9,
        first_valid=1,
        last_valid=2,
        gas_limit=50_000,
        gas_price=2,
    )
    assert call.body.max_cost == 100_009
    deploy = build_deploy(
        ALICE, chain_id=CHAIN_ID, code=b"x", value=4, first_valid=1, last_valid=2, gas_limit=1
    )
    assert deploy.body.value == 4


def test_builder_accepts_text_addresses() -> None:
    text = "0x" + BOB.address.hex()
    assert transfer(to=BOB.address) == transfer(to=text)  # type: ignore[arg-type]


def test_sign_body_refuses_a_key_that_is_not_the_sender() -> None:
    body = transfer().body
    with pytest.raises(ValueError, match="not the body's sender"):
        sign_body(BOB, body)


def test_encode_body_refuses_bad_sizes_and_amounts() -> None:
    body = transfer().body
    with pytest.raises(TxRejected, match="sender must be 20 bytes"):
        encode_body(replace(body, sender=bytes(19)))
    with pytest.raises(ValueError, match=r"outside 0\.\.2\*\*128-1"):
        encode_body(replace(body, payload=Transfer(to=BOB.address, amount=2**128)))
    with pytest.raises(TxRejected, match="selector"):
        encode_body(replace(body, payload=Call(contract=BOB.address, function=b"\x01")))


def test_decode_accepts_the_protobuf_message_and_rejects_other_types() -> None:
    tx = transfer(P256_KEY, to=ALICE.address)
    assert decode_signed(signed_message(tx)) == tx
    with pytest.raises(TypeError, match="expected bytes or SignedTransaction"):
        decode_signed("not a tx")


def test_rejection_carries_tx_id_and_category() -> None:
    tx = transfer()
    raw = signed_bytes(tx.body_bytes, BOB)
    with pytest.raises(TxRejected) as info:
        decode_signed(raw)
    assert info.value.reason is Reason.WRONG_SENDER
    assert info.value.category is Category.INVALID_ARGUMENT
    assert info.value.tx_id == tx.tx_id
    assert str(info.value).startswith("wrong_sender: sender 0x")


# --- properties ----------------------------------------------------------------------------------


@FAST
@given(BODIES)
def test_body_round_trip(body: TxBody) -> None:
    raw = encode_body(body)
    assert decode_body(raw) == body
    assert encode_body(decode_body(raw)) == raw
    assert body_message_roundtrip(raw) == raw


def body_message_roundtrip(raw: bytes) -> bytes:
    out: bytes = pb.TransactionBody.FromString(raw).SerializeToString(deterministic=True)
    return out


@FAST
@given(ALICE_BODIES)
def test_signed_round_trip(body: TxBody) -> None:
    tx = sign_body(ALICE, body)
    assert decode_signed(tx.encoded) == tx
    assert body_message(tx).sender == ALICE.address


def _expected_for_body(mutated: bytes, sender: bytes) -> Reason:
    try:
        body = decode_body(mutated)
    except TxRejected as exc:
        return exc.reason
    return Reason.WRONG_SENDER if body.sender != sender else Reason.BAD_SIGNATURE


@FAST
@given(ALICE_BODIES, st.data())
def test_any_body_bit_flip_is_rejected_for_the_right_reason(
    body: TxBody, data: st.DataObject
) -> None:
    tx = sign_body(ALICE, body)
    bit = data.draw(st.integers(0, 8 * len(tx.body_bytes) - 1))
    mutated = bytearray(tx.body_bytes)
    mutated[bit // 8] ^= 1 << (bit % 8)
    raw = pb.SignedTransaction(
        body=bytes(mutated), public_key=tx.public_key, signature=tx.signature
    )
    with pytest.raises(TxRejected) as info:
        decode_signed(raw.SerializeToString(deterministic=True))
    assert info.value.reason is _expected_for_body(bytes(mutated), ALICE.address)


@FAST
@given(ALICE_BODIES, st.integers(0, 64 * 8 - 1))
def test_any_signature_bit_flip_is_bad_signature(body: TxBody, bit: int) -> None:
    tx = sign_body(ALICE, body)
    signature = bytearray(tx.signature)
    signature[bit // 8] ^= 1 << (bit % 8)
    raw = pb.SignedTransaction(
        body=tx.body_bytes, public_key=tx.public_key, signature=bytes(signature)
    )
    with pytest.raises(TxRejected) as info:
        decode_signed(raw.SerializeToString(deterministic=True))
    assert info.value.reason is Reason.BAD_SIGNATURE


@FAST
@given(ALICE_BODIES, st.integers(0, 34 * 8 - 1))
def test_any_public_key_bit_flip_is_rejected(body: TxBody, bit: int) -> None:
    tx = sign_body(ALICE, body)
    key = bytearray(tx.public_key)
    key[bit // 8] ^= 1 << (bit % 8)
    try:
        address_of(bytes(key))
        expected = Reason.WRONG_SENDER
    except InvalidKey:
        expected = Reason.BAD_PUBLIC_KEY
    raw = pb.SignedTransaction(body=tx.body_bytes, public_key=bytes(key), signature=tx.signature)
    with pytest.raises(TxRejected) as info:
        decode_signed(raw.SerializeToString(deterministic=True))
    assert info.value.reason is expected


def _assert_non_canonical(body: bytes) -> None:
    with pytest.raises(TxRejected) as info:
        decode_signed(signed_bytes(body))
    assert info.value.reason is Reason.NON_CANONICAL, info.value


@FAST
@given(ALICE_BODIES, st.randoms(use_true_random=False))
def test_reordered_body_is_non_canonical(body: TxBody, rng: object) -> None:
    fields = split_fields(encode_body(body))
    shuffled = list(fields)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    if shuffled != fields:
        _assert_non_canonical(b"".join(shuffled))


@FAST
@given(ALICE_BODIES, st.data())
def test_padded_or_repeated_body_is_non_canonical(body: TxBody, data: st.DataObject) -> None:
    fields = split_fields(encode_body(body))
    i = data.draw(st.integers(0, len(fields) - 1))
    padded = [*fields[:i], pad_tag(fields[i]), *fields[i + 1 :]]
    _assert_non_canonical(b"".join(padded))
    repeated = [*fields[: i + 1], fields[i], *fields[i + 1 :]]
    _assert_non_canonical(b"".join(repeated))


@FAST
@given(
    ALICE_BODIES,
    st.data(),
    st.integers(13, 2**29 - 1) | st.sampled_from([8, 9]),
    st.integers(0, 2**64 - 1),
)
def test_unknown_field_anywhere_is_non_canonical(
    body: TxBody, data: st.DataObject, number: int, value: int
) -> None:
    fields = split_fields(encode_body(body))
    i = data.draw(st.integers(0, len(fields)))
    _assert_non_canonical(b"".join([*fields[:i], field_varint(number, value), *fields[i:]]))


@FAST
@given(ALICE_BODIES, st.sampled_from(["first_valid", "last_valid", "gas_limit", "gas_price"]))
def test_explicit_default_is_non_canonical(body: TxBody, name: str) -> None:
    number = {"first_valid": 3, "last_valid": 4, "gas_limit": 5, "gas_price": 6}[name]
    zeroed: dict[str, int] = {name: 0}
    body = replace(body, **zeroed)  # type: ignore[arg-type]
    fields = split_fields(encode_body(body))
    tags = [f[0] >> 3 for f in fields]
    position = sum(1 for t in tags if t < number)
    _assert_non_canonical(
        b"".join([*fields[:position], field_varint(number, 0), *fields[position:]])
    )
