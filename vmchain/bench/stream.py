"""One long-lived SubmitTransactions call for the whole run: batches go in through a queue and
each answer comes back, in order, to a callback with the batch it answers.

Unlike `NodeClient.submit_many` (one call per batch, its stream left for the garbage collector
to cancel) the call ends cleanly: `close()` ends the request stream, the node finishes its
handler, the reader sees the end. If the call breaks, the batches not yet answered go to
`on_broken` with the status code, and the next `send` opens a new call.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import grpc

from vmchain._proto.vmchain.v1 import node_pb2, node_pb2_grpc, types_pb2
from vmchain.client.node_client import MAX_MESSAGE_BYTES

B = TypeVar("B")
CODE_NAMES: dict[int, str] = {code.value[0]: code.name for code in grpc.StatusCode}
CLOSE_TIMEOUT_S = 30.0
_STUB: Any = node_pb2_grpc.NodeStub


def code_name(number: int) -> str:
    return CODE_NAMES.get(number, f"UNKNOWN_CODE_{number}")


class _Call(Generic[B]):
    """One SubmitTransactions call: its request queue and the batches it has not answered."""

    def __init__(self) -> None:
        self.requests: queue.Queue[Any] = queue.Queue()
        self.unanswered: deque[B] = deque()
        self.broken = False

    def iterate(self) -> Iterator[Any]:
        while (request := self.requests.get()) is not None:
            yield request


class BatchStream(Generic[B]):
    """Batches of signed txs (each with a caller's tag `B`) over SubmitTransactions."""

    def __init__(
        self,
        target: str,
        on_answer: Callable[[B, Sequence[tuple[str, str]]], None],
        on_broken: Callable[[list[B], str], None],
    ) -> None:
        """`on_answer(tag, [(code name, error), ...])` per answered batch; `on_broken(tags,
        code name)` with the batches a broken call left unanswered. Both run on a reader
        thread."""
        options = [
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ]
        self._channel = grpc.insecure_channel(target, options=options)
        self._stub = _STUB(self._channel)
        self._on_answer = on_answer
        self._on_broken = on_broken
        self._lock = threading.Lock()
        self._call: _Call[B] | None = None
        self._readers: list[threading.Thread] = []

    def send(self, tag: B, encoded_txs: Sequence[bytes]) -> None:
        """Queue one batch (SignedTransaction bytes) on the open call, opening one if needed."""
        batch = node_pb2.SubmitBatch(
            txs=[types_pb2.SignedTransaction.FromString(raw) for raw in encoded_txs]
        )
        with self._lock:
            if self._call is None or self._call.broken:
                self._call = self._open()
            self._call.unanswered.append(tag)
            self._call.requests.put(batch)

    def _open(self) -> _Call[B]:
        call: _Call[B] = _Call()
        reader = threading.Thread(target=self._read, args=(call,), name="bench-submit", daemon=True)
        self._readers.append(reader)
        reader.start()
        return call

    def _read(self, call: _Call[B]) -> None:
        try:
            for response in self._stub.SubmitTransactions(call.iterate()):
                with self._lock:
                    tag = call.unanswered.popleft()
                results = [(code_name(r.code), r.error) for r in response.results]
                self._on_answer(tag, results)
        except grpc.RpcError as exc:
            with self._lock:
                call.broken = True
                left = list(call.unanswered)
                call.unanswered.clear()
            call.requests.put(None)  # end the request stream if it still runs
            self._on_broken(left, exc.code().name)

    def close(self) -> None:
        """End the request stream, wait for the last answers, close the channel."""
        with self._lock:
            if self._call is not None:
                self._call.requests.put(None)
        for reader in self._readers:
            reader.join(CLOSE_TIMEOUT_S)
        self._channel.close()


def submit_all(target: str, encoded_txs: Sequence[bytes], batch_size: int) -> list[tuple[str, str]]:
    """Submit every tx on one call that ends cleanly; each tx's admission (code name, error),
    in order (the broken call's code for a batch it left unanswered)."""
    answers: dict[int, list[tuple[str, str]]] = {}

    def answered(tag: int, results: Sequence[tuple[str, str]]) -> None:
        answers[tag] = list(results)

    def broken(tags: list[int], code: str) -> None:
        for tag in tags:
            answers[tag] = [(code, "the submit call broke")] * batch_size

    stream: BatchStream[int] = BatchStream(target, answered, broken)
    starts = range(0, len(encoded_txs), batch_size)
    try:
        for tag, start in enumerate(starts):
            stream.send(tag, encoded_txs[start : start + batch_size])
    finally:
        stream.close()
    outcomes: list[tuple[str, str]] = []
    for tag, start in enumerate(starts):
        size = len(encoded_txs[start : start + batch_size])
        missing = [("UNKNOWN", "the node did not answer this batch")] * size
        outcomes += answers.get(tag, missing)[:size]
    return outcomes
