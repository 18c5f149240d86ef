"""Addresses: sha256(public key)[:20] and the canonical `0x` + 40 lowercase hex text form."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmchain.crypto import (
    InvalidAddress,
    InvalidKey,
    PrivateKey,
    Scheme,
    address_from_text,
    address_of,
    address_to_text,
    scheme_from_name,
    to_address,
)


def test_dev_account_zero_address() -> None:
    # DESIGN.md 8a: dev account i has key sha256(b"vmchain-dev" + i as 4 bytes) mod n.
    secret = int.from_bytes(hashlib.sha256(b"vmchain-dev" + (0).to_bytes(4, "big")).digest())
    key = PrivateKey.from_int(Scheme.SECP256K1, secret)
    assert address_to_text(key.address) == "0x" + hashlib.sha256(key.public_key).hexdigest()[:40]
    assert address_of(key.public_key) == key.address


@given(st.binary(min_size=20, max_size=20))
def test_text_round_trip(raw: bytes) -> None:
    text = address_to_text(raw)
    assert text == "0x" + raw.hex() and address_from_text(text) == raw
    assert to_address(text) == to_address(raw) == raw


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0x",
        "0x" + "a" * 39,
        "0x" + "a" * 41,
        "0X" + "a" * 40,
        "0x" + "A" * 40,
        "a" * 42,
        "0x" + "g" * 40,
    ],
)
def test_bad_text_rejected(text: str) -> None:
    with pytest.raises(InvalidAddress, match="40 lowercase hex"):
        address_from_text(text)


def test_bad_sizes_rejected() -> None:
    with pytest.raises(InvalidAddress):
        address_to_text(b"\x00" * 19)
    with pytest.raises(InvalidAddress):
        to_address(b"\x00" * 21)
    with pytest.raises(InvalidKey, match="compressed"):
        address_of(b"\x01\x04" + b"\x00" * 32)


def test_scheme_names() -> None:
    assert scheme_from_name("secp256k1") is Scheme.SECP256K1
    assert scheme_from_name("P-256") is scheme_from_name("p256") is Scheme.P256
    with pytest.raises(ValueError, match="unknown curve 'ed25519'"):
        scheme_from_name("ed25519")
