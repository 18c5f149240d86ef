"""Admission: may a decoded, signature-checked transaction enter the mempool?

Stateless checks need only the chain parameters (genesis); stateful ones ask a `ChainView`, a
small Protocol the node's chain store implements, about the head height, the tx index and a
balance. Each failing check raises TxRejected with its reason (chain/errors.py). The balance check
looks at one transaction alone: pending txs of the same sender are not netted, so the executor
must check affordability again when it includes a tx (an unaffordable tx is never included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from vmchain.chain.errors import Reason, TxRejected
from vmchain.chain.genesis import ChainParams
from vmchain.chain.tx import Tx, intrinsic_gas

# The largest body accepted: a deploy of a big module plus arguments. Intrinsic gas also bounds
# a body (block_gas_limit / GAS_PER_BODY_BYTE), but that bound is megabytes.
MAX_BODY_BYTES = 128 * 1024


class ChainView(Protocol):
    """What admission needs to know about the chain at its head."""

    def head_height(self) -> int:
        """Height of the latest sealed block; the tx would go into head_height() + 1."""
        ...

    def has_tx(self, tx_id: bytes) -> bool:
        """True if a block in the chain already includes this tx id."""
        ...

    def balance(self, address: bytes) -> int:
        """The account's balance at the head, in minor units."""
        ...


def _chain_id(tx: Tx, params: ChainParams) -> TxRejected | None:
    if tx.body.chain_id == params.chain_id:
        return None
    return TxRejected(
        Reason.WRONG_CHAIN_ID,
        f"tx is for chain {tx.body.chain_id!r}, this is {params.chain_id!r}",
        tx.tx_id,
    )


def _size(tx: Tx, params: ChainParams) -> TxRejected | None:
    if len(tx.body_bytes) <= MAX_BODY_BYTES:
        return None
    return TxRejected(
        Reason.TOO_LARGE,
        f"body is {len(tx.body_bytes)} bytes, at most {MAX_BODY_BYTES} allowed",
        tx.tx_id,
    )


def _window_shape(tx: Tx, params: ChainParams) -> TxRejected | None:
    first, last = tx.body.first_valid, tx.body.last_valid
    if first > last:
        return TxRejected(
            Reason.BAD_WINDOW, f"first_valid {first} is after last_valid {last}", tx.tx_id
        )
    if last - first > params.max_validity_window:
        return TxRejected(
            Reason.WINDOW_TOO_LONG,
            f"validity window {first}..{last} spans {last - first} blocks, at most "
            f"{params.max_validity_window} allowed",
            tx.tx_id,
        )
    return None


def _gas_limit(tx: Tx, params: ChainParams) -> TxRejected | None:
    gas_limit = tx.body.gas_limit
    if gas_limit > params.block_gas_limit:
        return TxRejected(
            Reason.GAS_LIMIT_TOO_HIGH,
            f"gas_limit {gas_limit} exceeds the block gas limit {params.block_gas_limit}",
            tx.tx_id,
        )
    needed = intrinsic_gas(len(tx.body_bytes))
    if gas_limit < needed:
        return TxRejected(
            Reason.GAS_LIMIT_TOO_LOW,
            f"gas_limit {gas_limit} is below the intrinsic gas {needed} of this tx "
            f"({len(tx.body_bytes)}-byte body)",
            tx.tx_id,
        )
    return None


def _gas_price(tx: Tx, params: ChainParams) -> TxRejected | None:
    if tx.body.gas_price >= params.min_gas_price:
        return None
    return TxRejected(
        Reason.GAS_PRICE_TOO_LOW,
        f"gas_price {tx.body.gas_price} is below the minimum {params.min_gas_price}",
        tx.tx_id,
    )


STATELESS_CHECKS: tuple[Callable[[Tx, ChainParams], TxRejected | None], ...] = (
    _chain_id,
    _size,
    _window_shape,
    _gas_limit,
    _gas_price,
)


def check_stateless(tx: Tx, params: ChainParams) -> None:
    """Every check that needs only the chain parameters; the first failure is raised."""
    for check in STATELESS_CHECKS:
        error = check(tx, params)
        if error is not None:
            raise error


def check_window(tx: Tx, height: int) -> None:
    """The tx may be included in a block at `height` (first_valid <= height <= last_valid)."""
    first, last = tx.body.first_valid, tx.body.last_valid
    if height < first:
        raise TxRejected(
            Reason.OUTSIDE_WINDOW,
            f"tx is not valid before height {first}; the next block is {height}",
            tx.tx_id,
        )
    if height > last:
        raise TxRejected(
            Reason.OUTSIDE_WINDOW,
            f"tx expired at height {last}; the next block is {height}",
            tx.tx_id,
        )


def check_can_pay(tx: Tx, balance: int) -> None:
    """The sender's balance covers gas_limit * gas_price + value."""
    if balance < tx.body.max_cost:
        raise TxRejected(
            Reason.CANNOT_PAY_GAS,
            f"sender 0x{tx.sender.hex()} has {balance}, needs {tx.body.max_cost} "
            f"(gas_limit {tx.body.gas_limit} x gas_price {tx.body.gas_price} + value "
            f"{tx.body.value})",
            tx.tx_id,
        )


def check_stateful(tx: Tx, view: ChainView) -> None:
    """Not already sealed, inside its window at the next height, and affordable."""
    if view.has_tx(tx.tx_id):
        raise TxRejected(
            Reason.DUPLICATE, f"tx 0x{tx.tx_id.hex()} is already in the chain", tx.tx_id
        )
    check_window(tx, view.head_height() + 1)
    check_can_pay(tx, view.balance(tx.sender))


def admit(tx: Tx, params: ChainParams, view: ChainView) -> None:
    """All admission checks, cheapest first. Raises TxRejected; returns None when admitted."""
    check_stateless(tx, params)
    check_stateful(tx, view)
