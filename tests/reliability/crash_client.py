"""One load client of the crash harness, run as its own OS process.

    python tests/reliability/crash_client.py --target-file T --key-index I --out ACKS
    python tests/reliability/crash_client.py --target-file T --watch-blocks --out BLOCKS

Dev account I signs transfers (each with a unique note, gas price 1, so a fee is paid) and
waits for its receipt, from --workers threads (2: two txs in flight): even workers with
SubmitTransaction's wait, odd ones by SubmitTransactions then GetReceipt with a wait. The
node's address is read from the target file, which the harness rewrites after every restart.
When the node dies mid-call (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED...) the client re-reads
the target and submits the SAME signed bytes again until it gets the receipt: the honest retry,
which the node must never apply twice.

Every receipt received is appended to ACKS as one JSON line {"tx_id": hex, "receipt": hex},
where "receipt" is the exact Receipt bytes as they came off the wire (of the SubmitResponse,
or the GetReceipt response),
flushed before the tx counts as acknowledged. Every 10th tx a worker also submits its previous
acknowledged tx again (a replay), which must return the identical receipt bytes. SIGTERM ends the
run after the calls in hand; the last stdout line is a JSON summary (sent, acked, acked after a
retry, retries, replayed, replay mismatches, rejected by code).

With --watch-blocks it submits nothing: it follows StreamBlocks across every restart, resuming at
the next height, and writes down the (height, hash) of every block it is shown.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grpc

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.genesis import DEV_CHAIN_ID, dev_keys
from vmchain.chain.tx import Tx, build_transfer, signed_message
from vmchain.encoding.varint import decode_uvarint

NODE_SERVICE = npb.DESCRIPTOR.services_by_name["Node"].full_name
WAIT_MS = 3_000
CALL_TIMEOUT_S = 5.0
RETRY_SLEEP_S = 0.05
VALIDITY = 500  # blocks a tx stays valid: long enough to outlive every restart of a run
RECIPIENTS = 3  # fresh addresses each client pays, besides the other dev accounts
REPLAY_EVERY = 10  # a worker resubmits its previous acknowledged tx after every 10th tx
ERR = sys.stderr
# Worth another try: the node is down, restarting, or answered before the block was sealed.
RETRYABLE = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)
RAW_METHODS = {
    "SubmitTransaction": npb.SubmitRequest,
    "GetReceipt": npb.GetReceiptRequest,
    "GetNodeInfo": npb.GetNodeInfoRequest,
}
CODES = {code.value[0]: code for code in grpc.StatusCode}
ADMITTED = (grpc.StatusCode.OK.value[0], grpc.StatusCode.ALREADY_EXISTS.value[0])
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 200),
]


class WireError(ValueError):
    """A message did not walk as protobuf wire format."""


def length_field(raw: bytes, number: int) -> bytes | None:
    """The raw bytes of length-delimited field `number` of a serialized message, or None.

    Only varint (0) and length-delimited (2) wire types occur in the messages this reads."""
    pos = 0
    while pos < len(raw):
        tag, pos = decode_uvarint(raw, pos)
        kind = tag & 7
        if kind == 0:
            _, pos = decode_uvarint(raw, pos)
            continue
        if kind != 2:
            raise WireError(f"wire type {kind} of field {tag >> 3} is not expected here")
        size, pos = decode_uvarint(raw, pos)
        if tag >> 3 == number:
            return raw[pos : pos + size]
        pos += size
    return None


def recipients(key_index: int) -> list[bytes]:
    """The addresses client `key_index` pays: its fresh ones, then the next dev account."""
    fresh = [
        hashlib.sha256(b"crash-recipient" + bytes([key_index, n])).digest()[:20]
        for n in range(RECIPIENTS)
    ]
    return [*fresh, dev_keys()[(key_index + 1) % len(dev_keys())].address]


def raw_method(channel: Any, name: str, request_type: Any) -> Callable[..., bytes]:
    """A unary Node method that returns the response's bytes unparsed."""
    method: Callable[..., bytes] = channel.unary_unary(
        f"/{NODE_SERVICE}/{name}",
        request_serializer=request_type.SerializeToString,
        response_deserializer=None,
    )
    return method


@dataclass(slots=True)
class Counts:
    sent: int = 0
    acked: int = 0
    acked_after_retry: int = 0
    retries: int = 0
    replayed: int = 0  # acknowledged txs submitted again: each must return the same receipt
    replay_mismatches: int = 0
    rejected: dict[str, int] = field(default_factory=dict)


class Refused(Exception):
    """SubmitTransactions did not admit a tx (its per-tx status code and message)."""

    def __init__(self, code: Any, details: str) -> None:
        super().__init__(f"{code}: {details}")
        self.code = code
        self.details = details


class Connection:
    """Channels to whatever address the target file names now. Thread safe."""

    def __init__(self, target_file: Path) -> None:
        self._target_file = target_file
        self._address = ""
        self._channel: Any = None
        self._methods: dict[str, Callable[..., bytes]] = {}
        self._stream: Any = None
        self._blocks: Any = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Follow the target file; False while it names nothing yet."""
        try:
            address = self._target_file.read_text().strip()
        except FileNotFoundError:
            return False
        with self._lock:
            if address and address != self._address:
                self._open(address)
            return bool(self._address)

    def _open(self, address: str) -> None:
        self.close()
        self._address = address
        self._channel = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
        self._methods = {
            name: raw_method(self._channel, name, request_type)
            for name, request_type in RAW_METHODS.items()
        }
        stub = npb_grpc.NodeStub(self._channel)  # type: ignore[no-untyped-call]
        self._stream = stub.SubmitTransactions
        self._blocks = stub.StreamBlocks

    def call(self, name: str, request: Any) -> bytes:
        """Unary method `name`; the response's bytes."""
        with self._lock:
            method = self._methods[name]
        return method(request, timeout=CALL_TIMEOUT_S)

    def stream_blocks(self) -> Any:
        """The StreamBlocks method of the current channel."""
        with self._lock:
            return self._blocks

    def submit_batch(self, batch: Any) -> Any:
        """One SubmitBatch over the SubmitTransactions stream; its SubmitBatchResponse."""
        with self._lock:
            stream = self._stream
        return next(stream(iter([batch]), timeout=CALL_TIMEOUT_S))

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None


class Client:
    """The submit-wait-record loops of one dev account: `workers` threads, one tx in flight
    each; every REPLAY_EVERY-th tx a worker also resubmits its previous acknowledged tx."""

    def __init__(self, key_index: int, connection: Connection, out: TextIO, workers: int) -> None:
        self.key = dev_keys()[key_index]
        self.key_index = key_index
        self.connection = connection
        self.out = out
        self.workers = workers
        self.counts = Counts()
        self.stopping = False
        self.known_height = 0
        self._pay = recipients(key_index)
        self._lock = threading.Lock()

    def next_tx(self, worker: int, seq: int) -> Tx:
        start = max(1, self.known_height)
        return build_transfer(
            self.key,
            chain_id=DEV_CHAIN_ID,
            to=self._pay[seq % len(self._pay)],
            amount=1 + seq % 7,
            first_valid=start,
            last_valid=start + VALIDITY,
            gas_price=1,
            note=f"crash client {self.key_index} worker {worker} tx {seq}".encode(),
        )

    def learn_height(self) -> None:
        """Ask the node for its head once, so first_valid stays within the window."""
        while not self.stopping:
            if self.connection.refresh():
                try:
                    raw = self.connection.call("GetNodeInfo", npb.GetNodeInfoRequest())
                    self.known_height = npb.NodeInfo.FromString(raw).height
                    return
                except grpc.RpcError:
                    pass
            time.sleep(RETRY_SLEEP_S)

    def _count(self, name: str, by: int = 1) -> None:
        with self._lock:
            setattr(self.counts, name, getattr(self.counts, name) + by)

    def settle(self, tx: Tx, *, via_stream: bool = False) -> bytes | None:
        """Submit `tx` (the same signed bytes every time) until its receipt comes back; None
        when the node refuses it for good or the run is told to stop. `via_stream`: admit it
        with SubmitTransactions and wait with GetReceipt, instead of SubmitTransaction's wait."""
        attempt = self._stream_then_wait if via_stream else self._submit_and_wait
        attempts = 0
        while not self.stopping:
            if attempts:
                self._count("retries")
            attempts += 1
            if not self.connection.refresh():
                time.sleep(RETRY_SLEEP_S)
                continue
            try:
                receipt = attempt(tx)
            except grpc.RpcError as exc:
                code, details = exc.code(), exc.details()
            except Refused as exc:
                code, details = exc.code, exc.details
            else:
                if receipt is None:
                    continue
                if attempts > 1:
                    self._count("acked_after_retry")
                return receipt
            if code in RETRYABLE:
                time.sleep(RETRY_SLEEP_S)
                continue
            with self._lock:
                self.counts.rejected[code.name] = self.counts.rejected.get(code.name, 0) + 1
            print(f"tx 0x{tx.tx_id.hex()} refused: {code}: {details}", file=ERR)
            return None
        return None

    def _submit_and_wait(self, tx: Tx) -> bytes | None:
        """SubmitTransaction with a wait; the receipt's bytes as they came off the wire."""
        request = npb.SubmitRequest(tx=signed_message(tx), wait_ms=WAIT_MS)
        raw = self.connection.call("SubmitTransaction", request)
        return length_field(raw, 2)

    def _stream_then_wait(self, tx: Tx) -> bytes | None:
        """SubmitTransactions (no wait), then GetReceipt with a wait; None when the node no
        longer knows the tx (it was pending when the node died): submit it again."""
        batch = npb.SubmitBatch(txs=[signed_message(tx)])
        result = self.connection.submit_batch(batch).results[0]
        if result.code not in ADMITTED:
            raise Refused(CODES[result.code], result.error)
        request = npb.GetReceiptRequest(tx_id=tx.tx_id, wait_ms=WAIT_MS)
        try:
            return self.connection.call("GetReceipt", request)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    def record(self, tx: Tx, receipt: bytes) -> None:
        """Write the receipt down (flushed) before the tx counts as acknowledged."""
        line = json.dumps({"tx_id": tx.tx_id.hex(), "receipt": receipt.hex()}) + "\n"
        with self._lock:
            self.out.write(line)
            self.out.flush()
            self.counts.acked += 1
            self.known_height = max(self.known_height, decode_height(receipt))

    def replay(self, tx: Tx, receipt: bytes, via_stream: bool) -> None:
        """Submit an acknowledged tx again: the node must answer with the very same receipt."""
        again = self.settle(tx, via_stream=via_stream)
        if again is None:
            return
        self._count("replayed")
        if again != receipt:
            self._count("replay_mismatches")
            print(f"replay of 0x{tx.tx_id.hex()}: {again.hex()} != {receipt.hex()}", file=ERR)

    def work(self, worker: int) -> None:
        """Odd workers go by SubmitTransactions + GetReceipt, even ones by a waiting submit."""
        seq = 0
        last: tuple[Tx, bytes] | None = None
        while not self.stopping:
            tx = self.next_tx(worker, seq)
            seq += 1
            self._count("sent")
            via_stream = worker % 2 == 1
            receipt = self.settle(tx, via_stream=via_stream)
            if receipt is not None:
                self.record(tx, receipt)
                if last is not None and seq % REPLAY_EVERY == 0:
                    self.replay(*last, via_stream)
                last = (tx, receipt)

    def summary(self) -> dict[str, Any]:
        counts = self.counts
        return {
            "key_index": self.key_index,
            "sent": counts.sent,
            "acked": counts.acked,
            "acked_after_retry": counts.acked_after_retry,
            "retries": counts.retries,
            "replayed": counts.replayed,
            "replay_mismatches": counts.replay_mismatches,
            "rejected": counts.rejected,
        }

    def run(self) -> None:
        self.learn_height()
        threads = [
            threading.Thread(target=self.work, args=(worker,), daemon=True)
            for worker in range(self.workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():  # a timed join lets the SIGTERM handler run
                thread.join(0.2)


def decode_height(receipt: bytes) -> int:
    """Receipt.height from the receipt's bytes."""
    height: int = pb.Receipt.FromString(receipt).height
    return height


class BlockWatcher:
    """--watch-blocks: follow StreamBlocks across every crash, resuming at the next height, and
    write each block shown as {"height": h, "hash": hex} (flushed): a block a client was shown
    must never change or vanish. Counts gaps and repeats (there must be none)."""

    def __init__(self, connection: Connection, out: TextIO) -> None:
        self.connection = connection
        self.out = out
        self.stopping = False
        self.next_height = 0
        self.counts = {"blocks": 0, "gaps": 0, "reconnects": 0}
        self._call: Any = None

    def follow(self) -> None:
        while not self.stopping:
            stream = self.connection.stream_blocks() if self.connection.refresh() else None
            if stream is None:
                time.sleep(RETRY_SLEEP_S)
                continue
            self._call = stream(npb.StreamBlocksRequest(from_height=self.next_height))
            try:
                for info in self._call:
                    self.show(info.header.height, info.hash)
            except grpc.RpcError:
                self.counts["reconnects"] += 1
                time.sleep(RETRY_SLEEP_S)

    def show(self, height: int, block_hash: bytes) -> None:
        if height != self.next_height:
            self.counts["gaps"] += 1
            print(f"stream gave height {height}, expected {self.next_height}", file=ERR)
        self.out.write(json.dumps({"height": height, "hash": block_hash.hex()}) + "\n")
        self.out.flush()
        self.counts["blocks"] += 1
        self.next_height = height + 1

    def run(self) -> None:
        thread = threading.Thread(target=self.follow, daemon=True)
        thread.start()
        while thread.is_alive() and not self.stopping:
            thread.join(0.2)
        if self._call is not None:
            self._call.cancel()

    def summary(self) -> dict[str, Any]:
        return {"watcher": True, **self.counts}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-file", type=Path, required=True)
    parser.add_argument("--key-index", type=int, default=1)
    parser.add_argument("--watch-blocks", action="store_true", help="follow StreamBlocks")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2, help="txs in flight at once")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    connection = Connection(args.target_file)
    with args.out.open("a") as out:
        runner: Client | BlockWatcher
        if args.watch_blocks:
            runner = BlockWatcher(connection, out)
        else:
            runner = Client(args.key_index, connection, out, args.workers)

        def stop(signum: int, frame: object) -> None:
            del signum, frame
            runner.stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            runner.run()
        finally:
            connection.close()
    print(json.dumps(runner.summary()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
