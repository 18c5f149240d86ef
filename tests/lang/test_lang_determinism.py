"""Determinism: the same source gives the same bytes, twice and under any PYTHONHASHSEED."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from vmchain.lang.compiler import compile_file

CASES = Path(__file__).resolve().parent / "cases"
SCRIPT = """
import hashlib, json, sys
from pathlib import Path
from vmchain.lang.compiler import compile_file
out = {}
for path in sorted(Path(sys.argv[1]).glob("*.py")):
    artifact = compile_file(path)
    out[path.name] = hashlib.sha256(artifact.code + artifact.abi_text().encode()).hexdigest()
print(json.dumps(out))
"""


def digests() -> dict[str, str]:
    out = {}
    for path in sorted(CASES.glob("*.py")):
        artifact = compile_file(path)
        out[path.name] = hashlib.sha256(artifact.code + artifact.abi_text().encode()).hexdigest()
    return out


def test_compiling_twice_gives_identical_bytes() -> None:
    first = compile_file(CASES / "parking.py")
    second = compile_file(CASES / "parking.py")
    assert first.code == second.code and first.abi_text() == second.abi_text()


def test_hash_seeds_do_not_change_the_output() -> None:
    here = digests()
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(CASES)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert json.loads(done.stdout) == here, f"PYTHONHASHSEED={seed}"
