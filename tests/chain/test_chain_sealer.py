"""The sealing policy: limits, block time, heartbeat, and how long to wait otherwise."""

from __future__ import annotations

from chain_helpers import transfer
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.chain.genesis import dev_genesis
from vmchain.chain.mempool import Mempool
from vmchain.chain.sealer import (
    DEFAULT_BLOCK_TIME_MS,
    PendingState,
    SealDecision,
    SealerPolicy,
    SealReason,
    decide,
)

POLICY = SealerPolicy(block_gas_limit=1_000_000, block_max_txs=10)
EMPTY = PendingState(0, 0, None)


def test_defaults_from_genesis() -> None:
    policy = SealerPolicy.from_params(dev_genesis().params)
    assert policy == SealerPolicy(100_000_000, 2_000, 100, None)
    assert DEFAULT_BLOCK_TIME_MS == 100


def test_nothing_pending_no_heartbeat_waits_for_a_tx() -> None:
    assert decide(POLICY, EMPTY, now_ms=10_000, last_seal_ms=0) == SealDecision(None, None)


def test_tx_and_gas_limits_seal_at_once() -> None:
    assert decide(POLICY, PendingState(10, 0, 500), 500, 0).reason is SealReason.TX_LIMIT
    assert decide(POLICY, PendingState(9, 1_000_000, 500), 500, 0).reason is SealReason.GAS_LIMIT
    assert decide(POLICY, PendingState(9, 999_999, 500), 500, 0) == SealDecision(None, 100)


def test_block_time_counts_from_the_oldest_pending_tx() -> None:
    pending = PendingState(3, 90_000, 1_000)
    assert decide(POLICY, pending, 1_099, 0) == SealDecision(None, 1)
    decision = decide(POLICY, pending, 1_100, 0)
    assert decision.seal and decision.reason is SealReason.BLOCK_TIME
    assert decide(POLICY, pending, 5_000, 0).reason is SealReason.BLOCK_TIME


def test_heartbeat() -> None:
    policy = SealerPolicy(1_000_000, 10, block_time_ms=100, heartbeat_ms=5_000)
    assert decide(policy, EMPTY, 4_000, 1_000) == SealDecision(None, 2_000)
    assert decide(policy, EMPTY, 6_000, 1_000).reason is SealReason.HEARTBEAT
    # A pending tx's block time comes due before the heartbeat.
    assert decide(policy, PendingState(1, 1, 5_950), 5_960, 1_000) == SealDecision(None, 40)


def test_pending_state_of_a_mempool() -> None:
    pool = Mempool()
    assert PendingState.of(pool) == EMPTY
    a, b = transfer(note=b"a"), transfer(note=b"b")
    pool.add(a, arrival_ms=70)
    pool.add(b, arrival_ms=90)
    assert PendingState.of(pool) == PendingState(2, a.body.gas_limit + b.body.gas_limit, 70)


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(0, 12),
    gas=st.integers(0, 1_200_000),
    oldest=st.integers(0, 10_000),
    now=st.integers(0, 20_000),
    last=st.integers(0, 20_000),
    heartbeat=st.none() | st.integers(1, 10_000),
)
def test_decision_is_consistent(
    count: int, gas: int, oldest: int, now: int, last: int, heartbeat: int | None
) -> None:
    policy = SealerPolicy(1_000_000, 10, 100, heartbeat)
    pending = PendingState(count, gas if count else 0, oldest if count else None)
    decision = decide(policy, pending, now, last)
    due = [now >= oldest + 100 if count else False]
    if heartbeat is not None:
        due.append(now >= last + heartbeat)
    should = count >= 10 or pending.gas >= 1_000_000 or any(due)
    assert decision.seal is should
    if not decision.seal and decision.wait_ms is not None:
        assert decision.wait_ms > 0
        # Waiting exactly that long makes it seal.
        assert decide(policy, pending, now + decision.wait_ms, last).seal
