"""Where a keystore passphrase comes from on the command line: never from an argument.

In order: `--passphrase-file FILE` (mode 0600 like a key file; its first line, without the line
ending), the `VMCHAIN_PASSPHRASE` environment variable, or an interactive prompt (getpass, no
echo) when stdin is a terminal. A passphrase on the command line itself would show in `ps` and
the shell history, so there is no flag for it. Nothing here prints or logs the passphrase.
"""

from __future__ import annotations

import argparse
import getpass
import os
import stat
import sys
from pathlib import Path

from vmchain.cli.commands import CommandError
from vmchain.client.wallet import PASSPHRASE_ENV


class _RefuseInline(argparse.Action):
    """`--passphrase TEXT` is refused (exit 2) without echoing TEXT. Declaring it also stops
    argparse from taking `--passphrase` as an abbreviation of `--passphrase-file`."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object, **__: object) -> None:
        parser.error(
            "a passphrase is never given on the command line (ps and shell history show it); "
            f"use --passphrase-file FILE or ${PASSPHRASE_ENV}"
        )


def add_passphrase_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help=f"read the keystore passphrase from FILE (mode 0600); else ${PASSPHRASE_ENV}, "
        "else a prompt on a terminal",
    )
    parser.add_argument("--passphrase", nargs="?", action=_RefuseInline, help=argparse.SUPPRESS)


def _read_file(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CommandError(f"--passphrase-file: cannot read {path}: {why}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CommandError(
            f"--passphrase-file: {path} has mode {stat.S_IMODE(mode):04o}; it must be readable "
            f"by its owner only. Fix it with: chmod 600 {path}"
        )
    first = text.splitlines()[0] if text else ""
    if not first:
        raise CommandError(f"--passphrase-file: {path} is empty")
    return first


def _prompt(what: str, confirm: bool) -> str:
    first = getpass.getpass(f"Passphrase for {what}: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise CommandError("the passphrases do not match")
    if not first:
        raise CommandError("the passphrase is empty")
    return first


def passphrase(args: argparse.Namespace, what: str, *, confirm: bool = False) -> str | None:
    """The passphrase for `what` (a file name), or None when no source gives one."""
    path: Path | None = getattr(args, "passphrase_file", None)
    if path is not None:
        return _read_file(path)
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    if sys.stdin is not None and sys.stdin.isatty():
        return _prompt(what, confirm)
    return None


def require_passphrase(args: argparse.Namespace, what: str, *, confirm: bool = False) -> str:
    """Like `passphrase`, but a missing one is an error that says how to give it."""
    found = passphrase(args, what, confirm=confirm)
    if found is None:
        raise CommandError(
            f"{what} needs a passphrase: use --passphrase-file FILE or set ${PASSPHRASE_ENV}"
        )
    return found
