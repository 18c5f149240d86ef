"""Hypothesis fuzzing of every request-taking Node RPC on a real dev node, over real gRPC.

Random bytes (not necessarily protobuf) go to SubmitTransaction, GetReceipt, GetTransaction,
GetBlock, GetAccount, GetStorage and Call; mutated valid SignedTransactions (bit flips,
truncations, insertions) and mutated-then-re-signed bodies go to SubmitTransaction. Every call
answers within MAX_REPLY_S with a documented code, never INTERNAL/UNKNOWN. Afterwards the node
still answers, seals a normal transfer, and the block that was the head at the start is unchanged.
"""

from __future__ import annotations

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
    submit,
    transfer,
)

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.tx import TX_DOMAIN, signed_message

from .hostile_helpers import COUNTS, Code, check_reply, field_bytes, raw_call

pytestmark = pytest.mark.e2e

FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

TX_CODES = frozenset(
    {
        Code.INVALID_ARGUMENT,
        Code.FAILED_PRECONDITION,
        Code.ALREADY_EXISTS,
        Code.RESOURCE_EXHAUSTED,
    }
)
QUERY_CODES = frozenset({Code.OK, Code.INVALID_ARGUMENT, Code.NOT_FOUND})

# method -> codes random request bytes may get
RANDOM_TARGETS: dict[str, frozenset[Any]] = {
    "SubmitTransaction": TX_CODES,
    "GetReceipt": QUERY_CODES | {Code.DEADLINE_EXCEEDED},
    "GetTransaction": QUERY_CODES,
    "GetBlock": QUERY_CODES,
    "GetAccount": QUERY_CODES,
    "GetStorage": QUERY_CODES,
    "Call": QUERY_CODES,
}

_start: dict[str, Any] = {}


@pytest.fixture(scope="module")
def node(hostile_node: NodeProcess) -> NodeProcess:
    """The module's node, with its head recorded before any fuzzing."""
    info = hostile_node.node.GetLatestBlock(npb.GetLatestBlockRequest(), timeout=5)
    _start["height"] = info.header.height
    _start["hash"] = info.hash
    return hostile_node


@pytest.mark.parametrize("method", sorted(RANDOM_TARGETS))
def test_random_bytes(node: NodeProcess, method: str) -> None:
    allowed = RANDOM_TARGETS[method]

    @FUZZ
    @given(payload=st.binary(max_size=600))
    def run(payload: bytes) -> None:
        COUNTS[f"random_bytes:{method}"] += 1
        check_reply(raw_call(node.channel, method, payload), allowed, f"{method}({payload!r})")

    run()


def test_random_batch_stream(node: NodeProcess) -> None:
    """Random bytes as SubmitBatch messages on the batch stream: refused, never a crash."""
    stream = node.channel.stream_stream("/vmchain.v1.Node/SubmitTransactions")
    bad_codes = {Code.INTERNAL.value[0], Code.UNKNOWN.value[0], Code.DATA_LOSS.value[0]}

    @FUZZ
    @given(payloads=st.lists(st.binary(max_size=300), min_size=1, max_size=4))
    def run(payloads: list[bytes]) -> None:
        COUNTS["random_bytes:SubmitTransactions"] += len(payloads)
        try:
            replies = list(stream(iter(payloads), timeout=5))
        except grpc.RpcError as exc:
            assert exc.code() in {Code.INVALID_ARGUMENT, Code.RESOURCE_EXHAUSTED}, exc.details()
            assert exc.details()
            return
        for raw in replies:
            results = npb.SubmitBatchResponse.FromString(raw).results
            assert all(r.code not in bad_codes and (r.code == 0 or r.error) for r in results)

    run()


@st.composite
def mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """A copy of `original` with flipped bits, a cut, an insertion or an overwritten run."""
    data = bytearray(original)
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "overwrite"]))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
    elif kind == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif kind == "insert":
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(min_size=1, max_size=40))
    else:
        i = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=16))
        data[i : i + len(chunk)] = chunk
    return bytes(data)


def test_mutated_signed_transactions(node: NodeProcess) -> None:
    tx = transfer(node.node, KEYS[1], b"\x42" * 20, 7, note=b"mutate-me")
    original = signed_message(tx).SerializeToString(deterministic=True)

    @FUZZ
    @given(mutated=mutations(original), wait_ms=st.integers(0, 50))
    def run(mutated: bytes, wait_ms: int) -> None:
        if mutated == original:
            return
        COUNTS["mutated_signed_tx"] += 1
        payload = field_bytes(1, mutated) + (b"\x10" + bytes([wait_ms]) if wait_ms else b"")
        reply = raw_call(node.channel, "SubmitTransaction", payload)
        check_reply(reply, TX_CODES, f"mutated {mutated.hex()}")

    run()


def test_mutated_bodies_resigned(node: NodeProcess) -> None:
    """A mutated body signed by its sender: a valid signature over junk, or a valid odd tx."""
    key = KEYS[2]
    tx = transfer(node.node, key, b"\x43" * 20, 5, note=b"resign-me")
    body = tx.body_bytes

    @FUZZ
    @given(mutated=mutations(body))
    def run(mutated: bytes) -> None:
        COUNTS["mutated_body_resigned"] += 1
        signed = field_bytes(1, mutated) + field_bytes(2, key.public_key)
        signed += field_bytes(3, key.sign(TX_DOMAIN, mutated))
        reply = raw_call(node.channel, "SubmitTransaction", field_bytes(1, signed))
        check_reply(reply, TX_CODES | {Code.OK}, f"resigned body {mutated.hex()}")

    run()


U64_MAX = 2**64 - 1


def _edge_cases(node: Any) -> dict[str, tuple[Any, Any, str]]:
    """name -> (call, expected code, text the message must contain) for extreme field values."""
    sender = KEYS[0].address

    def call(**fields: Any) -> Any:
        request = npb.CallRequest(contract=sender, function=b"abcd", **fields)
        setattr(request, "from", sender)
        return lambda: node.Call(request, timeout=5)

    missing = npb.GetReceiptRequest(tx_id=b"\x01" * 32, wait_ms=2**32 - 1)
    return {
        "call_height_max": (call(height=U64_MAX), Code.NOT_FOUND, f"no block at height {U64_MAX}"),
        "call_value_100_bytes": (call(value=b"\xff" * 100), Code.INVALID_ARGUMENT, "at most 16"),
        "call_selector_8_bytes": (
            lambda: node.Call(npb.CallRequest(contract=sender, function=b"x" * 8), timeout=5),
            Code.INVALID_ARGUMENT,
            "function must be a 4-byte selector, got 8 bytes",
        ),
        "account_height_max": (
            lambda: node.GetAccount(
                npb.GetAccountRequest(address=sender, height=U64_MAX, prove=True), timeout=5
            ),
            Code.NOT_FOUND,
            f"no block at height {U64_MAX}",
        ),
        "block_height_max": (
            lambda: node.GetBlock(npb.GetBlockRequest(height=U64_MAX, full=True), timeout=5),
            Code.NOT_FOUND,
            f"no block at height {U64_MAX}",
        ),
        "receipt_unknown_max_wait": (
            lambda: node.GetReceipt(missing, timeout=5),
            Code.NOT_FOUND,
            "is not known to this node",
        ),
        "events_bad_contract": (
            lambda: next(node.StreamEvents(npb.StreamEventsRequest(contract=b"abc"), timeout=5)),
            Code.INVALID_ARGUMENT,
            "contract must be a 20-byte address, got 3 bytes",
        ),
    }


def test_extreme_field_values(node: NodeProcess) -> None:
    for name, (fn, code, text) in _edge_cases(node.node).items():
        COUNTS["extreme_fields"] += 1
        details = assert_rpc_error(code, text, fn)
        assert details, name
    # a 900 KB storage key and 900 KB of call args are answered (no contract there), not refused
    COUNTS["extreme_fields"] += 2
    big_key = npb.GetStorageRequest(contract=KEYS[0].address, key=b"k" * 900_000, prove=True)
    assert node.node.GetStorage(big_key, timeout=10).value == b""
    request = npb.CallRequest(contract=KEYS[0].address, function=b"abcd", args=b"\x01" * 900_000)
    setattr(request, "from", KEYS[0].address)
    result = node.node.Call(request, timeout=10)
    assert result.status == pb.TxStatus.Value("NO_SUCH_CONTRACT"), result.error


def test_node_survives_and_history_unchanged(node: NodeProcess) -> None:
    info = node.wait_for_info()
    assert info.chain_id == "vmchain-dev"
    receipt = submit(
        node.node, transfer(node.node, KEYS[3], b"\x44" * 20, 11, note=b"after")
    ).receipt
    assert receipt_status(receipt) == "SUCCESS"
    assert receipt.height > _start["height"]
    block = node.node.GetBlock(npb.GetBlockRequest(height=_start["height"]), timeout=5)
    assert block.hash == _start["hash"]
    assert head_height(node.node) >= receipt.height
