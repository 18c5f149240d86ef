"""Private keys, public keys, signing and verification, dispatched by scheme.

Signing uses the constant-time production backends (coincurve for secp256k1, cryptography for
P-256); `verify` is the fast check every transaction, block seal and voucher goes through.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from vmchain.crypto import p256, secp256k1
from vmchain.crypto.address import address_of, check_public_key_shape
from vmchain.crypto.backend import Backend
from vmchain.crypto.curves import DIGEST_SIZE, ORDER, PUBLIC_KEY_SIZE, Scheme
from vmchain.crypto.errors import InvalidKey
from vmchain.crypto.keygen import random_secret

BACKENDS: dict[Scheme, Backend] = {
    Scheme.SECP256K1: secp256k1.BACKEND,
    Scheme.P256: p256.BACKEND,
}


def signing_digest(domain: bytes, payload: bytes) -> bytes:
    """sha256(domain || payload): what every vmchain signature signs (DESIGN.md section 2)."""
    return hashlib.sha256(domain + payload).digest()


def verify(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    """True iff `signature` is a canonical (low-S) signature of `digest` by `public_key`.

    Never raises: a key of the wrong size or scheme, a point off its curve, a digest that is not
    32 bytes, or a signature that is truncated, zero, out of range or high-S is just invalid.
    """
    if len(public_key) != PUBLIC_KEY_SIZE or len(digest) != DIGEST_SIZE:
        return False
    scheme_byte = public_key[0]
    if scheme_byte == Scheme.SECP256K1:
        return secp256k1.verify_digest(public_key[1:], digest, signature)
    if scheme_byte == Scheme.P256:
        return p256.verify_digest(public_key[1:], digest, signature)
    return False


def public_key_scheme(public_key: bytes) -> Scheme:
    """The scheme of a public key, checking its shape and that its point is on the curve."""
    scheme = check_public_key_shape(public_key)
    if not BACKENDS[scheme].valid_point(public_key[1:]):
        raise InvalidKey(f"public key point is not on the {scheme.name} curve")
    return scheme


@dataclass(frozen=True, slots=True)
class PrivateKey:
    """A private key of one scheme. `repr` never shows the secret."""

    scheme: Scheme
    secret: int = field(repr=False)
    public_key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.secret < ORDER[self.scheme]:
            raise InvalidKey(f"private key out of range for {self.scheme.name}")
        point = BACKENDS[self.scheme].public_point(self.secret)
        object.__setattr__(self, "public_key", bytes([self.scheme]) + point)

    @classmethod
    def from_int(cls, scheme: Scheme, secret: int) -> PrivateKey:
        return cls(Scheme(scheme), secret)

    @classmethod
    def from_bytes(cls, scheme: Scheme, secret: bytes) -> PrivateKey:
        if len(secret) != 32:
            raise InvalidKey(f"private key must be 32 bytes, got {len(secret)}")
        return cls(Scheme(scheme), int.from_bytes(secret, "big"))

    @classmethod
    def generate(cls, scheme: Scheme = Scheme.SECP256K1) -> PrivateKey:
        """A fresh key from the operating system's CSPRNG (edge code only, not consensus)."""
        return cls(Scheme(scheme), random_secret(ORDER[Scheme(scheme)]))

    @property
    def address(self) -> bytes:
        return address_of(self.public_key)

    def to_bytes(self) -> bytes:
        return self.secret.to_bytes(32, "big")

    def sign_digest(self, digest: bytes) -> bytes:
        """64-byte r || s over a 32-byte digest: RFC 6979, low-S, constant time."""
        if len(digest) != DIGEST_SIZE:
            raise ValueError(f"digest must be {DIGEST_SIZE} bytes, got {len(digest)}")
        return BACKENDS[self.scheme].sign_digest(self.secret, digest)

    def sign(self, domain: bytes, payload: bytes) -> bytes:
        """Sign sha256(domain || payload)."""
        return self.sign_digest(signing_digest(domain, payload))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrivateKey):
            return NotImplemented
        return self.scheme == other.scheme and hmac.compare_digest(
            self.to_bytes(), other.to_bytes()
        )

    def __hash__(self) -> int:
        return hash(self.public_key)
