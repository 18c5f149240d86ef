"""The server interceptor: error mapping and gRPC metrics for every RPC, in one place.

Servicers raise domain errors and never call `context.abort` themselves; this wrapper turns an
exception into the status of node/status.py, logs unexpected ones with their traceback, and
records `vmchain_grpc_requests_total{method,code}` and `vmchain_grpc_request_seconds{method}`
(streams: from the call to the end of the stream). STYLE.md example 13.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from vmchain.node.metrics import Metrics
from vmchain.node.status import is_internal, status_of

log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]


def method_label(full_method: str) -> str:
    """'/vmchain.v1.Node/GetBlock' -> 'Node/GetBlock' (the metric's method label)."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    return f"{service.rpartition('.')[2]}/{method}"


class ServiceInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Maps exceptions to statuses and times every call."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if handler is None:
            return None
        method = method_label(details.method)
        kwargs = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, method), **kwargs
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(handler.unary_stream, method), **kwargs
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._unary(handler.stream_unary, method), **kwargs
            )
        return grpc.stream_stream_rpc_method_handler(
            self._stream(handler.stream_stream, method), **kwargs
        )

    def _unary(self, behaviour: Handler, method: str) -> Handler:
        def call(request: Any, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return behaviour(request, context)
            except Exception as exc:
                self._abort(exc, context, method)
            finally:
                self._record(method, context, started)

        return call

    def _stream(self, behaviour: Handler, method: str) -> Handler:
        def call(request: Any, context: Any) -> Iterator[Any]:
            started = time.perf_counter()
            try:
                yield from behaviour(request, context)
            except Exception as exc:
                self._abort(exc, context, method)
            finally:
                self._record(method, context, started)

        return call

    @staticmethod
    def _abort(exc: Exception, context: Any, method: str) -> None:
        if context.code() is not None:  # already aborted (by grpc or a handler): keep it
            raise exc
        if is_internal(exc):
            log.error("%s failed", method, exc_info=exc)
        status = status_of(exc)
        context.abort(status.code, status.message)

    def _record(self, method: str, context: Any, started: float) -> None:
        code = context.code()
        if code is None:
            code = grpc.StatusCode.OK if context.is_active() else grpc.StatusCode.CANCELLED
        self._metrics.grpc_request(method, code.name, time.perf_counter() - started)
