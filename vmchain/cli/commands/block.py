"""`vmchain block [HEIGHT | HASH | latest] [--full]`: a sealed block's header (seal checked).

With --full, also its transactions (ids) and receipts, checked against the header's roots.
"""

from __future__ import annotations

import argparse
from typing import Any

from vmchain.cli.commands import Command, UsageError
from vmchain.cli.commands.sdk_args import (
    add_node_arguments,
    connect,
    emit,
    receipt_document,
    sdk_errors,
)
from vmchain.client import Block


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ref", nargs="?", default="latest", metavar="HEIGHT|HASH|latest", help="default latest"
    )
    parser.add_argument("--full", action="store_true", help="include transactions and receipts")
    add_node_arguments(parser)


def _ref(text: str) -> int | str | None:
    if text == "latest":
        return None
    if text.isdigit():
        return int(text)
    digits = text.removeprefix("0x")
    if len(digits) == 64 and all(c in "0123456789abcdefABCDEF" for c in digits):
        return text
    raise UsageError(f"expected a height, a 64-hex-digit block hash or 'latest', got {text!r}")


def block_document(block: Block, full: bool) -> dict[str, Any]:
    header = block.header
    document: dict[str, Any] = {
        "height": header.height,
        "hash": block.hash,
        "parent_hash": "0x" + header.parent_hash.hex(),
        "timestamp_ms": header.timestamp_ms,
        "proposer": block.proposer,
        "tx_count": header.tx_count,
        "gas_used": header.gas_used,
        "gas_limit": header.gas_limit,
        "state_root": "0x" + header.state_root.hex(),
        "tx_root": "0x" + header.tx_root.hex(),
        "receipts_root": "0x" + header.receipts_root.hex(),
    }
    if full:
        document["transactions"] = ["0x" + tx.tx_id.hex() for tx in block.transactions]
        document["receipts"] = [receipt_document(r) for r in block.receipts]
    return document


def run(args: argparse.Namespace) -> int:
    ref = _ref(args.ref)
    with connect(args) as node, sdk_errors():
        block = (
            node.latest_block(full=args.full) if ref is None else node.block(ref, full=args.full)
        )
    emit(args, block_document(block, args.full))
    return 0


COMMAND = Command("block", "show a sealed block", add_arguments, run)
