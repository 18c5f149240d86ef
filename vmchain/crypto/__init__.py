"""Keys, addresses and signatures (secp256k1 and P-256). Pure: no I/O, no clock.

The names below are the layer's public API; other layers import only these.
"""

from vmchain.crypto.address import (
    ADDRESS_SIZE,
    address_from_text,
    address_of,
    address_to_text,
    to_address,
)
from vmchain.crypto.curves import PUBLIC_KEY_SIZE, SIGNATURE_SIZE, Scheme, scheme_from_name
from vmchain.crypto.errors import CryptoError, InvalidAddress, InvalidKey
from vmchain.crypto.keys import PrivateKey, public_key_scheme, signing_digest, verify

__all__ = [
    "ADDRESS_SIZE",
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "CryptoError",
    "InvalidAddress",
    "InvalidKey",
    "PrivateKey",
    "Scheme",
    "address_from_text",
    "address_of",
    "address_to_text",
    "public_key_scheme",
    "scheme_from_name",
    "signing_digest",
    "to_address",
    "verify",
]
