"""Entry point of the `vmchain` command: argparse dispatch over a table of subcommands.

Each subcommand is one `Command` row (vmchain/cli/commands/); add a command by adding its row
to `COMMANDS`. Exit codes: 0 ok, 1 failure, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from vmchain import __version__
from vmchain.cli.commands import Command, CommandError, UsageError
from vmchain.cli.commands.balance import COMMAND as BALANCE
from vmchain.cli.commands.bench import COMMAND as BENCH
from vmchain.cli.commands.block import COMMAND as BLOCK
from vmchain.cli.commands.certs import COMMAND as CERTS
from vmchain.cli.commands.contract import COMMAND as CONTRACT
from vmchain.cli.commands.demo import COMMAND as DEMO
from vmchain.cli.commands.init import COMMAND as INIT
from vmchain.cli.commands.keys import COMMAND as KEYS
from vmchain.cli.commands.node import COMMAND as NODE
from vmchain.cli.commands.receipt import COMMAND as RECEIPT
from vmchain.cli.commands.transfer import COMMAND as TRANSFER
from vmchain.cli.commands.verify import COMMAND as VERIFY
from vmchain.cli.commands.verify_receipt import COMMAND as VERIFY_RECEIPT

COMMANDS: tuple[Command, ...] = (
    DEMO,
    INIT,
    NODE,
    KEYS,
    CERTS,
    TRANSFER,
    BALANCE,
    BLOCK,
    RECEIPT,
    VERIFY_RECEIPT,
    CONTRACT,
    VERIFY,
    BENCH,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vmchain", description=__doc__)
    parser.add_argument("--version", action="version", version=f"vmchain {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args)
    except UsageError as exc:
        print(f"vmchain {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"vmchain {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        # The reader went away (`vmchain block 1 | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return code
