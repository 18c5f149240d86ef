"""What the SDK-backed commands (keys, transfer, balance, block, receipt) share: the node and
signer options, output as text or JSON, and SDK errors turned into exit codes.

`--node HOST:PORT` defaults to $VMCHAIN_NODE or 127.0.0.1:50051. A signer is a key file
(`--key FILE`, mode 0600) or, on a dev chain, a dev account (`--dev-account I`). SDK errors become
CommandError (exit 1) with the node's message; bad arguments are usage errors (exit 2).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vmchain.chain.genesis import DEV_ACCOUNT_COUNT, dev_key
from vmchain.cli.commands import CommandError
from vmchain.client import (
    ClientError,
    NodeClient,
    Receipt,
    RetryPolicy,
    Wallet,
    tls_credentials,
)
from vmchain.client.node_client import DEFAULT_TARGET
from vmchain.crypto import InvalidAddress, address_from_text

NODE_ENV = "VMCHAIN_NODE"


def address_arg(text: str) -> str:
    """An argparse type: a `0x` + 40 lowercase hex address."""
    try:
        address_from_text(text)
    except InvalidAddress as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def amount_arg(text: str) -> int:
    """An argparse type: a non-negative integer amount in minor units."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer amount, got {text!r}") from None
    if not 0 <= value < 2**128:
        raise argparse.ArgumentTypeError(f"amount {value} is outside 0..2**128-1")
    return value


def seconds_arg(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return value


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def add_node_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add(
        "--node",
        default=os.environ.get(NODE_ENV, DEFAULT_TARGET),
        metavar="HOST:PORT",
        help=f"the node's gRPC address (default ${NODE_ENV} or {DEFAULT_TARGET})",
    )
    add("--timeout", type=seconds_arg, default=10.0, metavar="S", help="seconds per RPC (10)")
    add("--tls-ca", type=Path, metavar="PEM", help="use TLS, trusting this CA")
    add("--tls-cert", type=Path, metavar="PEM", help="client certificate for mutual TLS")
    add("--tls-key", type=Path, metavar="PEM", help="client key for mutual TLS")
    add_output_arguments(parser)


def add_signer_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--key", type=Path, metavar="FILE", help="key file (mode 0600)")
    group.add_argument(
        "--dev-account",
        type=int,
        choices=range(DEV_ACCOUNT_COUNT),
        metavar="I",
        help="dev chain account I (0-9), as printed by `vmchain node --dev`",
    )


def connect(args: argparse.Namespace) -> NodeClient:
    tls: Any = None
    if args.tls_ca or args.tls_cert or args.tls_key:
        with sdk_errors():
            try:
                tls = tls_credentials(args.tls_ca, args.tls_cert, args.tls_key)
            except (OSError, ValueError) as exc:
                raise CommandError(f"TLS files: {exc}") from None
    # Give up on an unreachable node after about one RPC timeout, not the SDK's 30 s default.
    retry = RetryPolicy(deadline=args.timeout)
    return NodeClient(args.node, tls=tls, timeout=args.timeout, retry=retry)


def signer(args: argparse.Namespace) -> Wallet:
    if args.dev_account is not None:
        return Wallet(dev_key(args.dev_account))
    with sdk_errors():
        return Wallet.load(args.key)


@contextmanager
def sdk_errors() -> Iterator[None]:
    """Turn SDK errors into CommandError (exit 1) carrying their message."""
    try:
        yield
    except ClientError as exc:
        raise CommandError(str(exc)) from None


def emit(args: argparse.Namespace, document: Mapping[str, Any]) -> None:
    """Print `document` as JSON (--json) or as aligned `key: value` lines."""
    if getattr(args, "json", False):
        print(json.dumps(document, indent=2))
        return
    width = max((len(key) for key in document), default=0)
    for key, value in document.items():
        print(f"{key + ':':<{width + 1}} {value}")


def jsonable(value: Any) -> Any:
    """A decoded VM value as JSON: bytes as 0x hex, tuples as lists, dicts by key."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def receipt_document(receipt: Receipt) -> dict[str, Any]:
    document: dict[str, Any] = {
        "tx_id": receipt.tx_id,
        "status": receipt.status,
        "height": receipt.height,
        "index": receipt.index,
        "gas_used": receipt.gas_used,
    }
    if receipt.return_value is not None:
        document["return_value"] = jsonable(receipt.return_value)
    if receipt.error:
        document["error"] = receipt.error
    if receipt.contract_address:
        document["contract_address"] = receipt.contract_address
    if receipt.events:
        document["events"] = [
            {"name": e.name, "contract": e.contract, "args": jsonable(e.args)}
            for e in receipt.events
        ]
    return document
