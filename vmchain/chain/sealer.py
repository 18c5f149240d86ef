"""The sealing policy: when should the authority seal the next block? A pure function of time.

Seal when the pending txs reach the block's tx limit or gas limit (sum of their gas limits), when
the oldest pending tx has waited `block_time_ms` (default 100 ms), or, with a heartbeat set, when
no block has been sealed for `heartbeat_ms` (an empty block if need be). The node passes the time
in; the decision says why to seal, or how long nothing can change without a new tx.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vmchain.chain.genesis import ChainParams
from vmchain.chain.mempool import Mempool

DEFAULT_BLOCK_TIME_MS = 100


class SealReason(StrEnum):
    TX_LIMIT = "tx_limit"
    GAS_LIMIT = "gas_limit"
    BLOCK_TIME = "block_time"
    HEARTBEAT = "heartbeat"


@dataclass(frozen=True, slots=True)
class SealerPolicy:
    block_gas_limit: int
    block_max_txs: int
    block_time_ms: int = DEFAULT_BLOCK_TIME_MS
    heartbeat_ms: int | None = None

    @staticmethod
    def from_params(
        params: ChainParams,
        block_time_ms: int = DEFAULT_BLOCK_TIME_MS,
        heartbeat_ms: int | None = None,
    ) -> SealerPolicy:
        return SealerPolicy(
            params.block_gas_limit, params.block_max_txs, block_time_ms, heartbeat_ms
        )


@dataclass(frozen=True, slots=True)
class PendingState:
    """What the policy needs to know about the mempool."""

    count: int
    gas: int
    oldest_arrival_ms: int | None

    @staticmethod
    def of(mempool: Mempool) -> PendingState:
        return PendingState(len(mempool), mempool.pending_gas, mempool.oldest_arrival_ms())


@dataclass(frozen=True, slots=True)
class SealDecision:
    """Seal now (`reason` set), or re-check in `wait_ms` (None: only a new tx changes things)."""

    reason: SealReason | None
    wait_ms: int | None = None

    @property
    def seal(self) -> bool:
        return self.reason is not None


def decide(
    policy: SealerPolicy, pending: PendingState, now_ms: int, last_seal_ms: int
) -> SealDecision:
    """Whether to seal at `now_ms`, given the pending txs and when the last block was sealed."""
    if pending.count >= policy.block_max_txs:
        return SealDecision(SealReason.TX_LIMIT)
    if pending.gas >= policy.block_gas_limit:
        return SealDecision(SealReason.GAS_LIMIT)
    deadlines: list[tuple[int, SealReason]] = []
    if pending.count and pending.oldest_arrival_ms is not None:
        deadlines.append((pending.oldest_arrival_ms + policy.block_time_ms, SealReason.BLOCK_TIME))
    if policy.heartbeat_ms is not None:
        deadlines.append((last_seal_ms + policy.heartbeat_ms, SealReason.HEARTBEAT))
    for due_ms, reason in deadlines:
        if now_ms >= due_ms:
            return SealDecision(reason)
    if not deadlines:
        return SealDecision(None)
    return SealDecision(None, min(due for due, _ in deadlines) - now_ms)
