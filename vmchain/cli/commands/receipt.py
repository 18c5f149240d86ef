"""`vmchain receipt TX_ID [--wait S]`: the receipt of a sealed transaction.

Without --wait a transaction not sealed yet is an error (exit 1); with it, the command waits up
to S seconds for it to be sealed.
"""

from __future__ import annotations

import argparse

from vmchain.cli.commands import Command, UsageError
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
    add_node_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        tx_id = parse_hash(args.tx_id)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with connect(args) as node, sdk_errors():
        receipt = node.receipt(tx_id, wait=args.wait or False)
    emit(args, receipt_document(receipt))
    return 0


COMMAND = Command("receipt", "show a transaction's receipt", add_arguments, run)
