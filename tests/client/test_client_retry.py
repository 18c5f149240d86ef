"""Idempotent retries against a real in-process gRPC server that fails on purpose.

The server is client_fakenode's real grpc server; failures are status codes it answers with,
or work it does before "losing" its response, so the SDK's retries meet real gRPC errors.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from client_fakenode import SEALER, Served, running

from vmchain.client import (
    AlreadyExists,
    InvalidArgument,
    NodeClient,
    RetryPolicy,
    Unavailable,
    Wallet,
)
from vmchain.client.retry import Retrier
from vmchain.crypto import address_to_text

UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
FAST = RetryPolicy(deadline=5.0, initial_backoff=0.01, max_backoff=0.05, jitter=0.0)
ALICE = Wallet(SEALER)
BOB = "0x" + "b0" * 20


@pytest.fixture
def fake() -> Iterator[Served]:
    with running() as served:
        yield served


@pytest.fixture
def node(fake: Served) -> Iterator[NodeClient]:
    with NodeClient(fake.target, timeout=2.0, retry=FAST) as client:
        yield client


def test_unavailable_twice_then_ok(fake: Served, node: NodeClient) -> None:
    fake.node.failures["GetNodeInfo"] = [UNAVAILABLE, UNAVAILABLE]
    info = node.info()
    assert info.chain_id == "vmchain-dev"
    assert info.authority_addresses == (address_to_text(SEALER.address),)
    assert fake.node.calls["GetNodeInfo"] == 3


def test_deadline_exceeded_is_retried(fake: Served, node: NodeClient) -> None:
    fake.node.failures["GetLatestBlock"] = [grpc.StatusCode.DEADLINE_EXCEEDED]
    assert node.latest_block().height == 0
    assert fake.node.calls["GetLatestBlock"] == 2


def test_other_codes_are_not_retried_and_keep_code_and_message(
    fake: Served, node: NodeClient
) -> None:
    fake.node.failures["GetNodeInfo"] = [grpc.StatusCode.INVALID_ARGUMENT]
    with pytest.raises(InvalidArgument) as caught:
        node.info()
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.code_name == "INVALID_ARGUMENT"
    assert caught.value.message == "scripted INVALID_ARGUMENT for GetNodeInfo"
    assert caught.value.method == "GetNodeInfo"
    assert fake.node.calls["GetNodeInfo"] == 1


def test_gives_up_at_the_overall_deadline(fake: Served) -> None:
    fake.node.failures["GetNodeInfo"] = [UNAVAILABLE] * 1000
    policy = RetryPolicy(deadline=0.3, initial_backoff=0.01, max_backoff=0.05, jitter=0.0)
    started = time.monotonic()
    with NodeClient(fake.target, retry=policy) as node, pytest.raises(Unavailable) as caught:
        node.info()
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 1.5  # gives up when the next pause (<= 0.05 s) would pass 0.3 s
    assert caught.value.attempts == fake.node.calls["GetNodeInfo"] >= 4
    assert caught.value.message == "scripted UNAVAILABLE for GetNodeInfo"


def test_unreachable_node_raises_unavailable_after_the_deadline() -> None:
    policy = RetryPolicy(deadline=0.3, initial_backoff=0.02, jitter=0.0)
    with NodeClient("127.0.0.1:1", retry=policy) as node, pytest.raises(Unavailable) as caught:
        node.info()
    assert caught.value.attempts >= 2


def test_submit_retried_after_a_lost_response_executes_once(fake: Served, node: NodeClient) -> None:
    # The node seals the tx, then the response is lost (UNAVAILABLE); the SDK resubmits the same
    # signed bytes and gets the one receipt.
    fake.node.lose_responses["SubmitTransaction"] = 1
    tx = node.build_transfer(ALICE, BOB, 5)
    receipt = node.submit(tx)
    assert receipt.tx_id == "0x" + tx.tx_id.hex()
    assert receipt.height == 1
    assert fake.node.calls["SubmitTransaction"] == 2
    assert fake.chain.height == 1
    assert node.balance(BOB) == 5


def test_submit_without_wait_after_a_lost_response(fake: Served, node: NodeClient) -> None:
    fake.node.lose_responses["SubmitTransaction"] = 1
    tx = node.build_transfer(ALICE, BOB, 7)
    assert node.submit(tx, wait=False) == "0x" + tx.tx_id.hex()
    assert fake.node.calls["SubmitTransaction"] == 2  # the retry met ALREADY_EXISTS: fine
    assert node.balance(BOB) == 7


def test_a_real_duplicate_without_wait_is_already_exists(node: NodeClient) -> None:
    tx = node.build_transfer(ALICE, BOB, 1)
    node.submit(tx)
    with pytest.raises(AlreadyExists) as caught:
        node.submit(tx, wait=False)
    assert caught.value.tx_id == tx.tx_id


def test_a_duplicate_with_wait_returns_the_same_receipt(node: NodeClient) -> None:
    tx = node.build_transfer(ALICE, BOB, 1)
    assert node.submit(tx) == node.submit(tx)


def test_streamed_batches_resume_after_a_lost_response(fake: Served, node: NodeClient) -> None:
    fake.node.lose_responses["SubmitTransactions"] = 1
    txs = [node.build_transfer(ALICE, BOB, i + 1) for i in range(5)]
    outcomes = node.submit_many(txs, batch_size=2)
    assert [o.tx_id for o in outcomes] == ["0x" + t.tx_id.hex() for t in txs]
    # Batch 1 was sealed but its answer lost; on the reopened stream it is ALREADY_EXISTS.
    assert [o.code for o in outcomes] == ["ALREADY_EXISTS"] * 2 + ["OK"] * 3
    assert all(o.accepted for o in outcomes)
    assert fake.node.calls["SubmitTransactions"] == 2
    assert node.balance(BOB) == 15


def test_dev_calls_that_add_up_are_not_retried(fake: Served, node: NodeClient) -> None:
    fake.dev.failures["IncreaseTime"] = [UNAVAILABLE]
    with pytest.raises(Unavailable):
        node.dev.increase_time(60)
    assert fake.dev.calls["IncreaseTime"] == 1
    fake.dev.failures["SetNextBlockTime"] = [UNAVAILABLE]
    state = node.dev.set_next_block_time(1_800_000_000)
    assert fake.dev.calls["SetNextBlockTime"] == 2
    assert state.height == 0
    assert fake.chain.next_timestamp_ms == 1_800_000_000_000


def test_backoff_is_exponential_capped_and_bounded_by_the_deadline() -> None:
    now = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    policy = RetryPolicy(deadline=1.0, initial_backoff=0.1, max_backoff=0.3, jitter=0.0)
    retrier = Retrier(policy, clock=lambda: now[0], sleep=sleep)

    class Down(grpc.RpcError):  # type: ignore[misc]
        def code(self) -> grpc.StatusCode:
            return UNAVAILABLE

        def details(self) -> str:
            return "down"

    def attempt(remaining: float) -> None:
        raise Down()

    with pytest.raises(Unavailable) as caught:
        retrier.run(attempt, method="X")
    # 0.1, 0.2, 0.3 (capped), 0.3: at t=0.9 the next pause would pass the deadline: give up.
    assert pauses == pytest.approx([0.1, 0.2, 0.3, 0.3])
    assert caught.value.attempts == 5
    assert str(caught.value) == "UNAVAILABLE in X: down"


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="deadline > 0"):
        RetryPolicy(deadline=0)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)
