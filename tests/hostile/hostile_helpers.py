"""Helpers for the hostile-input tests: raw gRPC calls with arbitrary bytes and attempt counts.

`raw_call` sends any bytes as the request of a Node method (identity serializers, so the bytes
need not be a valid protobuf) and returns the status code, message and time taken. `COUNTS`
tallies how many inputs of each hostile class were tried; `summary_line` prints them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import grpc

Code: Any = grpc.StatusCode

COUNTS: Counter[str] = Counter()

# A reply slower than this is a stall, even when the code is right.
MAX_REPLY_S = 2.0
# Codes a hostile request must never get: they mean a bug or a dead node.
FORBIDDEN = frozenset({Code.INTERNAL, Code.UNKNOWN, Code.DATA_LOSS, Code.UNAVAILABLE})


@dataclass(frozen=True, slots=True)
class Reply:
    code: Any  # a grpc.StatusCode (OK on success)
    details: str
    seconds: float
    body: bytes


def raw_call(channel: Any, method: str, payload: bytes, timeout: float = 5.0) -> Reply:
    """Call /vmchain.v1.Node/<method> with these exact request bytes."""
    stub = channel.unary_unary(f"/vmchain.v1.Node/{method}")
    start = time.monotonic()
    try:
        body: bytes = stub(payload, timeout=timeout)
        return Reply(Code.OK, "", time.monotonic() - start, body)
    except grpc.RpcError as exc:
        return Reply(exc.code(), exc.details() or "", time.monotonic() - start, b"")


def check_reply(reply: Reply, allowed: frozenset[Any], what: str) -> None:
    """The reply came quickly, with an allowed code and (on error) a message."""
    assert reply.code not in FORBIDDEN, f"{what}: {reply.code}: {reply.details}"
    assert reply.code in allowed, f"{what}: unexpected {reply.code}: {reply.details}"
    assert reply.seconds < MAX_REPLY_S, f"{what}: took {reply.seconds:.2f} s"
    if reply.code != Code.OK:
        assert reply.details, f"{what}: {reply.code} without a message"


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_bytes(number: int, value: bytes) -> bytes:
    """One length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(value)) + value


def summary_line() -> str:
    parts = ", ".join(f"{name}={COUNTS[name]}" for name in sorted(COUNTS))
    return f"hostile inputs tried: total={sum(COUNTS.values())}: {parts}"
