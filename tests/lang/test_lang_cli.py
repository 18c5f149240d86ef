"""`vmchain contract compile` and argument handling without a node: outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmchain.cli.commands import UsageError
from vmchain.cli.commands import contract as contract_cmd
from vmchain.cli.main import main
from vmchain.lang.errors import CompilerBug

CASES = Path(__file__).resolve().parent / "cases"


def test_compile_writes_module_and_abi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build"
    assert main(["contract", "compile", str(CASES / "wallet.py"), "-o", str(out), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["contract"] == "Wallet"
    assert (out / "Wallet.vmc").read_bytes()[:5] == b"\x00VMC\x01"
    abi = json.loads((out / "Wallet.abi.json").read_text())
    assert [f["name"] for f in abi["functions"]] == ["deposit", "withdraw", "held", "deposit_of"]
    assert abi == json.loads((CASES / "wallet.abi.json").read_text())


def test_compile_errors_exit_1_with_positions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from vmchain.lang import Contract, public\n"
        "import os\n"
        "class C(Contract):\n"
        "    @public\n"
        "    def f(self) -> int:\n"
        "        return 1.5\n"
    )
    assert main(["contract", "compile", str(bad), "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:1: error: cannot import 'os'" in err
    assert f"{bad}:6:16: error: floats are not supported" in err
    assert "vmchain contract: 2 errors" in err
    assert not (tmp_path / "C.vmc").exists()


def test_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "compile", str(tmp_path / "none.py")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_a_compiler_bug_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path) -> None:
        raise CompilerBug("emitted an invalid module")

    monkeypatch.setattr(contract_cmd, "compile_file", broken)
    assert main(["contract", "compile", str(CASES / "counter.py"), "-o", str(tmp_path)]) == 2
    assert "compiler bug (please report it): emitted an invalid module" in capsys.readouterr().err


def test_no_action_is_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract"]) == 2
    assert "compile, deploy, call or send" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("type_text", "text", "value"),
    [
        ("int", "42", 42),
        ("int", "-0x10", -16),
        ("bool", "true", True),
        ("bool", "0", False),
        ("bytes", "0x00ff", b"\x00\xff"),
        ("Address", "0x" + "ab" * 20, "0x" + "ab" * 20),
    ],
)
def test_arguments_parse_by_abi_type(type_text: str, text: str, value: object) -> None:
    assert contract_cmd.parse_value(type_text, text) == value


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="'x' is not a int"):
        contract_cmd.parse_value("int", "x")
    with pytest.raises(UsageError, match="'maybe' is not a bool"):
        contract_cmd.parse_value("bool", "maybe")
