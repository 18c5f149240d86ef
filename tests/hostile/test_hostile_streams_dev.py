"""Hostile input to the streaming RPCs and the Dev service, on real dev nodes over real gRPC.

- Random bytes as StreamBlocks / StreamEvents requests: a request that does not parse is refused
  with INVALID_ARGUMENT; one that parses streams the block it names (or, past the head, waits
  until the caller's deadline). Never INTERNAL, never a stall of the node.
- More open streams than --max-streams: RESOURCE_EXHAUSTED with a message, while unary calls
  are still answered at once (idle subscribers cannot starve submissions); a closed stream's
  slot is given back.
- Random bytes to every Dev method, and the Dev clock pushed to its ends: documented codes
  only, and the node still seals (a pin at 2**64 - 1 used to stop the sealer).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_helpers import (
    KEYS,
    NodeProcess,
    assert_rpc_error,
    head_height,
    receipt_status,
    running_node,
    submit,
    transfer,
)

from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.node.dev import MAX_DEV_TIME_MS

from .hostile_helpers import COUNTS, FORBIDDEN, Code, Reply

pytestmark = pytest.mark.e2e

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
STREAM_WAIT_S = 0.5
MAX_STREAMS = 3
FAR_AHEAD = 10**9

STREAM_REQUESTS: dict[str, Any] = {
    "StreamBlocks": npb.StreamBlocksRequest,
    "StreamEvents": npb.StreamEventsRequest,
}
DEV_CODES = frozenset({Code.OK, Code.INVALID_ARGUMENT, Code.NOT_FOUND})
DEV_METHODS = ("SetNextBlockTime", "IncreaseTime", "Mine", "Snapshot", "Revert")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A dev node serving at most MAX_STREAMS streams."""
    args = ["--max-streams", str(MAX_STREAMS), "--heartbeat", "200ms"]
    with running_node(tmp_path_factory.mktemp("streams"), args=args, no_traceback=True) as n:
        yield n


def first_message(channel: Any, method: str, payload: bytes, timeout: float) -> Reply:
    """Open /vmchain.v1.Node/<method> with these request bytes; read one message, then cancel."""
    call = channel.unary_stream(f"/vmchain.v1.Node/{method}")(payload, timeout=timeout)
    start = time.monotonic()
    try:
        body: bytes = next(call)
        return Reply(Code.OK, "", time.monotonic() - start, body)
    except grpc.RpcError as exc:
        return Reply(exc.code(), exc.details() or "", time.monotonic() - start, b"")
    finally:
        call.cancel()


def expected_stream_reply(method: str, payload: bytes, head: int) -> set[Any]:
    """What a correct node answers to these request bytes (head: the height before the call)."""
    try:
        request = STREAM_REQUESTS[method].FromString(payload)
    except Exception:
        return {Code.INVALID_ARGUMENT}
    if method == "StreamEvents" and request.contract and len(request.contract) != 20:
        return {Code.INVALID_ARGUMENT}
    if request.from_height > head + 1:
        return {Code.DEADLINE_EXCEEDED}  # streams wait for the height they asked for
    if method == "StreamEvents":
        return {Code.OK, Code.DEADLINE_EXCEEDED}  # blocks without matching events are skipped
    return {Code.OK, Code.DEADLINE_EXCEEDED} if request.from_height == head + 1 else {Code.OK}


@pytest.mark.parametrize("method", sorted(STREAM_REQUESTS))
def test_random_bytes_to_streams(node: NodeProcess, method: str) -> None:
    @FUZZ
    @given(payload=st.binary(max_size=200))
    def run(payload: bytes) -> None:
        COUNTS[f"random_bytes:{method}"] += 1
        head = head_height(node.node)
        reply = first_message(node.channel, method, payload, STREAM_WAIT_S)
        assert reply.code not in FORBIDDEN, f"{method}({payload!r}): {reply.code} {reply.details}"
        assert reply.code in expected_stream_reply(method, payload, head), (
            f"{method}({payload!r}): {reply.code} {reply.details}"
        )
        if reply.code == Code.INVALID_ARGUMENT:
            assert reply.details
        if method == "StreamBlocks" and reply.code == Code.OK:
            wanted = npb.StreamBlocksRequest.FromString(payload).from_height
            assert npb.BlockInfo.FromString(reply.body).header.height == wanted

    run()


def test_streams_beyond_the_cap_are_refused_and_unary_calls_still_answer(
    node: NodeProcess,
) -> None:
    stream = node.node.StreamBlocks
    held = [stream(npb.StreamBlocksRequest(from_height=FAR_AHEAD), timeout=30) for _ in range(3)]
    try:
        details = ""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the held streams reach the server asynchronously
            extra = stream(npb.StreamBlocksRequest(from_height=FAR_AHEAD), timeout=1)
            try:
                next(extra)
            except grpc.RpcError as exc:
                if exc.code() == Code.RESOURCE_EXHAUSTED:
                    details = exc.details()
                    break
                assert exc.code() == Code.DEADLINE_EXCEEDED, exc.details()
        COUNTS["streams_over_cap"] += 1
        assert details == (
            f"this node already serves {MAX_STREAMS} open streams (its --max-streams); "
            "close one or retry later"
        )
        start = time.monotonic()
        info = node.node.GetNodeInfo(npb.GetNodeInfoRequest(), timeout=2)
        assert info.chain_id == "vmchain-dev"
        receipt = submit(node.node, transfer(node.node, KEYS[4], b"\x45" * 20, 3)).receipt
        assert receipt_status(receipt) == "SUCCESS"
        assert time.monotonic() - start < 2.0
    finally:
        for call in held:
            call.cancel()
    # the cancelled streams give their slots back (the server notices within its poll period)
    deadline = time.monotonic() + 5
    while True:
        reply = first_message(
            node.channel,
            "StreamBlocks",
            npb.StreamBlocksRequest(from_height=1).SerializeToString(),
            2,
        )
        if reply.code == Code.OK or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert reply.code == Code.OK, reply.details
    assert npb.BlockInfo.FromString(reply.body).header.height == 1


def raw_dev_call(channel: Any, method: str, payload: bytes) -> Reply:
    stub = channel.unary_unary(f"/vmchain.v1.Dev/{method}")
    start = time.monotonic()
    try:
        body: bytes = stub(payload, timeout=35)
        return Reply(Code.OK, "", time.monotonic() - start, body)
    except grpc.RpcError as exc:
        return Reply(exc.code(), exc.details() or "", time.monotonic() - start, b"")


@pytest.mark.parametrize("method", DEV_METHODS)
def test_random_bytes_to_dev(node: NodeProcess, method: str) -> None:
    @settings(FUZZ, max_examples=60)
    @given(payload=st.binary(max_size=40))
    def run(payload: bytes) -> None:
        COUNTS[f"random_bytes:Dev.{method}"] += 1
        reply = raw_dev_call(node.channel, method, payload)
        what = f"Dev.{method}({payload!r})"
        assert reply.code in DEV_CODES, f"{what}: {reply.code} {reply.details}"
        if reply.code != Code.OK:
            assert reply.details, what

    run()
    receipt = submit(node.node, transfer(node.node, KEYS[5], b"\x46" * 20, 1)).receipt
    assert receipt_status(receipt) == "SUCCESS"


def test_dev_clock_at_its_ends_keeps_the_sealer_alive(node: NodeProcess) -> None:
    dev = node.devc
    COUNTS["dev_clock_extremes"] += 4
    assert_rpc_error(
        Code.INVALID_ARGUMENT,
        f"timestamp_ms {2**64 - 1} is past the dev clock's end {MAX_DEV_TIME_MS} (year 9999)",
        dev.SetNextBlockTime,
        dpb.SetNextBlockTimeRequest(timestamp_ms=2**64 - 1),
    )
    pinned = dev.SetNextBlockTime(dpb.SetNextBlockTimeRequest(timestamp_ms=MAX_DEV_TIME_MS - 5000))
    assert pinned.timestamp_ms == MAX_DEV_TIME_MS - 5000
    mined = dev.Mine(dpb.MineRequest(blocks=2))
    assert MAX_DEV_TIME_MS - 5000 <= mined.timestamp_ms <= MAX_DEV_TIME_MS
    assert_rpc_error(
        Code.INVALID_ARGUMENT,
        "would move chain time past the dev clock's end",
        dev.IncreaseTime,
        dpb.IncreaseTimeRequest(seconds=3600),
    )
    receipt = submit(node.node, transfer(node.node, KEYS[6], b"\x47" * 20, 2)).receipt
    assert receipt_status(receipt) == "SUCCESS"
    assert receipt.height > mined.height
