"""Signatures: committed vectors, RFC 6979 known answers, and the differential check.

Every backend (coincurve, cryptography, and the pure-Python `ecdsa` reference) must accept and
reject exactly the same signatures, and sign byte-identically (RFC 6979 + low-S).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.crypto import InvalidKey, PrivateKey, Scheme, public_key_scheme, signing_digest, verify
from vmchain.crypto.curves import HALF_ORDER, ORDER
from vmchain.crypto.keys import BACKENDS
from vmchain.crypto.reference import REFERENCE, reference_verify

VECTORS_DIR = Path(__file__).resolve().parent.parent / "vectors"
VECTORS: list[dict[str, Any]] = json.loads((VECTORS_DIR / "signatures.json").read_text())


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_signatures", VECTORS_DIR / "make_signatures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vectors_are_reproducible() -> None:
    assert _load_generator().render() == (VECTORS_DIR / "signatures.json").read_text()


def test_vectors_cover_every_rejection_class() -> None:
    names = {v["name"] for v in VECTORS}
    for scheme in ("secp256k1", "p256"):
        for case in (
            "valid",
            "high_s",
            "r_zero",
            "s_zero",
            "r_equals_n",
            "truncated_63",
            "wrong_scheme_byte",
            "point_not_on_curve",
        ):
            assert f"{scheme}_{case}" in names
    assert sum(v["valid"] for v in VECTORS) == 4


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_every_backend_agrees_with_vector(vector: dict[str, Any]) -> None:
    pk, digest, sig = (bytes.fromhex(vector[k]) for k in ("public_key", "digest", "signature"))
    assert verify(pk, digest, sig) is vector["valid"]
    assert reference_verify(pk, digest, sig) is vector["valid"]


def test_rfc6979_p256_sha256_sample() -> None:
    # RFC 6979 appendix A.2.5, P-256 with SHA-256, message "sample"; s normalised to low-S.
    secret = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
    r = 0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716
    s = 0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8
    key = PrivateKey.from_int(Scheme.P256, secret)
    digest = hashlib.sha256(b"sample").digest()
    expected = r.to_bytes(32, "big") + (ORDER[Scheme.P256] - s).to_bytes(32, "big")
    assert key.sign_digest(digest) == expected
    assert REFERENCE[Scheme.P256].sign_digest(secret, digest) == expected
    assert verify(key.public_key, digest, expected)


def test_public_key_layout_and_address() -> None:
    key = PrivateKey.from_int(Scheme.SECP256K1, 1)
    # The generator point G of secp256k1, compressed, behind the scheme byte.
    g = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    assert key.public_key.hex() == "01" + g
    assert key.address == hashlib.sha256(key.public_key).digest()[:20]
    assert public_key_scheme(key.public_key) is Scheme.SECP256K1


def test_public_key_scheme_rejects_bad_keys() -> None:
    good = PrivateKey.from_int(Scheme.P256, 7).public_key
    with pytest.raises(InvalidKey, match="34 bytes"):
        public_key_scheme(good[:-1])
    with pytest.raises(InvalidKey, match="scheme byte 9"):
        public_key_scheme(b"\x09" + good[1:])
    with pytest.raises(InvalidKey, match="not on the P256 curve"):
        public_key_scheme(
            bytes.fromhex(
                next(v["public_key"] for v in VECTORS if v["name"] == "p256_point_not_on_curve")
            )
        )


def test_private_key_range_and_secrecy() -> None:
    with pytest.raises(InvalidKey):
        PrivateKey.from_int(Scheme.SECP256K1, 0)
    with pytest.raises(InvalidKey):
        PrivateKey.from_int(Scheme.P256, ORDER[Scheme.P256])
    key = PrivateKey.from_int(Scheme.SECP256K1, 0xDEADBEEF)
    assert "deadbeef" not in repr(key).lower() and str(0xDEADBEEF) not in repr(key)


def test_sign_with_domain() -> None:
    key = PrivateKey.from_int(Scheme.SECP256K1, 42)
    sig = key.sign(b"vmchain-tx", b"body")
    assert verify(key.public_key, signing_digest(b"vmchain-tx", b"body"), sig)
    assert not verify(key.public_key, signing_digest(b"vmchain-block", b"body"), sig)


def test_generate_gives_distinct_working_keys() -> None:
    for scheme in Scheme:
        a, b = PrivateKey.generate(scheme), PrivateKey.generate(scheme)
        assert a != b and a.public_key[0] == scheme
        digest = hashlib.sha256(b"x").digest()
        assert verify(a.public_key, digest, a.sign_digest(digest))


secrets_st = st.integers(min_value=1, max_value=min(ORDER.values()) - 1)
digests = st.binary(min_size=32, max_size=32)
schemes = st.sampled_from(list(Scheme))


@settings(max_examples=60, deadline=None)
@given(scheme=schemes, secret=secrets_st, digest=digests)
def test_backends_sign_identically_and_low_s(scheme: Scheme, secret: int, digest: bytes) -> None:
    sig = BACKENDS[scheme].sign_digest(secret, digest)
    assert sig == REFERENCE[scheme].sign_digest(secret, digest)
    assert int.from_bytes(sig[32:], "big") <= HALF_ORDER[scheme]
    pk = bytes([scheme]) + BACKENDS[scheme].public_point(secret)
    assert pk[1:] == REFERENCE[scheme].public_point(secret)
    assert verify(pk, digest, sig) and reference_verify(pk, digest, sig)


@settings(max_examples=60, deadline=None)
@given(scheme=schemes, secret=secrets_st, digest=digests, data=st.data())
def test_backends_agree_on_mutations(
    scheme: Scheme, secret: int, digest: bytes, data: st.DataObject
) -> None:
    key = PrivateKey.from_int(scheme, secret)
    sig = key.sign_digest(digest)
    n = ORDER[scheme]
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    mutated = data.draw(
        st.sampled_from(
            [
                (key.public_key, digest, r.to_bytes(32, "big") + (n - s).to_bytes(32, "big")),
                (key.public_key, digest, sig[:-1]),
                (key.public_key, bytes([digest[0] ^ 0x80]) + digest[1:], sig),
                (key.public_key, digest, data.draw(st.binary(min_size=64, max_size=64))),
                (data.draw(st.binary(min_size=34, max_size=34)), digest, sig),
                (bytes([3 - scheme]) + key.public_key[1:], digest, sig),
            ]
        )
    )
    assert verify(*mutated) is False
    assert reference_verify(*mutated) is False
