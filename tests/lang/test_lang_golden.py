"""Golden tests: every contract under cases/ compiles to its committed assembly and ABI.

A difference fails the test. After an intended compiler change, regenerate with
`UPDATE_GOLDEN=1 .venv/bin/pytest tests/lang/test_lang_golden.py` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vmchain.lang.compiler import compile_file

CASES = Path(__file__).resolve().parent / "cases"
SOURCES = sorted(CASES.glob("*.py"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _check(path: Path, text: str) -> None:
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"{path.name} is missing: run with UPDATE_GOLDEN=1"
    assert path.read_text() == text, f"{path.name} differs: run with UPDATE_GOLDEN=1 and review"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_case_matches_its_golden_output(source: Path) -> None:
    artifact = compile_file(source)
    _check(source.with_suffix(".asm"), artifact.assembly())
    _check(source.with_suffix(".abi.json"), artifact.abi_text())


def test_there_are_cases() -> None:
    assert len(SOURCES) >= 5
