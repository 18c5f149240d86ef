"""`vmchain keys new FILE` / `vmchain keys show FILE`: create and inspect key files.

`new` writes a fresh key (secp256k1 by default, or --curve p256) with mode 0600 and prints its
address; it never overwrites a file unless --force. With --encrypt it writes an encrypted
keystore (scrypt + AES-256-GCM, vmchain/crypto/keystore.py) sealed with a passphrase from
--passphrase-file, $VMCHAIN_PASSPHRASE or a prompt (cli/commands/passphrase.py); without it, a
plain JSON key file (the default, so existing scripts keep working). `show` prints the address,
curve and public key; the private key only with --private, on explicit request. A keystore's
address and curve are in clear; its public and private keys need the passphrase, asked for only
with --private. Key files readable by group or others are refused.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from vmchain.cli.commands import Command, UsageError
from vmchain.cli.commands.passphrase import add_passphrase_argument, require_passphrase
from vmchain.cli.commands.sdk_args import add_output_arguments, emit, sdk_errors
from vmchain.client import Wallet
from vmchain.crypto.keystore import is_keystore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="keys_command", metavar="ACTION")
    new = actions.add_parser("new", help="create a key file (mode 0600)")
    new.add_argument("path", type=Path, metavar="FILE")
    new.add_argument("--curve", choices=("secp256k1", "p256"), default="secp256k1")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument(
        "--encrypt", action="store_true", help="write an encrypted keystore (needs a passphrase)"
    )
    add_passphrase_argument(new)
    add_output_arguments(new)
    show = actions.add_parser("show", help="print a key file's address and public key")
    show.add_argument("path", type=Path, metavar="FILE")
    show.add_argument(
        "--private", action="store_true", help="also print the private key (keep it secret)"
    )
    add_passphrase_argument(show)
    add_output_arguments(show)


def _describe(wallet: Wallet, path: Path, encrypted: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file": str(path),
        "address": wallet.address,
        "curve": wallet.curve,
        "public_key": "0x" + wallet.public_key.hex(),
    }
    if encrypted:
        document["encrypted"] = True
    return document


def run_new(args: argparse.Namespace) -> int:
    if args.passphrase_file is not None and not args.encrypt:
        raise UsageError("--passphrase-file is for --encrypt")
    secret = require_passphrase(args, str(args.path), confirm=True) if args.encrypt else None
    with sdk_errors():
        wallet = Wallet.generate(args.curve)
        wallet.save(args.path, overwrite=args.force, passphrase=secret)
    emit(args, _describe(wallet, args.path, args.encrypt))
    return 0


def _keystore_header(path: Path) -> dict[str, Any] | None:
    """The clear fields of an encrypted keystore, or None for a plain key file. Call after
    Wallet-style checks: only reads a file the mode check accepted."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return document if is_keystore(document) else None


def run_show(args: argparse.Namespace) -> int:
    with sdk_errors():
        Wallet.check_mode(args.path)
    header = _keystore_header(args.path)
    if header is not None and not args.private:
        emit(
            args,
            {
                "file": str(args.path),
                "address": header.get("address"),
                "curve": header.get("curve"),
                "encrypted": True,
            },
        )
        return 0
    secret = None if header is None else require_passphrase(args, str(args.path))
    with sdk_errors():
        wallet = Wallet.load(args.path, passphrase=secret)
    document = _describe(wallet, args.path, header is not None)
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
