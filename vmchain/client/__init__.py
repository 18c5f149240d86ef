"""The Python SDK used by gates, vehicles, chargers and operators.

`NodeClient` talks to a node (retrying idempotently, checking proofs), `Wallet` holds a key and
signs, `Contract` calls and transacts with a deployed contract. `Gate`, `Vehicle`, `Payee` and
`Voucher` (client/domain.py) speak the shipped parking and payment-channel contracts. Errors are
in `errors`.
"""

from vmchain.client.abi import Abi
from vmchain.client.bundle import InvalidBundle, verify_receipt_bundle
from vmchain.client.contract import Contract
from vmchain.client.domain import (
    CallOptions,
    Gate,
    IncomingChannel,
    InvalidVoucher,
    Payee,
    PaymentChannel,
    Vehicle,
    Voucher,
    voucher_digest,
)
from vmchain.client.errors import (
    AlreadyExists,
    ArgumentError,
    CallFailed,
    ClientError,
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ProofError,
    ResourceExhausted,
    RpcError,
    TransactionFailed,
    Unavailable,
    WalletError,
)
from vmchain.client.node_client import DevClient, NodeClient, tls_credentials
from vmchain.client.retry import RetryPolicy
from vmchain.client.types import (
    AccountState,
    Block,
    CallResult,
    DevState,
    Event,
    NodeInfo,
    Receipt,
    StorageValue,
    SubmitOutcome,
    TransactionInfo,
)
from vmchain.client.wallet import Wallet

__all__ = [
    "Abi",
    "AccountState",
    "AlreadyExists",
    "ArgumentError",
    "Block",
    "CallFailed",
    "CallOptions",
    "CallResult",
    "ClientError",
    "Contract",
    "DeadlineExceeded",
    "DevClient",
    "DevState",
    "Event",
    "FailedPrecondition",
    "Gate",
    "IncomingChannel",
    "InvalidArgument",
    "InvalidBundle",
    "InvalidVoucher",
    "NodeClient",
    "NodeInfo",
    "NotFound",
    "Payee",
    "PaymentChannel",
    "ProofError",
    "Receipt",
    "ResourceExhausted",
    "RetryPolicy",
    "RpcError",
    "StorageValue",
    "SubmitOutcome",
    "TransactionFailed",
    "TransactionInfo",
    "Unavailable",
    "Vehicle",
    "Voucher",
    "Wallet",
    "WalletError",
    "tls_credentials",
    "verify_receipt_bundle",
    "voucher_digest",
]
