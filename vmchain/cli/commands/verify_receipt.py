"""`vmchain verify-receipt FILE`: check a receipt bundle offline, with no node.

Whose seals to trust comes from the command line: `--authority ADDR` (repeatable, with
`--chain-id`), `--genesis FILE` (its authorities and chain id) or `--dev` (the dev chain's
sealer, dev account 0). The bundle holds when the header is sealed by one of them and the
receipt is in the header's receipts root; the receipt is printed, its events decoded by
`--abi FILE` (a compiler ABI) when given. Exit codes: 0 it holds, 1 it does not (the message
says what failed) or the file cannot be read, 2 usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmchain.chain.block import SealedHeader
from vmchain.chain.errors import ChainError
from vmchain.chain.genesis import DEV_CHAIN_ID, dev_key, load_genesis
from vmchain.cli.commands import Command, CommandError, UsageError
from vmchain.cli.commands.sdk_args import add_output_arguments, address_arg, emit, receipt_document
from vmchain.client import Abi, InvalidBundle, verify_receipt_bundle
from vmchain.client.abi import NO_ABI
from vmchain.client.bundle import MAGIC
from vmchain.crypto import address_from_text, address_to_text
from vmchain.encoding.varint import decode_bytes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("file", type=Path, metavar="FILE", help="a bundle from `vmchain receipt --bundle`")
    add("--authority", type=address_arg, action="append", default=[], metavar="ADDR",
        help="an address allowed to seal (repeatable)")  # fmt: skip
    add("--chain-id", metavar="ID", help="the chain the block must belong to")
    add("--genesis", type=Path, metavar="FILE", help="trust this genesis's authorities")
    add("--dev", action="store_true", help=f"trust the dev chain's sealer ({DEV_CHAIN_ID})")
    add("--abi", type=Path, metavar="FILE", help="decode events with this ABI JSON")
    add_output_arguments(parser)


def _trust(args: argparse.Namespace) -> tuple[list[bytes], str | None]:
    """The authorities and chain id the arguments name."""
    authorities = [address_from_text(a) for a in args.authority]
    chain_id: str | None = args.chain_id
    if args.genesis is not None:
        try:
            genesis = load_genesis(args.genesis)
        except (OSError, ChainError, ValueError) as exc:
            raise CommandError(f"cannot use genesis {args.genesis}: {exc}") from None
        authorities += genesis.authorities
        chain_id = chain_id or genesis.chain_id
    if args.dev:
        authorities.append(dev_key(0).address)
        chain_id = chain_id or DEV_CHAIN_ID
    if not authorities:
        raise UsageError("say whose seals to trust: --authority ADDR, --genesis FILE or --dev")
    return authorities, chain_id


def _abi(path: Path | None) -> Abi:
    if path is None:
        return NO_ABI
    try:
        return Abi.load(path)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot use ABI {path}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    authorities, chain_id = _trust(args)
    abi = _abi(args.abi)
    try:
        bundle = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        receipt = verify_receipt_bundle(
            bundle, authorities, chain_id=chain_id, abi_for=lambda _: abi
        )
    except InvalidBundle as exc:
        raise CommandError(f"{args.file} does not verify: {exc}") from None
    # It verified, so the sealed header (the bundle's first part) is well formed.
    sealed = SealedHeader.from_bytes(decode_bytes(bundle, len(MAGIC) + 1)[0])
    header = sealed.header
    document = {
        "verified": True,
        "chain_id": header.chain_id,
        "block": header.height,
        "block_hash": "0x" + sealed.hash.hex(),
        "block_timestamp_ms": header.timestamp_ms,
        "sealed_by": address_to_text(header.proposer),
        **receipt_document(receipt),
    }
    emit(args, document)
    return 0


COMMAND = Command(
    "verify-receipt", "check a receipt bundle offline (proof of payment)", add_arguments, run
)
