"""The reference implementation of both curves with the pure-Python `ecdsa` package.

Used for key encodings in tests and for the differential check that every backend accepts and
rejects the same signatures. Never sign with it in production paths: it is not constant-time
(CVE-2024-23342).
"""

from __future__ import annotations

import hashlib

import ecdsa
from ecdsa.util import sigdecode_string, sigencode_strings_canonize

from vmchain.crypto.backend import Backend
from vmchain.crypto.curves import Scheme, is_canonical, split_signature

_CURVES: dict[Scheme, ecdsa.curves.Curve] = {
    Scheme.SECP256K1: ecdsa.SECP256k1,
    Scheme.P256: ecdsa.NIST256p,
}


def _backend(scheme: Scheme) -> Backend:
    curve = _CURVES[scheme]

    def public_point(secret: int) -> bytes:
        key = ecdsa.SigningKey.from_secret_exponent(secret, curve=curve, hashfunc=hashlib.sha256)
        return bytes(key.get_verifying_key().to_string("compressed"))

    def sign_digest(secret: int, digest: bytes) -> bytes:
        key = ecdsa.SigningKey.from_secret_exponent(secret, curve=curve, hashfunc=hashlib.sha256)
        r, s = key.sign_digest_deterministic(
            digest, hashfunc=hashlib.sha256, sigencode=sigencode_strings_canonize
        )
        return bytes(r) + bytes(s)

    def verify_digest(point: bytes, digest: bytes, signature: bytes) -> bool:
        rs = split_signature(signature)
        if rs is None or len(digest) != 32 or not is_canonical(scheme, *rs):
            return False
        try:
            key = ecdsa.VerifyingKey.from_string(point, curve=curve, hashfunc=hashlib.sha256)
            return bool(key.verify_digest(signature, digest, sigdecode=sigdecode_string))
        except (ecdsa.BadSignatureError, ecdsa.MalformedPointError, ValueError, AssertionError):
            return False

    def valid_point(point: bytes) -> bool:
        try:
            ecdsa.VerifyingKey.from_string(point, curve=curve)
        except (ecdsa.MalformedPointError, ValueError, AssertionError):
            return False
        return len(point) == 33

    return Backend("ecdsa", public_point, sign_digest, verify_digest, valid_point)


REFERENCE: dict[Scheme, Backend] = {scheme: _backend(scheme) for scheme in Scheme}


def reference_verify(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    """`vmchain.crypto.verify`, computed by the reference implementation."""
    if len(public_key) != 34 or len(digest) != 32 or public_key[0] not in (1, 2):
        return False
    return REFERENCE[Scheme(public_key[0])].verify_digest(public_key[1:], digest, signature)
