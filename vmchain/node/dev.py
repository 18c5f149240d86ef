"""The `vmchain.v1.Dev` servicer (served only with `vmchain node --dev`): time and mining controls.

SetNextBlockTime pins the next block's timestamp exactly (never before the head's: timestamps do
not decrease); IncreaseTime moves the dev clock forward; Mine seals blocks now, empty or not.
Snapshot and Revert need the ledger to roll its head back, which it does not offer: both answer
UNIMPLEMENTED and say so (a dev chain is cheap to restart instead).
"""

from __future__ import annotations

from typing import Any

from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import dev_pb2_grpc as dpb_grpc
from vmchain.node.clock import DevClock
from vmchain.node.errors import BadRequest, Unsupported
from vmchain.node.runtime import Runtime

MAX_MINE_BLOCKS = 1_000
MAX_INCREASE_SECONDS = 100 * 365 * 24 * 3600  # a century
NO_ROLLBACK = (
    "Snapshot/Revert are not supported: the ledger cannot roll its head back (every block is "
    "committed durably). Restart `vmchain node --dev` without --data-dir for a fresh chain."
)


class DevService(dpb_grpc.DevServicer):
    """vmchain.v1.Dev over a Runtime and its DevClock."""

    def __init__(self, runtime: Runtime, clock: DevClock) -> None:
        self._runtime = runtime
        self._clock = clock

    def _head(self) -> tuple[int, int]:
        header = self._runtime.read(lambda ledger: ledger.head().header)
        return header.height, header.timestamp_ms

    def SetNextBlockTime(self, request: Any, context: Any) -> dpb.DevResponse:  # noqa: N802
        height, head_ms = self._head()
        if request.timestamp_ms < head_ms:
            raise BadRequest(
                f"timestamp_ms {request.timestamp_ms} is before the head block {height}'s "
                f"timestamp {head_ms}: block timestamps never decrease"
            )
        self._clock.set_next_block_time(request.timestamp_ms)
        return dpb.DevResponse(height=height, timestamp_ms=request.timestamp_ms)

    def IncreaseTime(self, request: Any, context: Any) -> dpb.DevResponse:  # noqa: N802
        if request.seconds > MAX_INCREASE_SECONDS:
            raise BadRequest(
                f"seconds {request.seconds} is more than a century ({MAX_INCREASE_SECONDS})"
            )
        now_ms = self._clock.increase_time(request.seconds)
        height, _ = self._head()
        return dpb.DevResponse(height=height, timestamp_ms=now_ms)

    def Mine(self, request: Any, context: Any) -> dpb.DevResponse:  # noqa: N802
        blocks = request.blocks or 1
        if blocks > MAX_MINE_BLOCKS:
            raise BadRequest(f"blocks {blocks} is more than {MAX_MINE_BLOCKS} per call")
        header = self._runtime.mine(blocks).block.header
        return dpb.DevResponse(height=header.height, timestamp_ms=header.timestamp_ms)

    def Snapshot(self, request: Any, context: Any) -> dpb.SnapshotResponse:  # noqa: N802
        raise Unsupported(NO_ROLLBACK)

    def Revert(self, request: Any, context: Any) -> dpb.DevResponse:  # noqa: N802
        raise Unsupported(NO_ROLLBACK)
