"""Error cases: each file under errors/ marks its offending lines with `# error: <message>`
(several messages on one line are separated by "; "). Compiling it must report exactly those
lines, each with an error containing its message, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vmchain.lang.compiler import compile_file, compile_source
from vmchain.lang.errors import CompileError, CompileErrors

ERRORS = Path(__file__).resolve().parent / "errors"
SOURCES = sorted(ERRORS.glob("*.py"))
MARK = re.compile(r"#\s*error:\s*(.+?)\s*$")


def expected(path: Path) -> dict[int, list[str]]:
    marks: dict[int, list[str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        found = MARK.search(line)
        if found:
            marks[number] = [part.strip() for part in found.group(1).split("; ")]
    return marks


def reported(path: Path) -> tuple[CompileError, ...]:
    with pytest.raises(CompileErrors) as caught:
        compile_file(path)
    return caught.value.errors


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_error_case(source: Path) -> None:
    want = expected(source)
    errors = reported(source)
    assert want, f"{source.name} marks no line"
    by_line: dict[int, list[str]] = {}
    for error in errors:
        assert error.file == str(source)
        by_line.setdefault(error.line, []).append(error.message)
    unexpected = {line: msgs for line, msgs in by_line.items() if line not in want}
    assert unexpected == {}, f"errors on unmarked lines: {unexpected}"
    for line, messages in want.items():
        got = by_line.get(line, [])
        for message in messages:
            assert any(message in g for g in got), f"line {line}: want {message!r}, got {got}"


def test_errors_carry_file_line_column_and_hint() -> None:
    text = "from vmchain.lang import Contract, public\nclass C(Contract):\n    @public\n"
    text += "    def f(self) -> int:\n        return {}\n"
    with pytest.raises(CompileErrors) as caught:
        compile_source("c.py", text)
    (error,) = caught.value.errors
    assert (error.file, error.line, error.column) == ("c.py", 5, 16)
    assert error.message == "dict literals are not supported"
    assert error.hint == "declare a Map[K, V] storage field"
    assert str(error) == (
        "c.py:5:16: error: dict literals are not supported\n"
        "    hint: declare a Map[K, V] storage field"
    )
    assert str(caught.value).startswith("1 error\nc.py:5:16: error:")


def test_a_syntax_error_is_a_compile_error() -> None:
    with pytest.raises(CompileErrors) as caught:
        compile_source("s.py", "class C(Contract):\n    def f(self) -> int\n")
    (error,) = caught.value.errors
    assert (error.line, error.message) == (2, "syntax error: expected ':'")


HEAD = "from vmchain.lang import Contract, public\n\n\nclass C(Contract):\n"


def test_too_many_locals_is_a_compile_error() -> None:
    body = "".join(f"        x{i} = {i}\n" for i in range(70))
    text = HEAD + "    @public\n    def f(self) -> None:\n" + body
    with pytest.raises(CompileErrors) as caught:
        compile_source("big.py", text)
    (error,) = caught.value.errors
    assert (error.line, error.message) == (6, "f needs 70 locals, the VM allows 64")


def test_a_contract_past_the_module_limits_is_a_compile_error() -> None:
    methods = "".join(
        f"    @public\n    def f{i}(self) -> int:\n        return {i}\n" for i in range(300)
    )
    with pytest.raises(CompileErrors) as caught:
        compile_source("huge.py", HEAD + methods)
    (error,) = caught.value.errors
    assert error.line == 4
    assert error.message.startswith("the contract is too large for the VM: module: limit: 300")


def test_null_bytes_are_a_compile_error() -> None:
    with pytest.raises(CompileErrors, match="source code string cannot contain null bytes"):
        compile_source("nul.py", HEAD + "\0")
