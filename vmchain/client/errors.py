"""The SDK's exceptions: one class per gRPC status code, failed transactions, bad proofs, keys.

Every gRPC failure surfaces as an `RpcError` subclass chosen from `RPC_ERRORS` by status code
name, carrying `.code` (the `grpc.StatusCode`), `.message` (the node's text, which says what was
wrong) and `.method`. `TransactionFailed` carries the receipt of an included transaction whose
status is not SUCCESS; `CallFailed` the result of a read-only call that did not succeed.
`ProofError` means the node's answer did not verify against a sealed header: never trust it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import grpc

if TYPE_CHECKING:
    from vmchain.client.types import CallResult, Receipt

_TX_ID_RE = re.compile(r"(?:0x)?([0-9a-f]{64})")


class ClientError(Exception):
    """Base class of every error the SDK raises."""


class RpcError(ClientError):
    """A gRPC call failed; `code` is the status code, `message` the node's explanation."""

    code: Any = grpc.StatusCode.UNKNOWN

    def __init__(
        self, message: str, *, method: str = "", code: Any = None, tx_id: bytes | None = None
    ) -> None:
        if code is not None:
            self.code = code
        self.message = message
        self.method = method
        self.tx_id = tx_id
        self.attempts = 1  # how many times the SDK tried before giving up
        where = f" in {method}" if method else ""
        super().__init__(f"{self.code.name}{where}: {message}")

    @property
    def code_name(self) -> str:
        """The status code's name, e.g. "INVALID_ARGUMENT"."""
        name: str = self.code.name
        return name


class Cancelled(RpcError):
    code = grpc.StatusCode.CANCELLED


class InvalidArgument(RpcError):
    """Malformed request, bad signature, wrong chain id: resending it cannot help."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(RpcError):
    """A wait ran out (the tx may still be sealed later: ask for its receipt)."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFound(RpcError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(RpcError):
    """The same transaction is already pending or sealed (`tx_id` says which)."""

    code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(RpcError):
    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(RpcError):
    """Mempool full, sender cap reached or message too big: retry later or send less."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(RpcError):
    """The chain's state says no for now: outside the validity window, cannot pay gas."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class Unimplemented(RpcError):
    """The node does not serve this RPC (e.g. the Dev service on a non-dev node)."""

    code = grpc.StatusCode.UNIMPLEMENTED


class Internal(RpcError):
    code = grpc.StatusCode.INTERNAL


class Unavailable(RpcError):
    """The node is unreachable, shutting down or not the sealer (retried by the SDK)."""

    code = grpc.StatusCode.UNAVAILABLE


class Unauthenticated(RpcError):
    code = grpc.StatusCode.UNAUTHENTICATED


class DataLoss(RpcError):
    """The node's store contradicts itself: it stops rather than guess."""

    code = grpc.StatusCode.DATA_LOSS


# The one table from status code name to exception class; codes not listed map to RpcError.
RPC_ERRORS: dict[str, type[RpcError]] = {
    cls.code.name: cls
    for cls in (
        Cancelled,
        InvalidArgument,
        DeadlineExceeded,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        ResourceExhausted,
        FailedPrecondition,
        Unimplemented,
        Internal,
        Unavailable,
        Unauthenticated,
        DataLoss,
    )
}


def error_for(code: Any, message: str, *, method: str = "", tx_id: bytes | None = None) -> RpcError:
    """The SDK exception for a status code (a `grpc.StatusCode`)."""
    cls = RPC_ERRORS.get(code.name, RpcError)
    if tx_id is None and cls is AlreadyExists:
        tx_id = tx_id_in(message)
    return cls(message, method=method, code=code, tx_id=tx_id)


def from_grpc(exc: Any, method: str = "", tx_id: bytes | None = None) -> RpcError:
    """Convert a `grpc.RpcError` (a failed call) into the SDK exception."""
    code = exc.code() if callable(getattr(exc, "code", None)) else grpc.StatusCode.UNKNOWN
    details = exc.details() if callable(getattr(exc, "details", None)) else str(exc)
    return error_for(code or grpc.StatusCode.UNKNOWN, details or "", method=method, tx_id=tx_id)


def tx_id_in(message: str) -> bytes | None:
    """The first 64-hex-digit tx id in an error message, if any."""
    found = _TX_ID_RE.search(message)
    return bytes.fromhex(found.group(1)) if found else None


class TransactionFailed(ClientError):
    """An included transaction whose status is not SUCCESS; it still paid for its gas."""

    def __init__(self, receipt: Receipt, message: str = "") -> None:
        self.receipt = receipt
        self.message = message or receipt.error
        super().__init__(
            f"transaction {receipt.tx_id} in block {receipt.height} ended {receipt.status}"
            + (f": {self.message}" if self.message else "")
        )


class CallFailed(ClientError):
    """A read-only call that did not succeed; `result` holds its status, error and gas."""

    def __init__(self, result: CallResult, function: str) -> None:
        self.result = result
        self.message = result.error
        super().__init__(
            f"call of {function} ended {result.status}"
            + (f": {result.error}" if result.error else "")
        )


class ProofError(ClientError):
    """The node's answer does not verify against a sealed header (or the header's seal fails)."""


class WalletError(ClientError):
    """A key file that cannot be written or read safely, or a bad private key."""


class ArgumentError(ClientError, TypeError):
    """A contract argument that is not a VM value (int, bytes, or a 0x address text)."""
