"""Subcommands of `vmchain`: each module exports one `Command` row for cli/main.py's table.

A command's `run` returns the exit code (0 ok, 1 failure, 2 usage) or raises `CommandError`
(exit 1) / `UsageError` (exit 2); main prints the message to stderr.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


class CommandError(Exception):
    """The command failed (exit code 1); the message says why."""


class UsageError(CommandError):
    """The command was called wrongly (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Command:
    """One row of the subcommand table."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
