"""The server interceptor: error mapping and gRPC metrics for every RPC, in one place.

Servicers raise domain errors and never call `context.abort` themselves; this wrapper turns an
exception into the status of node/status.py, logs unexpected ones with their traceback, turns a
request that does not parse into INVALID_ARGUMENT (grpc itself would answer INTERNAL), and
records `vmchain_grpc_requests_total{method,code}` and `vmchain_grpc_request_seconds{method}`
(streams: from the call to the end of the stream). STYLE.md example 13.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from vmchain.node.errors import BadRequest
from vmchain.node.metrics import Metrics
from vmchain.node.status import is_internal, status_of

log = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]


class _Undecodable:
    """Stands in for a request message whose bytes did not parse."""

    __slots__ = ("error",)

    def __init__(self, error: str) -> None:
        self.error = error


def _lenient(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserialize is None:
        return None

    def parse(raw: bytes) -> Any:
        try:
            return deserialize(raw)
        except Exception as exc:
            return _Undecodable(f"{type(exc).__name__}: {exc}")

    return parse


def _checked(request: Any, method: str) -> Any:
    if isinstance(request, _Undecodable):
        raise BadRequest(f"{method}: the request message does not parse ({request.error})")
    return request


def _checked_stream(requests: Iterator[Any], method: str) -> Iterator[Any]:
    for request in requests:
        yield _checked(request, method)


def _request(request: Any, method: str, streamed: bool) -> Any:
    """The request (or request iterator), raising BadRequest where a message did not parse."""
    return _checked_stream(request, method) if streamed else _checked(request, method)


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
            "request_deserializer": _lenient(handler.request_deserializer),
            "response_serializer": handler.response_serializer,
        }
        streamed = handler.request_streaming
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, method, streamed), **kwargs
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(handler.unary_stream, method, streamed), **kwargs
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._unary(handler.stream_unary, method, streamed), **kwargs
            )
        return grpc.stream_stream_rpc_method_handler(
            self._stream(handler.stream_stream, method, streamed), **kwargs
        )

    def _unary(self, behaviour: Handler, method: str, streamed: bool) -> Handler:
        def call(request: Any, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return behaviour(_request(request, method, streamed), context)
            except Exception as exc:
                self._abort(exc, context, method)
            finally:
                self._record(method, context, started)

        return call

    def _stream(self, behaviour: Handler, method: str, streamed: bool) -> Handler:
        def call(request: Any, context: Any) -> Iterator[Any]:
            started = time.perf_counter()
            try:
                yield from behaviour(_request(request, method, streamed), context)
            except Exception as exc:
                self._abort(exc, context, method)
            finally:
                self._record(method, context, started)

        return call

    @staticmethod
    def _abort(exc: Exception, context: Any, method: str) -> None:
        if context.code() is not None:  # already aborted (by grpc or a handler): keep it
            raise exc
        if not context.is_active():  # the client went away mid-call: nobody to answer
            log.debug("%s ended: the client cancelled (%s)", method, type(exc).__name__)
            return
        if is_internal(exc):
            log.error("%s failed", method, exc_info=exc)
        status = status_of(exc)
        context.abort(status.code, status.message)

    def _record(self, method: str, context: Any, started: float) -> None:
        code = context.code()
        if code is None:
            code = grpc.StatusCode.OK if context.is_active() else grpc.StatusCode.CANCELLED
        self._metrics.grpc_request(method, code.name, time.perf_counter() - started)
