"""node/status.py: the one table from exceptions to gRPC status codes."""

from __future__ import annotations

import grpc
import pytest

from vmchain.chain.errors import (
    CATEGORY,
    BlockReason,
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
    NotFoundError,
    NotSealer,
    ShuttingDown,
    TxDropped,
    WaitExpired,
)
from vmchain.node.status import code_number, is_internal, status_of
from vmchain.state.errors import MissingNode, StoreError

Code = grpc.StatusCode
TX = bytes(range(32))


@pytest.mark.parametrize("reason", list(Reason))
def test_every_rejection_reason_maps_to_its_category_code(reason: Reason) -> None:
    status = status_of(TxRejected(reason, "what was wrong", TX))
    assert status.code == Code[CATEGORY[reason].name]
    assert status.message.startswith(f"{reason.value}: what was wrong")


def test_a_duplicate_always_names_the_tx_id() -> None:
    status = status_of(TxRejected(Reason.DUPLICATE, "seen before", TX))
    assert status.code == Code.ALREADY_EXISTS
    assert status.message == f"duplicate: seen before (tx 0x{TX.hex()})"
    named = TxRejected(Reason.DUPLICATE, f"tx 0x{TX.hex()} is already pending", TX)
    assert status_of(named).message == f"duplicate: tx 0x{TX.hex()} is already pending"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (BadRequest("address must be 20 bytes"), Code.INVALID_ARGUMENT),
        (InvalidQuery("contract must be 20 bytes"), Code.INVALID_ARGUMENT),
        (NotFoundError("tx is not known"), Code.NOT_FOUND),
        (NotFound("no block at height 9"), Code.NOT_FOUND),
        (MissingNode(bytes(32)), Code.NOT_FOUND),
        (WaitExpired.for_tx(TX, 5), Code.DEADLINE_EXCEEDED),
        (TxDropped(TX, "its validity window ended"), Code.FAILED_PRECONDITION),
        (ShuttingDown("node is shutting down"), Code.UNAVAILABLE),
        (NotSealer("no authority key"), Code.UNAVAILABLE),
        (StoreError("disk full"), Code.UNAVAILABLE),
        (InvalidGenesis("chain_id", "bad"), Code.FAILED_PRECONDITION),
        (CorruptStore("block 3 is missing"), Code.DATA_LOSS),
    ],
)
def test_table(exc: Exception, code: grpc.StatusCode) -> None:
    status = status_of(exc)
    assert status.code == code
    assert status.message == str(exc)
    assert not is_internal(exc)


def test_wait_expired_says_the_tx_is_still_pending() -> None:
    assert str(WaitExpired.for_tx(TX, 250)).startswith(
        f"tx 0x{TX.hex()} is still pending after 250 ms"
    )


def test_anything_else_is_internal_and_says_what() -> None:
    status = status_of(KeyError("boom"))
    assert status.code == Code.INTERNAL
    assert status.message == "internal error: KeyError: 'boom'"
    assert is_internal(ValueError("x"))
    assert is_internal(InvalidBlock(BlockReason.BAD_SEAL, "seal of block 3 does not verify"))


def test_code_number_is_the_wire_value() -> None:
    assert code_number(status_of(TxRejected(Reason.MEMPOOL_FULL, "full", TX))) == 8
    assert code_number(status_of(ShuttingDown("bye"))) == 14
