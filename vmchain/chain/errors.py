"""Errors of the chain layer, each carrying a machine-readable reason.

`Reason` is the one list of reasons a transaction is turned away; `CATEGORY` says what each
means for the caller. `Category` members are named after gRPC status codes, so node/status.py maps
them with `grpc.StatusCode[category.name]`, and the reason value is the
`vmchain_tx_rejected_total{reason}` label. Blocks and genesis files have their own errors.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What a rejection means for the caller; the names are gRPC status code names."""

    INVALID_ARGUMENT = "invalid_argument"  # the tx itself is wrong; resending it cannot help
    FAILED_PRECONDITION = "failed_precondition"  # the chain's state says no, for now
    ALREADY_EXISTS = "already_exists"  # the same tx id is already pending or sealed
    RESOURCE_EXHAUSTED = "resource_exhausted"  # no room; retry later or make it smaller


class Reason(StrEnum):
    """Why a transaction was rejected. The values are metric labels: never rename one."""

    MALFORMED = "malformed"
    NON_CANONICAL = "non_canonical"
    BAD_PUBLIC_KEY = "bad_public_key"
    WRONG_SENDER = "wrong_sender"
    BAD_SIGNATURE = "bad_signature"
    WRONG_CHAIN_ID = "wrong_chain_id"
    BAD_WINDOW = "bad_window"
    WINDOW_TOO_LONG = "window_too_long"
    GAS_LIMIT_TOO_LOW = "gas_limit_too_low"
    GAS_LIMIT_TOO_HIGH = "gas_limit_too_high"
    GAS_PRICE_TOO_LOW = "gas_price_too_low"
    OUTSIDE_WINDOW = "outside_window"
    CANNOT_PAY_GAS = "cannot_pay_gas"
    DUPLICATE = "duplicate"
    TOO_LARGE = "too_large"
    MEMPOOL_FULL = "mempool_full"
    SENDER_LIMIT = "sender_limit"


_I, _P, _E, _R = (
    Category.INVALID_ARGUMENT,
    Category.FAILED_PRECONDITION,
    Category.ALREADY_EXISTS,
    Category.RESOURCE_EXHAUSTED,
)

CATEGORY: dict[Reason, Category] = {
    Reason.MALFORMED: _I,  # does not parse, no payload, wrong field size
    Reason.NON_CANONICAL: _I,  # body or amount not in its one canonical encoding
    Reason.BAD_PUBLIC_KEY: _I,  # not 34 bytes / unknown scheme / uncompressed
    Reason.WRONG_SENDER: _I,  # body.sender != address_of(public_key)
    Reason.BAD_SIGNATURE: _I,  # does not verify (includes high-S, off-curve key)
    Reason.WRONG_CHAIN_ID: _I,
    Reason.BAD_WINDOW: _I,  # first_valid > last_valid
    Reason.WINDOW_TOO_LONG: _I,  # last_valid - first_valid > max_validity_window
    Reason.GAS_LIMIT_TOO_LOW: _I,  # below the intrinsic gas of the body
    Reason.GAS_LIMIT_TOO_HIGH: _I,  # above the block gas limit
    Reason.GAS_PRICE_TOO_LOW: _I,  # below genesis min_gas_price
    Reason.OUTSIDE_WINDOW: _P,  # next height not in first_valid..last_valid
    Reason.CANNOT_PAY_GAS: _P,  # balance < gas_limit * gas_price + value
    Reason.DUPLICATE: _E,  # tx id already sealed or already pending
    Reason.TOO_LARGE: _R,  # body above MAX_BODY_BYTES, or larger than the whole mempool
    Reason.MEMPOOL_FULL: _R,
    Reason.SENDER_LIMIT: _R,  # the sender already has its cap of pending txs
}


class ChainError(Exception):
    """Base class of every error raised by vmchain.chain."""


class TxRejected(ChainError):
    """A transaction turned away before inclusion; `reason` says why, `tx_id` which (if known)."""

    def __init__(self, reason: Reason, message: str, tx_id: bytes | None = None) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message
        self.tx_id = tx_id

    @property
    def category(self) -> Category:
        return CATEGORY[self.reason]


class BlockReason(StrEnum):
    """Why a block or header was rejected."""

    MALFORMED = "malformed"
    NON_CANONICAL = "non_canonical"
    BAD_SEAL = "bad_seal"
    WRONG_PROPOSER = "wrong_proposer"
    NOT_AUTHORITY = "not_authority"
    WRONG_CHAIN_ID = "wrong_chain_id"
    WRONG_HEIGHT = "wrong_height"
    WRONG_PARENT = "wrong_parent"
    TIMESTAMP_DECREASED = "timestamp_decreased"
    TOO_FAR_IN_FUTURE = "too_far_in_future"
    TX_COUNT_MISMATCH = "tx_count_mismatch"
    TX_ROOT_MISMATCH = "tx_root_mismatch"
    OVER_LIMIT = "over_limit"
    BAD_TRANSACTION = "bad_transaction"
    # Found by re-executing the block (Ledger.apply):
    GAS_USED_MISMATCH = "gas_used_mismatch"
    STATE_ROOT_MISMATCH = "state_root_mismatch"
    RECEIPTS_ROOT_MISMATCH = "receipts_root_mismatch"


class InvalidBlock(ChainError):
    """A header, seal or block body that does not hold."""

    def __init__(self, reason: BlockReason, message: str) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message


class InvalidGenesis(ChainError):
    """A genesis file that cannot be used; `field` names the offending entry."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"genesis field {field!r}: {message}")
        self.field = field
        self.message = message


class InvalidReceipt(ChainError):
    """Receipt bytes that do not decode to one canonical receipt."""


class NotFound(ChainError):
    """A query for something the chain does not hold: a height beyond the head, an unknown
    hash, or state at a height whose root has been pruned."""


class InvalidQuery(ChainError, ValueError):
    """A query argument of the wrong shape (e.g. an address that is not 20 bytes)."""


class CorruptStore(ChainError):
    """The chain store contradicts itself (e.g. head block and state journal disagree)."""
