"""Server streams that survive disconnects: resume from the last seen height, no gaps, no repeats.

StreamBlocks and StreamEvents can start at any height. When a stream breaks (UNAVAILABLE, a node
restart, a clean end), `resumable` reopens it from the height of the last item it yielded and
drops every item whose key (height, index within the block) is not past the last one yielded, so
the consumer sees each item exactly once and in order. Reconnects back off exponentially; after
`policy.deadline` seconds without progress the last error is raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc

from vmchain.client.errors import Unavailable, from_grpc
from vmchain.client.retry import Retrier

Key = tuple[int, int]


def resumable(
    open_stream: Callable[[int, float | None], Any],
    *,
    method: str,
    from_height: int,
    key_of: Callable[[Any], Key],
    resume_height: Callable[[Key], int],
    retrier: Retrier,
    timeout: float | None = None,
) -> Iterator[Any]:
    """Yield the stream's items in key order across reconnects.

    `open_stream(height, timeout)` opens the RPC from `height`; `resume_height(last_key)` is
    where to reopen after `last_key` was yielded. With `timeout`, the iteration simply ends
    that many seconds after it started.
    """
    clock = retrier.clock
    end = None if timeout is None else clock() + timeout
    last: Key | None = None
    height = from_height
    failures = 0
    stalled_since: float | None = None
    while True:
        remaining = None if end is None else end - clock()
        if remaining is not None and remaining <= 0:
            return
        call = open_stream(height, remaining)
        error: grpc.RpcError | None = None
        try:
            for item in call:
                key = key_of(item)
                if last is not None and key <= last:
                    continue  # already yielded before the reconnect
                last, height = key, resume_height(key)
                failures, stalled_since = 0, None
                yield item
        except grpc.RpcError as exc:
            if end is not None and clock() >= end:
                return
            if not retrier.retryable(exc):
                raise from_grpc(exc, method) from None
            error = exc
        finally:
            call.cancel()
        failures += 1
        now = clock()
        stalled_since = now if stalled_since is None else stalled_since
        if now - stalled_since > retrier.policy.deadline:
            if error is not None:
                raise from_grpc(error, method) from None
            raise Unavailable(
                f"the stream kept ending without new items for {now - stalled_since:.1f} s",
                method=method,
            )
        limit = retrier.policy.max_backoff if end is None else max(0.0, end - now)
        retrier.backoff(failures, limit)
