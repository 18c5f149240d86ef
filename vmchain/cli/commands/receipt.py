"""`vmchain receipt TX_ID [--wait S] [--bundle FILE]`: the receipt of a sealed transaction.

Without --wait a transaction not sealed yet is an error (exit 1); with it, the command waits up
to S seconds for it to be sealed. With --bundle it also writes the transaction's receipt bundle
to FILE: a self-contained proof of payment anyone can check offline with
`vmchain verify-receipt FILE` (the sealed header, the receipt and its Merkle path).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmchain.cli.commands import Command, CommandError, UsageError
from vmchain.cli.commands.sdk_args import (
    add_node_arguments,
    connect,
    emit,
    receipt_document,
    sdk_errors,
    seconds_arg,
)
from vmchain.client.types import parse_hash


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tx_id", metavar="TX_ID", help="64 hex digits (0x optional)")
    parser.add_argument("--wait", type=seconds_arg, metavar="S", help="wait until sealed")
    parser.add_argument(
        "--bundle", type=Path, metavar="FILE", help="also write its receipt bundle to FILE"
    )
    add_node_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        tx_id = parse_hash(args.tx_id)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with connect(args) as node, sdk_errors():
        receipt = node.receipt(tx_id, wait=args.wait or False)
        bundle = node.receipt_bundle(tx_id) if args.bundle is not None else None
    document = receipt_document(receipt)
    if bundle is not None:
        try:
            args.bundle.write_bytes(bundle)
        except OSError as exc:
            raise CommandError(
                f"cannot write the bundle to {args.bundle}: {exc.strerror}"
            ) from None
        document["bundle"] = f"{args.bundle} ({len(bundle)} bytes)"
    emit(args, document)
    return 0


COMMAND = Command("receipt", "show a transaction's receipt", add_arguments, run)
