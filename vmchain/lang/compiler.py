"""The pipeline: `compile_source(path, text) -> Artifact` (parse -> check -> lower -> emit).

Pure: the same text always gives the same bytes (no hash-ordered iteration anywhere).
`compile_file` reads the file first. User errors raise `CompileErrors` (all of them);
a compiler fault raises `CompilerBug`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vmchain.lang.abi import ContractAbi, abi_of
from vmchain.lang.check import check_source
from vmchain.lang.emit import ModuleTooLarge, emit_module
from vmchain.lang.errors import CompileErrors, CompilerBug, Diagnostics
from vmchain.lang.lower import lower_contract
from vmchain.lang.parse import parse_source
from vmchain.vm.asm import disassemble
from vmchain.vm.module import decode


@dataclass(frozen=True, slots=True)
class Artifact:
    """A compiled contract: its name, module bytes and typed ABI."""

    name: str
    code: bytes
    abi: ContractAbi

    @property
    def abi_json(self) -> dict[str, Any]:
        return self.abi.to_json()

    def abi_text(self) -> str:
        """The ABI JSON file's text (stable: same input, same text)."""
        return json.dumps(self.abi_json, indent=2) + "\n"

    def assembly(self) -> str:
        """The module as VM assembly text (vmchain.vm.asm)."""
        return disassemble(decode(self.code))


def compile_source(path: str, text: str) -> Artifact:
    """Compile contract source `text` (`path` names it in error messages)."""
    source = parse_source(path, text)
    checked = check_source(source)
    try:
        code = emit_module(lower_contract(checked))
        abi = abi_of(checked)
    except ModuleTooLarge as exc:
        diag = Diagnostics(path)
        diag.error(
            source.contract.pos,
            f"the contract is too large for the VM: {exc}",
            "split it into smaller contracts",
        )
        raise CompileErrors(diag.errors) from None
    except (CompileErrors, CompilerBug):
        raise
    except Exception as exc:  # anything else past the checker is the compiler's fault
        raise CompilerBug(f"{type(exc).__name__} while compiling {path}: {exc}") from exc
    return Artifact(checked.name, code, abi)


def compile_file(path: str | Path) -> Artifact:
    """Read and compile a contract file (OSError if it cannot be read)."""
    text = Path(path).read_text(encoding="utf-8")
    return compile_source(str(path), text)
