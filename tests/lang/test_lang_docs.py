"""docs/contracts.md's language section: its example compiles and every builtin is listed."""

from __future__ import annotations

import re
from pathlib import Path

from vmchain.lang.builtins import ATTRIBUTES, BUILTINS
from vmchain.lang.compiler import compile_source

DOC = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"


def section() -> str:
    text = DOC.read_text()
    return text[text.index("## The contract language") :]


def test_the_first_example_compiles() -> None:
    example = re.search(r"```python\n(.*?)```", section(), re.S)
    assert example is not None
    artifact = compile_source("example.py", example.group(1))
    assert artifact.name == "Counter"
    assert [f.name for f in artifact.abi.functions] == ["bump", "get"]


def test_every_builtin_and_attribute_is_documented() -> None:
    text = section()
    for name in BUILTINS:
        assert f"`{name}(" in text, name
    for obj, attr in ATTRIBUTES:
        assert f"`{obj}.{attr}`" in text, (obj, attr)
