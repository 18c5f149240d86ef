"""Regenerate tests/vectors/signatures.json: `python tests/vectors/make_signatures.py`.

Every vector is derived from fixed seeds, so the file is reproducible byte for byte; the test
suite checks that it still is, and that every backend agrees with each vector's verdict.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from vmchain.crypto import PrivateKey, Scheme
from vmchain.crypto.curves import ORDER
from vmchain.crypto.reference import REFERENCE

OUT = Path(__file__).with_name("signatures.json")


def _key(scheme: Scheme, i: int) -> PrivateKey:
    seed = hashlib.sha256(b"vmchain-vector" + bytes([scheme, i])).digest()
    return PrivateKey.from_int(scheme, int.from_bytes(seed, "big") % (ORDER[scheme] - 1) + 1)


def _off_curve_point(scheme: Scheme) -> bytes:
    """The first compressed point (0x02 || x, x = 1, 2, ...) that is not on the curve."""
    x = 1
    while REFERENCE[scheme].valid_point(b"\x02" + _int32(x)):
        x += 1
    return b"\x02" + _int32(x)


def _int32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _cases(scheme: Scheme) -> list[tuple[str, bytes, bytes, bytes, bool]]:
    n = ORDER[scheme]
    key, other = _key(scheme, 0), _key(scheme, 1)
    digest = hashlib.sha256(b"vmchain-vector parking exit lot 7").digest()
    sig = key.sign_digest(digest)
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    pk = key.public_key
    foreign = 3 - scheme  # the other scheme's byte
    flipped = bytes([digest[0] ^ 1]) + digest[1:]
    return [
        ("valid", pk, digest, sig, True),
        ("valid_second_key", other.public_key, digest, other.sign_digest(digest), True),
        ("high_s", pk, digest, _int32(r) + _int32(n - s), False),
        ("r_zero", pk, digest, _int32(0) + _int32(s), False),
        ("s_zero", pk, digest, _int32(r) + _int32(0), False),
        ("r_equals_n", pk, digest, _int32(n) + _int32(s), False),
        ("s_equals_n", pk, digest, _int32(r) + _int32(n), False),
        ("r_plus_n_overflow", pk, digest, b"\xff" * 32 + _int32(s), False),
        ("truncated_63", pk, digest, sig[:63], False),
        ("too_long_65", pk, digest, sig + b"\x00", False),
        ("empty_signature", pk, digest, b"", False),
        ("wrong_digest", pk, flipped, sig, False),
        ("short_digest", pk, digest[:31], sig, False),
        ("wrong_key", other.public_key, digest, sig, False),
        ("wrong_scheme_byte", bytes([foreign]) + pk[1:], digest, sig, False),
        ("unknown_scheme_byte", b"\x03" + pk[1:], digest, sig, False),
        ("uncompressed_prefix", pk[:1] + b"\x04" + pk[2:], digest, sig, False),
        ("point_not_on_curve", pk[:1] + _off_curve_point(scheme), digest, sig, False),
        ("short_public_key", pk[:33], digest, sig, False),
    ]


def vectors() -> list[dict[str, object]]:
    return [
        {
            "name": f"{scheme.name.lower()}_{name}",
            "public_key": pk.hex(),
            "digest": digest.hex(),
            "signature": sig.hex(),
            "valid": valid,
        }
        for scheme in Scheme
        for name, pk, digest, sig, valid in _cases(scheme)
    ]


def render() -> str:
    return json.dumps(vectors(), indent=1) + "\n"


if __name__ == "__main__":
    OUT.write_text(render())
    print(f"wrote {OUT}")
