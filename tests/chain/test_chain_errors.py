"""The one table of rejection reasons: complete, stable, and mappable to gRPC status codes."""

from __future__ import annotations

import re

import grpc

from vmchain.chain.errors import CATEGORY, Category, Reason, TxRejected


def test_every_reason_has_a_category() -> None:
    assert set(CATEGORY) == set(Reason)


def test_categories_are_grpc_status_code_names() -> None:
    for category in Category:
        assert grpc.StatusCode[category.name].name == category.name


def test_reason_labels_are_stable_snake_case() -> None:
    assert all(re.fullmatch(r"[a-z_]+", r.value) for r in Reason)
    assert [r.value for r in Reason if CATEGORY[r] is Category.FAILED_PRECONDITION] == [
        "outside_window",
        "cannot_pay_gas",
    ]
    assert [r.value for r in Reason if CATEGORY[r] is Category.RESOURCE_EXHAUSTED] == [
        "too_large",
        "mempool_full",
        "sender_limit",
    ]
    assert [r for r in Reason if CATEGORY[r] is Category.ALREADY_EXISTS] == [Reason.DUPLICATE]
    for name in ("bad_signature", "wrong_chain_id", "non_canonical", "malformed"):
        assert CATEGORY[Reason(name)] is Category.INVALID_ARGUMENT


def test_message_says_reason_and_what() -> None:
    error = TxRejected(Reason.CANNOT_PAY_GAS, "sender has 1, needs 2", b"\x01" * 32)
    assert str(error) == "cannot_pay_gas: sender has 1, needs 2"
    assert error.category is Category.FAILED_PRECONDITION
    assert error.tx_id == b"\x01" * 32
