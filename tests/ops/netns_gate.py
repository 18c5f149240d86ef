"""A parking gate for tests/ops/test_replicated_netns.py, run on a namespace host.

    python netns_gate.py --node node1:50051,node2:50051 --key client.key --to 0x… \\
        --label majority --stop STOPFILE --out gate.jsonl [--metrics node1:9464]

Pays 1 unit at a time with the SDK (vmchain.client NodeClient, given --node as is: one
address, or several with the SDK's own failover and sealer redirects) until the stop file
exists, and writes one JSON line per payment to --out: the tx id, CLOCK_MONOTONIC when it was
sent and answered (the same clock as the test process), and the receipt's height or the error.
With --metrics it also samples that node's `vmchain_replication_is_sealer` every 0.1 s
(`"kind": "sealer"` lines), from the gate's side of any partition.

One NodeClient for the whole run: its own routing has to move it off a node behind a
partition, which answers nothing at all (keepalive pings and the client's deadline, see
vmchain/client/routing.py). --no-retry makes each payment one attempt, so the journal shows
each answer of the node instead of the last one of the SDK's retries.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from vmchain.client import NodeClient, Wallet
from vmchain.client.errors import ClientError, RpcError
from vmchain.client.retry import RetryPolicy

SAMPLE_EVERY_S = 0.1


class Journal:
    """The --out file: one flushed JSON object per line, from any thread."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._out.write(json.dumps(record) + "\n")
            self._out.flush()


def sample_sealer(address: str, journal: Journal, stop: Path) -> None:
    """`{"kind": "sealer", "t": …, "value": 0 | 1 | None}` until the stop file appears."""
    while not stop.exists():
        value: int | None = None
        try:
            with urllib.request.urlopen(f"http://{address}/metrics", timeout=1) as response:
                text = response.read().decode()
            value = 1 if "vmchain_replication_is_sealer 1.0" in text.splitlines() else 0
        except OSError:
            pass
        journal.write({"kind": "sealer", "t": time.monotonic(), "value": value})
        time.sleep(SAMPLE_EVERY_S)


def pay(client: NodeClient, wallet: Wallet, to: str, note: bytes) -> dict[str, Any]:
    """One payment: its record (tx id once built, height on success, error otherwise)."""
    record: dict[str, Any] = {"kind": "pay", "note": note.decode(), "sent": time.monotonic()}
    try:
        tx = client.build_transfer(wallet, to, 1, note=note)
        record["tx"] = tx.tx_id.hex()
        receipt = client.submit(tx)
        record.update(ok=True, height=receipt.height, status=receipt.status)
    except RpcError as exc:
        record.update(ok=False, error=exc.code_name, details=exc.message)
    except ClientError as exc:
        record.update(ok=False, error=type(exc).__name__, details=str(exc))
    record["done"] = time.monotonic()
    record["node"] = client.target
    return record


def new_client(args: argparse.Namespace) -> NodeClient:
    """The SDK client: a payment may take `wait` + `timeout` seconds (the SDK's deadline for a
    waiting submit), a read `timeout`."""
    codes = RetryPolicy().retry_codes if args.retry else frozenset[str]()
    policy = RetryPolicy(deadline=args.timeout, retry_codes=codes)
    return NodeClient(args.node, timeout=args.timeout, retry=policy, wait=args.wait)


def run(args: argparse.Namespace) -> None:
    wallet = Wallet.load(args.key)
    with open(args.out, "a", encoding="utf-8") as out:
        journal = Journal(out)
        if args.metrics:
            threading.Thread(
                target=sample_sealer, args=(args.metrics, journal, args.stop), daemon=True
            ).start()
        client = new_client(args)
        n = 0
        while not args.stop.exists():
            record = pay(client, wallet, args.to, f"{args.label}-{n}".encode())
            journal.write(record)
            n += 1
            time.sleep(args.pause)
        client.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node", required=True, help="HOST:PORT[,HOST:PORT...]")
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--to", required=True)
    parser.add_argument("--label", required=True, help="the note prefix of this gate's payments")
    parser.add_argument("--stop", type=Path, required=True, help="stop once this file exists")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--metrics", default="", help="HOST:PORT of a node's /metrics to sample")
    parser.add_argument("--wait", type=float, default=2.0, help="seconds the node may wait")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per RPC")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between payments")
    parser.add_argument(
        "--retry",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the SDK's retries (--no-retry: one attempt per payment, every answer recorded)",
    )
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
