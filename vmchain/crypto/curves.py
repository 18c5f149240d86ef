"""The two signature schemes and the constants of their curves.

A public key travels as `scheme byte || 33-byte compressed point` (DESIGN.md section 2).
"""

from __future__ import annotations

from enum import IntEnum


class Scheme(IntEnum):
    """The scheme byte that prefixes every public key."""

    SECP256K1 = 1
    P256 = 2


# Group orders: a signature's r and s, and a private key, lie in [1, n - 1].
ORDER: dict[Scheme, int] = {
    Scheme.SECP256K1: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    Scheme.P256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
}
HALF_ORDER: dict[Scheme, int] = {scheme: n // 2 for scheme, n in ORDER.items()}

PUBLIC_KEY_SIZE = 34  # scheme byte + 33-byte compressed point
SIGNATURE_SIZE = 64  # r || s, 32 bytes each, big-endian
DIGEST_SIZE = 32  # sha256
SCHEME_NAMES: dict[str, Scheme] = {"secp256k1": Scheme.SECP256K1, "p256": Scheme.P256}


def scheme_from_name(name: str) -> Scheme:
    """Map "secp256k1" / "p256" (also "P-256", "secp256r1") to a Scheme."""
    key = name.lower().replace("-", "")
    if key == "secp256r1":
        key = "p256"
    try:
        return SCHEME_NAMES[key]
    except KeyError:
        raise ValueError(f"unknown curve {name!r}: expected 'secp256k1' or 'p256'") from None


def split_signature(signature: bytes) -> tuple[int, int] | None:
    """r, s of a 64-byte signature, or None when the length is wrong."""
    if len(signature) != SIGNATURE_SIZE:
        return None
    return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")


def is_canonical(scheme: Scheme, r: int, s: int) -> bool:
    """True when 1 <= r < n and 1 <= s <= n/2 (low-S): the only form vmchain accepts."""
    return 0 < r < ORDER[scheme] and 0 < s <= HALF_ORDER[scheme]
