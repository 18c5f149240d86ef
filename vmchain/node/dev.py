"""The `vmchain.v1.Dev` servicer (served only with `vmchain node --dev`): time, mining, snapshots.

SetNextBlockTime pins the next block's timestamp exactly (never before the head's: timestamps do
not decrease); IncreaseTime moves the dev clock forward; Mine seals blocks now, empty or not.

Snapshot / Revert work like anvil's evm_snapshot / evm_revert: Snapshot returns an id (1, 2, 3,
... per node process) remembering the head height and the dev clock's offset from the wall
clock. Revert(id) rolls the ledger back to that height (`Runtime.rewind`), puts the clock back
to that offset (time added after the snapshot is undone, a pending SetNextBlockTime dropped)
and uses up that snapshot and every later one; earlier snapshots stay valid. Snapshots live in
memory only: a restarted node knows none.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import dev_pb2_grpc as dpb_grpc
from vmchain.chain.errors import NotFound
from vmchain.node.clock import DevClock, wall_ms
from vmchain.node.errors import BadRequest, NotFoundError
from vmchain.node.runtime import Runtime

MAX_MINE_BLOCKS = 1_000
MAX_INCREASE_SECONDS = 100 * 365 * 24 * 3600  # a century
# Chain time the Dev controls may reach: the last millisecond of year 9999. Far below the u64
# header field, so the wall clock moving on from a pinned time can never overflow it (a pin at
# 2**64 - 1 used to stop the sealer with "Value out of range" one block later).
MAX_DEV_TIME_MS = 253_402_300_799_999
FIRST_SNAPSHOT_ID = 1  # 0 is proto3's default: a RevertRequest without an id never matches


@dataclass(frozen=True, slots=True)
class DevSnapshot:
    """What Revert goes back to: the head height and the dev clock's offset then."""

    height: int
    clock_offset_ms: int  # chain time minus wall-clock time


def restore_clock(clock: DevClock, offset_ms: int) -> None:
    """Set the dev clock to wall time + `offset_ms` with no pinned timestamp. DevClock has no
    offset setter: pinning the next block time sets the offset, and the pin is lifted by
    telling the clock a block was stamped at that time (call under the runtime's lock, so the
    sealer never sees the pin)."""
    target = wall_ms() + offset_ms
    clock.set_next_block_time(target)
    clock.block_sealed(target)


class DevService(dpb_grpc.DevServicer):
    """vmchain.v1.Dev over a Runtime and its DevClock."""

    def __init__(self, runtime: Runtime, clock: DevClock) -> None:
        self._runtime = runtime
        self._clock = clock
        self._lock = threading.Lock()  # clock changes, snapshots and reverts, one at a time
        self._snapshots: dict[int, DevSnapshot] = {}
        self._next_id = FIRST_SNAPSHOT_ID

    def _head(self) -> tuple[int, int]:
        header = self._runtime.read(lambda ledger: ledger.head().header)
        return header.height, header.timestamp_ms

    def SetNextBlockTime(self, request: Any, context: Any) -> dpb.DevResponse:  # noqa: N802
        with self._lock:
            height, head_ms = self._head()
            if request.timestamp_ms < head_ms:
                raise BadRequest(
                    f"timestamp_ms {request.timestamp_ms} is before the head block {height}'s "
                    f"timestamp {head_ms}: block timestamps never decrease"
                )
            if request.timestamp_ms > MAX_DEV_TIME_MS:
                raise BadRequest(
                    f"timestamp_ms {request.timestamp_ms} is past the dev clock's end "
                    f"{MAX_DEV_TIME_MS} (year 9999)"
                )
            self._clock.set_next_block_time(request.timestamp_ms)
        return dpb.DevResponse(height=height, timestamp_ms=request.timestamp_ms)

    def IncreaseTime(self, request: Any, context: Any) -> dpb.DevResponse:  # noqa: N802
        if request.seconds > MAX_INCREASE_SECONDS:
            raise BadRequest(
                f"seconds {request.seconds} is more than a century ({MAX_INCREASE_SECONDS})"
            )
        with self._lock:
            if self._clock.now_ms() + request.seconds * 1000 > MAX_DEV_TIME_MS:
                raise BadRequest(
                    f"seconds {request.seconds} would move chain time past the dev clock's end "
                    f"{MAX_DEV_TIME_MS} (year 9999)"
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
        with self._lock:
            height, _ = self._head()
            snapshot_id = self._next_id
            self._next_id += 1
            self._snapshots[snapshot_id] = DevSnapshot(height, self._clock.now_ms() - wall_ms())
        return dpb.SnapshotResponse(id=snapshot_id)

    def Revert(self, request: Any, context: Any) -> dpb.DevResponse:  # noqa: N802
        snapshot_id = request.id
        with self._lock:
            snapshot = self._snapshots.get(snapshot_id)
            if snapshot is None:
                raise NotFoundError(self._unknown(snapshot_id))
            offset = snapshot.clock_offset_ms
            try:
                head = self._runtime.rewind(
                    snapshot.height, lambda: restore_clock(self._clock, offset)
                )
            except NotFound as exc:
                raise NotFoundError(
                    f"snapshot {snapshot_id} (height {snapshot.height}) cannot be reverted to: "
                    f"{exc}"
                ) from None
            for later in [i for i in self._snapshots if i >= snapshot_id]:
                del self._snapshots[later]
        return dpb.DevResponse(height=head.header.height, timestamp_ms=head.header.timestamp_ms)

    def _unknown(self, snapshot_id: int) -> str:
        """Why there is no snapshot `snapshot_id` (called under the lock)."""
        taken = self._next_id - FIRST_SNAPSHOT_ID
        if FIRST_SNAPSHOT_ID <= snapshot_id < self._next_id:
            return (
                f"snapshot {snapshot_id} is gone: a Revert to it or to an earlier snapshot used "
                "it up (take a new snapshot after each Revert to come back again)"
            )
        return (
            f"no snapshot {snapshot_id}: this node has taken {taken} snapshot(s) since it "
            f"started, with ids {FIRST_SNAPSHOT_ID}..{self._next_id - 1}"
            if taken
            else f"no snapshot {snapshot_id}: this node has taken no snapshot since it started"
        )
