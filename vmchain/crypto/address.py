"""Addresses: the first 20 bytes of sha256(public key), and their `0x…` text form."""

from __future__ import annotations

import hashlib

from vmchain.crypto.curves import PUBLIC_KEY_SIZE, Scheme
from vmchain.crypto.errors import InvalidAddress, InvalidKey

ADDRESS_SIZE = 20
_HEX_DIGITS = frozenset("0123456789abcdef")


def address_of(public_key: bytes) -> bytes:
    """The 20-byte address of a 34-byte public key (scheme byte || compressed point).

    Only the shape is checked here (length, scheme byte, point prefix); whether the point is
    on its curve is checked where a signature is verified.
    """
    check_public_key_shape(public_key)
    return hashlib.sha256(public_key).digest()[:ADDRESS_SIZE]


def check_public_key_shape(public_key: bytes) -> Scheme:
    """The scheme of a well-shaped public key; InvalidKey saying what is wrong otherwise."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidKey(f"public key must be {PUBLIC_KEY_SIZE} bytes, got {len(public_key)}")
    try:
        scheme = Scheme(public_key[0])
    except ValueError:
        raise InvalidKey(f"unknown public key scheme byte {public_key[0]}") from None
    if public_key[1] not in (2, 3):
        raise InvalidKey(
            f"public key point must be compressed (0x02/0x03), got {public_key[1]:#04x}"
        )
    return scheme


def address_to_text(address: bytes) -> str:
    """`0x` + 40 lowercase hex digits."""
    if len(address) != ADDRESS_SIZE:
        raise InvalidAddress(f"address must be {ADDRESS_SIZE} bytes, got {len(address)}")
    return "0x" + address.hex()


def address_from_text(text: str) -> bytes:
    """Parse `0x` + 40 lowercase hex digits into 20 bytes."""
    digits = text[2:] if text.startswith("0x") else None
    if digits is None or len(digits) != 2 * ADDRESS_SIZE or not set(digits) <= _HEX_DIGITS:
        raise InvalidAddress(f"address must be '0x' + 40 lowercase hex digits, got {text!r}")
    return bytes.fromhex(digits)


def to_address(value: bytes | str) -> bytes:
    """Accept an address as 20 bytes or as its text form."""
    if isinstance(value, str):
        return address_from_text(value)
    if len(value) != ADDRESS_SIZE:
        raise InvalidAddress(f"address must be {ADDRESS_SIZE} bytes, got {len(value)}")
    return bytes(value)
