"""NIST P-256 through cryptography (OpenSSL): constant-time signing, fast verification."""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)

from vmchain.crypto.backend import Backend
from vmchain.crypto.curves import HALF_ORDER, ORDER, Scheme, is_canonical, split_signature

_CURVE = ec.SECP256R1()
_N = ORDER[Scheme.P256]
_HALF_N = HALF_ORDER[Scheme.P256]
_SIGN = ec.ECDSA(Prehashed(hashes.SHA256()), deterministic_signing=True)
_VERIFY = ec.ECDSA(Prehashed(hashes.SHA256()))
_COMPRESSED = (serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def public_point(secret: int) -> bytes:
    return ec.derive_private_key(secret, _CURVE).public_key().public_bytes(*_COMPRESSED)


def sign_digest(secret: int, digest: bytes) -> bytes:
    der = ec.derive_private_key(secret, _CURVE).sign(digest, _SIGN)
    r, s = decode_dss_signature(der)
    if s > _HALF_N:
        s = _N - s
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@lru_cache(maxsize=4096)
def _public_key(point: bytes) -> ec.EllipticCurvePublicKey:
    """Decode a compressed point once per key (~20 µs each time otherwise): senders repeat.

    A point that is not on the curve raises ValueError, which lru_cache does not remember.
    """
    return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, point)


def verify_digest(point: bytes, digest: bytes, signature: bytes) -> bool:
    rs = split_signature(signature)
    if rs is None or len(digest) != 32 or not is_canonical(Scheme.P256, *rs):
        return False
    try:
        key = _public_key(bytes(point))
        key.verify(encode_dss_signature(*rs), digest, _VERIFY)
    except (ValueError, InvalidSignature):
        return False
    return True


def valid_point(point: bytes) -> bool:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, point)
    except ValueError:
        return False
    return len(point) == 33


BACKEND = Backend("cryptography", public_point, sign_digest, verify_digest, valid_point)
