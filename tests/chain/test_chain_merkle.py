"""Merkle tree: RFC 6962 reference vectors, a recursive model, and proofs for every index."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.chain.merkle import (
    EMPTY_ROOT,
    InclusionProof,
    leaf_hash,
    merkle_root,
    node_hash,
    prove_inclusion,
    root_from_proof,
    verify_inclusion,
)

# Certificate Transparency's reference tree (certificate-transparency merkle_tree_test.cc,
# also trillian testonly/constants.go): the leaves, the root of the first n leaves for n = 1..8,
# and published audit paths.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 section 2.1, written as the recursion it is."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two < n
    return hashlib.sha256(
        b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])
    ).digest()


def test_empty_root_is_sha256_of_nothing() -> None:
    assert merkle_root([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_domain_separation() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    # A two-leaf root is not the leaf hash of the concatenated leaf hashes.
    left, right = leaf_hash(b"l"), leaf_hash(b"r")
    assert merkle_root([b"l", b"r"]) != leaf_hash(left + right)


@pytest.mark.parametrize("n", range(1, 9))
def test_ct_reference_roots(n: int) -> None:
    assert merkle_root(CT_LEAVES[:n]).hex() == CT_ROOTS[n - 1]


@pytest.mark.parametrize(("index", "size", "path"), CT_PATHS)
def test_ct_reference_paths(index: int, size: int, path: list[str]) -> None:
    proof = prove_inclusion(CT_LEAVES[:size], index)
    assert [h.hex() for h in proof.path] == path
    assert verify_inclusion(bytes.fromhex(CT_ROOTS[size - 1]), CT_LEAVES[index], proof)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=40))
def test_root_matches_recursive_model(leaves: list[bytes]) -> None:
    assert merkle_root(leaves) == reference_root(leaves)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 100])
def test_every_index_proves_and_every_tamper_fails(n: int) -> None:
    leaves = [i.to_bytes(2, "big") for i in range(n)]
    root = merkle_root(leaves)
    for i in range(n):
        proof = prove_inclusion(leaves, i)
        assert verify_inclusion(root, leaves[i], proof)
        assert not verify_inclusion(root, leaves[i] + b"!", proof)
        for j in range(len(proof.path)):
            bad = list(proof.path)
            bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
            assert not verify_inclusion(root, leaves[i], replace(proof, path=tuple(bad)))
        for other in (i - 1, i + 1):
            if 0 <= other < n and leaves[other] != leaves[i]:
                assert not verify_inclusion(root, leaves[i], replace(proof, index=other))
        assert not verify_inclusion(root, leaves[i], replace(proof, path=(*proof.path, root)))
        if proof.path:
            assert not verify_inclusion(root, leaves[i], replace(proof, path=proof.path[1:]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=6), min_size=1, max_size=30), st.data())
def test_proofs_verify_for_random_trees(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = prove_inclusion(leaves, index)
    assert root_from_proof(leaves[index], proof) == reference_root(leaves)


def test_malformed_proofs_verify_nothing() -> None:
    leaves = [b"a", b"b", b"c"]
    root = merkle_root(leaves)
    good = prove_inclusion(leaves, 1)
    assert root_from_proof(b"b", replace(good, index=3)) is None
    assert root_from_proof(b"b", replace(good, index=-1)) is None
    assert root_from_proof(b"b", replace(good, size=0)) is None
    assert root_from_proof(b"b", replace(good, path=(good.path[0][:31], good.path[1]))) is None
    assert not verify_inclusion(root, b"b", InclusionProof(0, 1, ()))
    with pytest.raises(IndexError, match="out of range"):
        prove_inclusion(leaves, 3)
