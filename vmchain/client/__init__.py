"""The Python SDK used by gates, vehicles, chargers and operators.

`NodeClient` talks to a node (retrying idempotently, checking proofs), `Wallet` holds a key and
signs, `Contract` calls and transacts with a deployed contract. Errors are in `errors`.
"""

from vmchain.client.abi import Abi
from vmchain.client.bundle import InvalidBundle, verify_receipt_bundle
from vmchain.client.contract import Contract
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
    "CallResult",
    "ClientError",
    "Contract",
    "DeadlineExceeded",
    "DevClient",
    "DevState",
    "Event",
    "FailedPrecondition",
    "InvalidArgument",
    "InvalidBundle",
    "NodeClient",
    "NodeInfo",
    "NotFound",
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
    "Wallet",
    "WalletError",
    "tls_credentials",
    "verify_receipt_bundle",
]
