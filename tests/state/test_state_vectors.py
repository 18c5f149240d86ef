"""Committed trie-root vectors (tests/vectors/trie_roots.json): the same roots in any
insertion order, after deletes, and under any PYTHONHASHSEED (checked in subprocesses).

Regenerate (only when the node format changes on purpose):
    .venv/bin/python tests/state/test_state_vectors.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from vmchain.state.nodestore import NodeStore
from vmchain.state.trie import Trie

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "trie_roots.json"
REPO = Path(__file__).resolve().parents[2]


def load_cases() -> list[dict[str, Any]]:
    if not VECTORS.exists():  # only while regenerating; test_vector_file_is_complete fails
        return []
    cases: list[dict[str, Any]] = json.loads(VECTORS.read_text())["cases"]
    return cases


def test_vector_file_is_complete() -> None:
    names = [case["name"] for case in load_cases()]
    assert names == ["empty", "single", "prefixes", "short-keys", "hashed-200", "world"]
    assert load_cases()[0]["root"] == sha256(b"").hexdigest()


def root_of(entries: list[tuple[bytes, bytes]]) -> bytes:
    trie = Trie(NodeStore.memory())
    for key, value in entries:
        trie.put(key, value)
    return trie.root()


def entries_of(case: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    return [(bytes.fromhex(k), bytes.fromhex(v)) for k, v in case["entries"]]


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case["name"])
def test_vector_roots(case: dict[str, Any]) -> None:
    entries = entries_of(case)
    assert root_of(entries).hex() == case["root"]
    assert root_of(entries[::-1]).hex() == case["root"]
    trie = Trie(NodeStore.memory())
    for key, value in entries:
        trie.put(key, b"first " + value)
        trie.put(key + b"\x00extra", b"gone soon")
    trie.commit()
    for key, value in entries:
        trie.delete(key + b"\x00extra")
        trie.put(key, value)
    assert trie.root().hex() == case["root"]


_CHILD = """
import json, sys
from vmchain.state.nodestore import NodeStore
from vmchain.state.trie import Trie
out = {}
for case in json.load(open(sys.argv[1]))["cases"]:
    trie = Trie(NodeStore.memory())
    for k, v in case["entries"]:
        trie.put(bytes.fromhex(k), bytes.fromhex(v))
    out[case["name"]] = trie.root().hex()
print(json.dumps(out))
"""


def test_roots_do_not_depend_on_the_hash_seed() -> None:
    want = {case["name"]: case["root"] for case in load_cases()}
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(VECTORS)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert json.loads(done.stdout) == want, f"PYTHONHASHSEED={seed}"


def _generate() -> dict[str, Any]:
    def h(*parts: bytes) -> bytes:
        return sha256(b"".join(parts)).digest()

    hashed = [
        (h(b"key", i.to_bytes(4, "big")), h(b"value", bytes([i % 251]))[: 1 + i % 32])
        for i in range(200)
    ]
    short = [
        (bytes(k), f"v{i}".encode())
        for i, k in enumerate(
            [
                b"",
                b"\x00",
                b"\x01",
                b"\x00\x10",
                b"\x10",
                b"\x10\x00",
                b"\x1f",
                b"\xff",
                b"\xff\xf0",
            ]
        )
    ]
    prefixes = [(k, b"=" + k) for k in (b"", b"a", b"ab", b"abc", b"abd", b"b", b"ba")]
    alice, bob, contract = b"\x11" * 20, b"\x22" * 20, b"\xc0" * 20
    code = b"VMC\x01 module"
    world = [
        (b"\x01" + alice, bytes.fromhex("0ad3c21bcecceda1000000")),
        (b"\x01" + bob, b"\x01\x2a"),
        (b"\x01" + contract, b"\x00" + h(code)),
        (b"\x03" + h(code), code),
        (b"\x02" + contract + h(b"owner"), alice),
        (b"\x02" + contract + h(b"count"), b"\x03"),
    ]
    cases = [
        ("empty", []),
        ("single", [(b"key", b"value")]),
        ("prefixes", prefixes),
        ("short-keys", short),
        ("hashed-200", hashed),
        ("world", world),
    ]
    return {
        "description": "vmchain state trie roots: sha256 nodes, encoding in docs/state.md",
        "cases": [
            {
                "name": name,
                "entries": [[k.hex(), v.hex()] for k, v in entries],
                "root": root_of(entries).hex(),
            }
            for name, entries in cases
        ],
    }


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(_generate(), indent=1) + "\n")
    print(f"wrote {VECTORS}")
