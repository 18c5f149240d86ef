"""Vouchers with no node: the exact DESIGN.md digest, both curves, any changed field or key
refused, and the transport encoding."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from vmchain.client import InvalidVoucher, Voucher, Wallet, voucher_digest
from vmchain.crypto import PrivateKey, Scheme

CONTRACT = bytes.fromhex("11" * 20)
CAR = Wallet(PrivateKey.from_int(Scheme.SECP256K1, 0xCA5))
VAN = Wallet(PrivateKey.from_int(Scheme.P256, 0x7A7))


def test_the_digest_is_the_design_bytes() -> None:
    expected = hashlib.sha256(
        b"vmchain-voucher" + b"\x0b" + b"vmchain-dev" + CONTRACT
        + (7).to_bytes(32, "big") + (1234).to_bytes(32, "big")
    ).digest()  # fmt: skip
    assert voucher_digest("vmchain-dev", CONTRACT, 7, 1234) == expected
    assert voucher_digest("vmchain-dev", "0x" + "11" * 20, 7, 1234) == expected


@pytest.mark.parametrize("payer", [CAR, VAN], ids=["secp256k1", "p256"])
def test_sign_and_verify_on_both_curves(payer: Wallet) -> None:
    voucher = Voucher.sign(payer, CONTRACT, 3, 500, chain_id="vmchain-dev")
    assert (voucher.chain_id, voucher.contract, voucher.channel_id, voucher.amount) == (
        "vmchain-dev", CONTRACT, 3, 500,
    )  # fmt: skip
    assert voucher.contract_address == "0x" + "11" * 20
    assert voucher.verify(payer.public_key)
    other = VAN if payer is CAR else CAR
    assert not voucher.verify(other.public_key)
    for changed in (
        replace(voucher, channel_id=4),
        replace(voucher, amount=501),
        replace(voucher, contract=bytes(20)),
        replace(voucher, chain_id="vmchain-prod"),
        replace(voucher, signature=voucher.signature[:63]),
        replace(voucher, signature=bytes(64)),
    ):
        assert not changed.verify(payer.public_key), changed
    assert not voucher.verify(b"\x01" + bytes(33))  # not a key: False, never an exception


def test_signing_is_deterministic() -> None:
    a = Voucher.sign(CAR, CONTRACT, 1, 10, chain_id="c")
    assert a == Voucher.sign(CAR, CONTRACT, 1, 10, chain_id="c")


def test_bad_inputs_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="needs chain_id"):
        Voucher.sign(CAR, CONTRACT, 1, 10)
    with pytest.raises(ValueError, match="channel id must be positive"):
        voucher_digest("c", CONTRACT, 0, 1)
    with pytest.raises(ValueError, match="non-negative"):
        voucher_digest("c", CONTRACT, 1, -1)
    with pytest.raises(ValueError, match="fit 32 bytes"):
        voucher_digest("c", CONTRACT, 1, 2**256)
    with pytest.raises(ValueError, match=r"1\.\.255 UTF-8 bytes"):
        voucher_digest("", CONTRACT, 1, 1)
    assert not replace(Voucher.sign(CAR, CONTRACT, 1, 10, chain_id="c"), amount=-5).verify(
        CAR.public_key
    )


def test_transport_encoding_round_trips_and_rejects_junk() -> None:
    voucher = Voucher.sign(VAN, CONTRACT, 2**40, 10**30, chain_id="vmchain-dev")
    data = voucher.to_bytes()
    assert len(data) == 5 + 1 + 11 + 20 + 64 + 64
    assert Voucher.from_bytes(data) == voucher
    for junk, message in [
        (b"", "bad magic"),
        (b"VMVC\x02" + data[5:], "bad magic"),
        (data[:-1], "is 165 bytes, not 164"),
        (data + b"\x00", "not 166"),
        (data[:5] + b"\x02\xff\xfe" + data[17:], "not UTF-8"),
    ]:
        with pytest.raises(InvalidVoucher, match=message):
            Voucher.from_bytes(junk)
