"""THE one table from exceptions to gRPC status codes (STYLE.md example 4).

Servicers raise domain errors (chain.errors, state.errors, node.errors); the interceptor calls
`status_of` and aborts the call with the code and message found here. A TxRejected carries its
own category, named after the gRPC code. Anything not in the table is a bug: INTERNAL, with the
exception's type and text, and the interceptor logs it with its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from vmchain.chain.errors import (
    CorruptStore,
    InvalidBlock,
    InvalidGenesis,
    InvalidQuery,
    NotFound,
    Reason,
    TxRejected,
)
from vmchain.node.errors import (
    BadRequest,
    ConfigError,
    NotFoundError,
    NotSealer,
    Overloaded,
    ShuttingDown,
    TxDropped,
    WaitExpired,
)
from vmchain.state.errors import MissingNode, StoreError

Code: Any = grpc.StatusCode  # grpc has no type stubs

# Most specific first: the first class the exception is an instance of decides.
TABLE: tuple[tuple[type[BaseException], Any], ...] = (
    (BadRequest, Code.INVALID_ARGUMENT),
    (InvalidQuery, Code.INVALID_ARGUMENT),
    (NotFoundError, Code.NOT_FOUND),
    (NotFound, Code.NOT_FOUND),
    (MissingNode, Code.NOT_FOUND),  # state of a height no longer retained
    (WaitExpired, Code.DEADLINE_EXCEEDED),
    (TxDropped, Code.FAILED_PRECONDITION),
    (ShuttingDown, Code.UNAVAILABLE),
    (NotSealer, Code.UNAVAILABLE),
    (Overloaded, Code.RESOURCE_EXHAUSTED),
    (ConfigError, Code.INVALID_ARGUMENT),
    (StoreError, Code.UNAVAILABLE),  # I/O trouble: the node stops sealing rather than guess
    (InvalidGenesis, Code.FAILED_PRECONDITION),
    (CorruptStore, Code.DATA_LOSS),  # the store contradicts itself
    (InvalidBlock, Code.INTERNAL),  # a block this node built did not hold: an invariant broke
)


@dataclass(frozen=True, slots=True)
class Status:
    code: Any  # a grpc.StatusCode
    message: str


def _tx_rejected(exc: TxRejected) -> Status:
    message = str(exc)
    if exc.reason is Reason.DUPLICATE and exc.tx_id is not None:
        tx_hex = f"0x{exc.tx_id.hex()}"
        if tx_hex not in message:
            message = f"{message} (tx {tx_hex})"
    return Status(Code[exc.category.name], message)


def status_of(exc: BaseException) -> Status:
    """The gRPC status a failed call answers with."""
    if isinstance(exc, TxRejected):
        return _tx_rejected(exc)
    for cls, code in TABLE:
        if isinstance(exc, cls):
            return Status(code, str(exc) or cls.__name__)
    return Status(Code.INTERNAL, f"internal error: {type(exc).__name__}: {exc}")


def code_number(status: Status) -> int:
    """The numeric value of the status code (as SubmitResult.code carries it)."""
    number: int = status.code.value[0]
    return number


def is_internal(exc: BaseException) -> bool:
    """True when the exception is not one the table knows (a bug to log with its traceback)."""
    return status_of(exc).code is Code.INTERNAL
