"""Admission: every stateless and stateful check, with its reason and gRPC category."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from chain_helpers import ALICE, BOB, CHAIN_ID, transfer
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.chain.admission import (
    MAX_BODY_BYTES,
    ChainView,
    admit,
    check_can_pay,
    check_stateless,
    check_window,
)
from vmchain.chain.errors import Category, Reason, TxRejected
from vmchain.chain.genesis import ChainParams
from vmchain.chain.tx import Tx, build_deploy, intrinsic_gas

PARAMS = ChainParams(CHAIN_ID, block_gas_limit=1_000_000, max_validity_window=100, min_gas_price=0)


@dataclass
class FakeChain:
    height: int = 10
    sealed: set[bytes] = field(default_factory=set)
    balances: dict[bytes, int] = field(default_factory=dict)

    def head_height(self) -> int:
        return self.height

    def has_tx(self, tx_id: bytes) -> bool:
        return tx_id in self.sealed

    def balance(self, address: bytes) -> int:
        return self.balances.get(address, 0)


RICH = FakeChain(balances={ALICE.address: 10**30})


def rejection(tx: Tx, view: ChainView = RICH, params: ChainParams = PARAMS) -> TxRejected:
    with pytest.raises(TxRejected) as info:
        admit(tx, params, view)
    return info.value


def test_good_tx_is_admitted() -> None:
    admit(transfer(first_valid=11, last_valid=111), PARAMS, RICH)
    admit(transfer(first_valid=1, last_valid=11), PARAMS, RICH)


@pytest.mark.parametrize(
    ("tx", "reason", "text"),
    [
        (transfer(chain_id="other"), Reason.WRONG_CHAIN_ID, "for chain 'other'"),
        (transfer(first_valid=12, last_valid=11), Reason.BAD_WINDOW, "after last_valid"),
        (transfer(first_valid=1, last_valid=102), Reason.WINDOW_TOO_LONG, "spans 101 blocks"),
        (transfer(gas_limit=1_000_001), Reason.GAS_LIMIT_TOO_HIGH, "exceeds the block gas"),
        (
            transfer(gas_limit=21_000),
            Reason.GAS_LIMIT_TOO_LOW,
            "below the intrinsic gas 22120 of this tx (70-byte body)",
        ),
    ],
)
def test_stateless_rejections(tx: Tx, reason: Reason, text: str) -> None:
    error = rejection(tx)
    assert error.reason is reason
    assert error.category is Category.INVALID_ARGUMENT
    assert text in error.message
    assert error.tx_id == tx.tx_id


def test_window_of_exactly_max_is_allowed() -> None:
    check_stateless(transfer(first_valid=5, last_valid=105), PARAMS)


def test_min_gas_price() -> None:
    params = ChainParams(CHAIN_ID, min_gas_price=5)
    check_stateless(transfer(gas_price=5), params)
    with pytest.raises(TxRejected, match="gas_price 4 is below the minimum 5") as info:
        check_stateless(transfer(gas_price=4), params)
    assert info.value.reason is Reason.GAS_PRICE_TOO_LOW


def test_body_size_limit() -> None:
    def deploy(size: int) -> Tx:
        return build_deploy(
            ALICE,
            chain_id=CHAIN_ID,
            code=bytes(size),
            first_valid=1,
            last_valid=2,
            gas_limit=intrinsic_gas(size + 200),
        )

    big = ChainParams(CHAIN_ID, block_gas_limit=10**9)
    fits = deploy(MAX_BODY_BYTES - 60)
    assert len(fits.body_bytes) <= MAX_BODY_BYTES
    check_stateless(fits, big)
    with pytest.raises(TxRejected) as info:
        check_stateless(deploy(MAX_BODY_BYTES), big)
    assert info.value.reason is Reason.TOO_LARGE
    assert info.value.category is Category.RESOURCE_EXHAUSTED


def test_outside_window() -> None:
    view = FakeChain(height=10, balances={ALICE.address: 10**30})
    for first, last, text in [(12, 20, "not valid before height 12"), (1, 10, "expired at 10")]:
        error = rejection(transfer(first_valid=first, last_valid=last), view)
        assert error.reason is Reason.OUTSIDE_WINDOW
        assert error.category is Category.FAILED_PRECONDITION
        assert text.replace("at 10", "at height 10") in error.message


def test_duplicate_is_checked_before_the_window() -> None:
    tx = transfer(first_valid=1, last_valid=5)  # sealed long ago and now expired
    view = FakeChain(height=50, sealed={tx.tx_id}, balances={ALICE.address: 10**30})
    error = rejection(tx, view)
    assert error.reason is Reason.DUPLICATE
    assert error.category is Category.ALREADY_EXISTS
    assert tx.tx_id.hex() in error.message
    assert error.tx_id == tx.tx_id


def test_cannot_pay_gas_boundary() -> None:
    tx = transfer(amount=100, gas_price=2, gas_limit=30_000)
    need = 30_000 * 2 + 100
    admit(tx, PARAMS, FakeChain(balances={ALICE.address: need}))
    error = rejection(tx, FakeChain(balances={ALICE.address: need - 1}))
    assert error.reason is Reason.CANNOT_PAY_GAS
    assert error.category is Category.FAILED_PRECONDITION
    assert f"has {need - 1}, needs {need}" in error.message


@settings(max_examples=100, deadline=None)
@given(
    first=st.integers(0, 300),
    span=st.integers(0, 150),
    height=st.integers(0, 400),
    balance=st.integers(0, 200_000),
    gas_price=st.integers(0, 3),
)
def test_admission_matches_a_reference(
    first: int, span: int, height: int, balance: int, gas_price: int
) -> None:
    tx = transfer(first_valid=first, last_valid=first + span, gas_price=gas_price, amount=7)
    view = FakeChain(height=height, balances={ALICE.address: balance})
    nxt = height + 1
    expected = None
    if span > PARAMS.max_validity_window:
        expected = Reason.WINDOW_TOO_LONG
    elif not first <= nxt <= first + span:
        expected = Reason.OUTSIDE_WINDOW
    elif balance < tx.body.gas_limit * gas_price + 7:
        expected = Reason.CANNOT_PAY_GAS
    try:
        admit(tx, PARAMS, view)
        got = None
    except TxRejected as exc:
        got = exc.reason
    assert got is expected


def test_helpers_directly() -> None:
    tx = transfer(first_valid=3, last_valid=4, to=BOB.address)
    check_window(tx, 3)
    check_window(tx, 4)
    with pytest.raises(TxRejected):
        check_window(tx, 5)
    check_can_pay(tx, tx.body.max_cost)
    with pytest.raises(TxRejected):
        check_can_pay(tx, tx.body.max_cost - 1)
