"""`vmchain verify --data-dir D`: re-verify a node's whole chain from genesis (DESIGN.md 13).

Opens the data dir's RocksDB read-only (no lock: a running node may keep running; the check
sees the chain as of the open), re-executes every block into a fresh in-memory ledger and checks
seals, roots, receipts, the tx index and the head (vmchain/chain/verify.py). A progress bar goes
to stderr. Exit 0 with a one-line summary on stdout, or exit 1 naming the first bad height and
field.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmchain.chain.errors import ChainError
from vmchain.chain.verify import Verified, open_read_only, verify_chain
from vmchain.cli.commands import Command, CommandError
from vmchain.node.config import db_path
from vmchain.sim.progress import Progress
from vmchain.state.errors import StateError
from vmchain.state.kv import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, required=True, metavar="D", help="the node's data directory"
    )


def _store_path(data_dir: Path) -> Path:
    if not data_dir.is_dir():
        raise CommandError(f"--data-dir {data_dir} does not exist or is not a directory")
    path = db_path(data_dir)
    if not (path / "CURRENT").exists():
        raise CommandError(f"{data_dir} holds no chain (no RocksDB database at {path})")
    return path


def _verify_with_progress(store: Store) -> Verified:
    steps = verify_chain(store)
    last = next(steps)  # block 0 comes first and says how many there are
    with Progress(last.head + 1, "blocks verified") as bar:
        bar.advance()
        for step in steps:
            bar.advance()
            last = step
    return last


def run(args: argparse.Namespace) -> int:
    path = _store_path(args.data_dir)
    try:
        store = open_read_only(str(path))
    except StateError as exc:
        raise CommandError(str(exc)) from None
    try:
        last = _verify_with_progress(store)
    except (ChainError, StateError) as exc:
        raise CommandError(f"verification failed: {exc}") from None
    finally:
        store.close()
    print(
        f"verified {last.head + 1} blocks (0..{last.head}), {last.txs} transactions; "
        f"state root {last.state_root.hex()}"
    )
    return 0


COMMAND = Command(
    "verify", "re-execute and check every block of a data dir from genesis", add_arguments, run
)
