"""`vmchain init --genesis FILE --data-dir D`: create a node's chain from a genesis.json.

Writes block 0 (the genesis allocation, unsealed) into the RocksDB store under D. Running it
again with the same genesis is harmless; with a different one it fails and changes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmchain.chain.errors import InvalidGenesis
from vmchain.chain.genesis import load_genesis
from vmchain.chain.ledger import Ledger
from vmchain.chain.store import open_rocks
from vmchain.cli.commands import Command, CommandError
from vmchain.node.config import db_path
from vmchain.state.errors import StoreError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--genesis",
        required=True,
        type=Path,
        metavar="FILE",
        help="genesis.json (DESIGN.md section 8a)",
    )
    parser.add_argument(
        "--data-dir",
        required=True,
        type=Path,
        metavar="D",
        help="the node's data directory (created if missing)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        genesis = load_genesis(args.genesis)
    except OSError as exc:
        raise CommandError(f"cannot read {args.genesis}: {exc.strerror}") from None
    except InvalidGenesis as exc:
        raise CommandError(f"{args.genesis}: {exc}") from None
    path = db_path(args.data_dir)
    existed = (path / "CURRENT").exists()
    try:
        store = open_rocks(str(path))
    except StoreError as exc:
        raise CommandError(f"{args.data_dir}: {exc}") from None
    try:
        ledger = Ledger.open(store, genesis)
    except InvalidGenesis as exc:
        store.close()
        raise CommandError(f"{args.data_dir}: {exc}") from None
    try:
        head = ledger.head()
        genesis_hash = ledger.block(0).block.hash
    finally:
        ledger.close()
    what = "already holds" if existed else "initialized"
    print(
        f"{args.data_dir} {what} chain {genesis.chain_id!r}: genesis block 0x{genesis_hash.hex()}, "
        f"head {head.header.height}, {len(genesis.authorities)} authorities, "
        f"{len(genesis.alloc)} funded accounts"
    )
    return 0


COMMAND = Command("init", "create a node's chain from a genesis.json", add_arguments, run)
