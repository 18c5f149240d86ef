"""`vmchain balance ADDR [--height H]`: an account's balance, checked against a sealed header.

The node's answer is verified with its Merkle proof against the state root of a header whose seal
is checked against the chain's authorities; --no-verify skips that.
"""

from __future__ import annotations

import argparse

from vmchain.cli.commands import Command
from vmchain.cli.commands.sdk_args import add_node_arguments, address_arg, connect, emit, sdk_errors


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("address", type=address_arg, metavar="ADDR")
    parser.add_argument("--height", type=int, metavar="H", help="default: the latest block")
    parser.add_argument("--no-verify", action="store_true", help="do not check the proof")
    add_node_arguments(parser)


def run(args: argparse.Namespace) -> int:
    with connect(args) as node, sdk_errors():
        account = node.account(args.address, height=args.height, prove=not args.no_verify)
    document = {
        "address": account.address,
        "balance": str(account.balance),
        "height": account.height,
        "verified": account.verified,
    }
    if account.is_contract:
        document["code_hash"] = "0x" + account.code_hash.hex()
    emit(args, document)
    return 0


COMMAND = Command("balance", "an account's balance, proof-checked", add_arguments, run)
