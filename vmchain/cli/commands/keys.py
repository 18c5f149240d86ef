"""`vmchain keys new FILE` / `vmchain keys show FILE`: create and inspect key files.

`new` writes a fresh key (secp256k1 by default, or --curve p256) with mode 0600 and prints its
address; it never overwrites a file unless --force. `show` prints the address, curve and public
key; the private key only with --private, on explicit request. Key files readable by group or
others are refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmchain.cli.commands import Command, UsageError
from vmchain.cli.commands.sdk_args import add_output_arguments, emit, sdk_errors
from vmchain.client import Wallet


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="keys_command", metavar="ACTION")
    new = actions.add_parser("new", help="create a key file (mode 0600)")
    new.add_argument("path", type=Path, metavar="FILE")
    new.add_argument("--curve", choices=("secp256k1", "p256"), default="secp256k1")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    add_output_arguments(new)
    show = actions.add_parser("show", help="print a key file's address and public key")
    show.add_argument("path", type=Path, metavar="FILE")
    show.add_argument(
        "--private", action="store_true", help="also print the private key (keep it secret)"
    )
    add_output_arguments(show)


def _describe(wallet: Wallet, path: Path) -> dict[str, str]:
    return {
        "file": str(path),
        "address": wallet.address,
        "curve": wallet.curve,
        "public_key": "0x" + wallet.public_key.hex(),
    }


def run_new(args: argparse.Namespace) -> int:
    with sdk_errors():
        wallet = Wallet.generate(args.curve)
        wallet.save(args.path, overwrite=args.force)
    emit(args, _describe(wallet, args.path))
    return 0


def run_show(args: argparse.Namespace) -> int:
    with sdk_errors():
        wallet = Wallet.load(args.path)
    document = _describe(wallet, args.path)
    if args.private:
        document["private_key"] = wallet.private_key_hex()
    emit(args, document)
    return 0


ACTIONS = {"new": run_new, "show": run_show}


def run(args: argparse.Namespace) -> int:
    action = ACTIONS.get(args.keys_command or "")
    if action is None:
        raise UsageError("expected an action: keys new FILE | keys show FILE")
    return action(args)


COMMAND = Command("keys", "create and inspect key files", add_arguments, run)
