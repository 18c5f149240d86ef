"""`vmchain transfer --to ADDR --amount N (--key FILE | --dev-account I)`: send minor units.

Builds and signs the transfer (chain id, validity window and a random note filled in from the
node), submits it and, unless --no-wait, waits until it is sealed and prints its receipt. Exits 1
when the node refuses it or it did not succeed.
"""

from __future__ import annotations

import argparse

from vmchain.cli.commands import Command
from vmchain.cli.commands.sdk_args import (
    add_node_arguments,
    add_signer_arguments,
    address_arg,
    amount_arg,
    connect,
    emit,
    receipt_document,
    sdk_errors,
    seconds_arg,
    signer,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--to", required=True, type=address_arg, metavar="ADDR", help="recipient 0x address")
    add("--amount", required=True, type=amount_arg, metavar="N", help="minor units")
    add("--gas-price", type=int, metavar="P", help="default: the chain's minimum")
    wait = parser.add_mutually_exclusive_group()
    wait.add_argument(
        "--wait", type=seconds_arg, default=30.0, metavar="S", help="seconds to wait (30)"
    )
    wait.add_argument(
        "--no-wait", action="store_true", help="print the tx id once admitted (not durable)"
    )
    add_signer_arguments(parser)
    add_node_arguments(parser)


def run(args: argparse.Namespace) -> int:
    wallet = signer(args)
    with connect(args) as node, sdk_errors():
        tx = node.build_transfer(wallet, args.to, args.amount, gas_price=args.gas_price)
        if args.no_wait:
            emit(args, {"tx_id": node.submit(tx, wait=False), "status": "PENDING"})
            return 0
        receipt = node.submit(tx, wait=args.wait)
    emit(args, receipt_document(receipt))
    return 0


COMMAND = Command("transfer", "send minor units to an address", add_arguments, run)
