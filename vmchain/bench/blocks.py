"""The node's sealed blocks as the bench needs them: each block's height and its receipts' tx
id and status, straight from the StreamBlocks messages.

The SDK's `NodeClient.blocks` decodes every transaction and receipt (about 45 us a tx here);
the bench reads two fields (about 3 us), so the load generator spends its CPU on the load. The
seals are not checked: the bench measures a node it trusts. `close()` cancels the stream.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc

from vmchain._proto.vmchain.v1 import node_pb2, node_pb2_grpc, types_pb2
from vmchain.client.node_client import MAX_MESSAGE_BYTES

STATUS_NAMES: dict[int, str] = {v.number: v.name for v in types_pb2.TxStatus.DESCRIPTOR.values}
_STUB: Any = node_pb2_grpc.NodeStub


@dataclass(frozen=True, slots=True)
class SealedReceipts:
    """One sealed block: its height and each receipt's (tx id as 0x text, status name)."""

    height: int
    receipts: tuple[tuple[str, str], ...]


def status_name(number: int) -> str:
    return STATUS_NAMES.get(number, f"UNKNOWN_STATUS_{number}")


class BlockFeed:
    """StreamBlocks (full) from a height on, until `close()`."""

    def __init__(self, target: str, from_height: int) -> None:
        options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
        self._channel = grpc.insecure_channel(target, options=options)
        self._stub = _STUB(self._channel)
        self._from = from_height
        self._lock = threading.Lock()
        self._call: Any = None
        self._closed = False

    def __iter__(self) -> Iterator[SealedReceipts]:
        with self._lock:
            if self._closed:
                return
            request = node_pb2.StreamBlocksRequest(from_height=self._from, full=True)
            self._call = self._stub.StreamBlocks(request)
        for message in self._call:
            yield SealedReceipts(
                message.header.height,
                tuple(("0x" + r.tx_id.hex(), status_name(r.status)) for r in message.receipts),
            )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._call is not None:
                self._call.cancel()
        self._channel.close()
