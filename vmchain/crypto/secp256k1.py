"""secp256k1 through coincurve (libsecp256k1): constant-time signing, fast verification."""

from __future__ import annotations

from functools import lru_cache

import coincurve
from coincurve.ecdsa import cdata_to_der, deserialize_compact

from vmchain.crypto.backend import Backend
from vmchain.crypto.curves import Scheme, is_canonical, split_signature


def public_point(secret: int) -> bytes:
    return coincurve.PrivateKey.from_int(secret).public_key.format(compressed=True)


def sign_digest(secret: int, digest: bytes) -> bytes:
    # libsecp256k1 uses RFC 6979 nonces and always emits low-S signatures.
    recoverable = coincurve.PrivateKey.from_int(secret).sign_recoverable(digest, hasher=None)
    return recoverable[:64]


@lru_cache(maxsize=4096)
def _public_key(point: bytes) -> coincurve.PublicKey:
    """Parse a compressed point once per key; an invalid one raises and is not remembered."""
    return coincurve.PublicKey(point)


def verify_digest(point: bytes, digest: bytes, signature: bytes) -> bool:
    rs = split_signature(signature)
    if rs is None or len(digest) != 32 or not is_canonical(Scheme.SECP256K1, *rs):
        return False
    try:
        der = cdata_to_der(deserialize_compact(signature))
        return bool(_public_key(bytes(point)).verify(der, digest, hasher=None))
    except (ValueError, TypeError):
        return False


def valid_point(point: bytes) -> bool:
    try:
        coincurve.PublicKey(point)
    except (ValueError, TypeError):
        return False
    return len(point) == 33


BACKEND = Backend("coincurve", public_point, sign_digest, verify_digest, valid_point)
