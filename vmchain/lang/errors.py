"""Compiler errors: user errors with file, line, column, message and hint, collected; bugs.

A `CompileError` is one problem in a contract's source. The steps collect them in a
`Diagnostics` and raise one `CompileErrors` carrying all of them (sorted by position), so an
author sees every problem of a file at once. `CompilerBug` means the compiler produced
something it should not have (e.g. a module the VM rejects): the CLI exits 2 for it, 1 for
user errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmchain.lang.model import Pos


@dataclass(frozen=True, slots=True)
class CompileError:
    """One problem in the source: where, what, and how to fix it."""

    file: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: error: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class CompileErrors(Exception):
    """The source has errors; `errors` lists every one found, in source order."""

    def __init__(self, errors: list[CompileError]) -> None:
        self.errors = tuple(sorted(errors, key=lambda e: (e.line, e.column, e.message)))
        count = len(self.errors)
        head = f"{count} error{'s' if count != 1 else ''}"
        super().__init__(head + "\n" + "\n".join(str(e) for e in self.errors))


class CompilerBug(Exception):
    """The compiler itself went wrong (not the source): please report it."""


@dataclass
class Diagnostics:
    """Collects the errors of one compilation."""

    file: str
    errors: list[CompileError] = field(default_factory=list)

    def error(self, pos: Pos, message: str, hint: str = "") -> None:
        self.errors.append(CompileError(self.file, pos.line, pos.col, message, hint))

    def raise_if_any(self) -> None:
        if self.errors:
            raise CompileErrors(self.errors)
