from vmchain._proto.vmchain.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitRequest(_message.Message):
    __slots__ = ("tx", "wait_ms")
    TX_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    tx: _types_pb2.SignedTransaction
    wait_ms: int
    def __init__(self, tx: _Optional[_Union[_types_pb2.SignedTransaction, _Mapping]] = ..., wait_ms: _Optional[int] = ...) -> None: ...

class SubmitResponse(_message.Message):
    __slots__ = ("tx_id", "receipt")
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    tx_id: bytes
    receipt: _types_pb2.Receipt
    def __init__(self, tx_id: _Optional[bytes] = ..., receipt: _Optional[_Union[_types_pb2.Receipt, _Mapping]] = ...) -> None: ...

class SubmitBatch(_message.Message):
    __slots__ = ("txs",)
    TXS_FIELD_NUMBER: _ClassVar[int]
    txs: _containers.RepeatedCompositeFieldContainer[_types_pb2.SignedTransaction]
    def __init__(self, txs: _Optional[_Iterable[_Union[_types_pb2.SignedTransaction, _Mapping]]] = ...) -> None: ...

class SubmitResult(_message.Message):
    __slots__ = ("tx_id", "code", "error")
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    tx_id: bytes
    code: int
    error: str
    def __init__(self, tx_id: _Optional[bytes] = ..., code: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class SubmitBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SubmitResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SubmitResult, _Mapping]]] = ...) -> None: ...

class GetReceiptRequest(_message.Message):
    __slots__ = ("tx_id", "wait_ms")
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    tx_id: bytes
    wait_ms: int
    def __init__(self, tx_id: _Optional[bytes] = ..., wait_ms: _Optional[int] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ("tx_id",)
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    tx_id: bytes
    def __init__(self, tx_id: _Optional[bytes] = ...) -> None: ...

class TransactionInfo(_message.Message):
    __slots__ = ("tx", "height", "index")
    TX_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    tx: _types_pb2.SignedTransaction
    height: int
    index: int
    def __init__(self, tx: _Optional[_Union[_types_pb2.SignedTransaction, _Mapping]] = ..., height: _Optional[int] = ..., index: _Optional[int] = ...) -> None: ...

class CallRequest(_message.Message):
    __slots__ = ("contract", "function", "args", "value", "height", "gas_limit")
    FROM_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    GAS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    contract: bytes
    function: bytes
    args: bytes
    value: bytes
    height: int
    gas_limit: int
    def __init__(self, contract: _Optional[bytes] = ..., function: _Optional[bytes] = ..., args: _Optional[bytes] = ..., value: _Optional[bytes] = ..., height: _Optional[int] = ..., gas_limit: _Optional[int] = ..., **kwargs) -> None: ...

class CallResult(_message.Message):
    __slots__ = ("return_value", "gas_used", "events", "error", "status", "height")
    RETURN_VALUE_FIELD_NUMBER: _ClassVar[int]
    GAS_USED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    return_value: bytes
    gas_used: int
    events: _containers.RepeatedCompositeFieldContainer[_types_pb2.Event]
    error: str
    status: _types_pb2.TxStatus
    height: int
    def __init__(self, return_value: _Optional[bytes] = ..., gas_used: _Optional[int] = ..., events: _Optional[_Iterable[_Union[_types_pb2.Event, _Mapping]]] = ..., error: _Optional[str] = ..., status: _Optional[_Union[_types_pb2.TxStatus, str]] = ..., height: _Optional[int] = ...) -> None: ...

class Proof(_message.Message):
    __slots__ = ("nodes",)
    NODES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, nodes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("address", "height", "prove")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PROVE_FIELD_NUMBER: _ClassVar[int]
    address: bytes
    height: int
    prove: bool
    def __init__(self, address: _Optional[bytes] = ..., height: _Optional[int] = ..., prove: _Optional[bool] = ...) -> None: ...

class AccountInfo(_message.Message):
    __slots__ = ("address", "balance", "code_hash", "height", "proof", "header")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CODE_HASH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    address: bytes
    balance: bytes
    code_hash: bytes
    height: int
    proof: Proof
    header: _types_pb2.SealedHeader
    def __init__(self, address: _Optional[bytes] = ..., balance: _Optional[bytes] = ..., code_hash: _Optional[bytes] = ..., height: _Optional[int] = ..., proof: _Optional[_Union[Proof, _Mapping]] = ..., header: _Optional[_Union[_types_pb2.SealedHeader, _Mapping]] = ...) -> None: ...

class GetStorageRequest(_message.Message):
    __slots__ = ("contract", "key", "height", "prove")
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PROVE_FIELD_NUMBER: _ClassVar[int]
    contract: bytes
    key: bytes
    height: int
    prove: bool
    def __init__(self, contract: _Optional[bytes] = ..., key: _Optional[bytes] = ..., height: _Optional[int] = ..., prove: _Optional[bool] = ...) -> None: ...

class StorageInfo(_message.Message):
    __slots__ = ("value", "exists", "height", "proof", "header")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    value: bytes
    exists: bool
    height: int
    proof: Proof
    header: _types_pb2.SealedHeader
    def __init__(self, value: _Optional[bytes] = ..., exists: _Optional[bool] = ..., height: _Optional[int] = ..., proof: _Optional[_Union[Proof, _Mapping]] = ..., header: _Optional[_Union[_types_pb2.SealedHeader, _Mapping]] = ...) -> None: ...

class GetBlockRequest(_message.Message):
    __slots__ = ("height", "hash", "full")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    FULL_FIELD_NUMBER: _ClassVar[int]
    height: int
    hash: bytes
    full: bool
    def __init__(self, height: _Optional[int] = ..., hash: _Optional[bytes] = ..., full: _Optional[bool] = ...) -> None: ...

class GetLatestBlockRequest(_message.Message):
    __slots__ = ("full",)
    FULL_FIELD_NUMBER: _ClassVar[int]
    full: bool
    def __init__(self, full: _Optional[bool] = ...) -> None: ...

class BlockInfo(_message.Message):
    __slots__ = ("header", "sealed", "hash", "transactions", "receipts")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    header: _types_pb2.BlockHeader
    sealed: _types_pb2.SealedHeader
    hash: bytes
    transactions: _containers.RepeatedCompositeFieldContainer[_types_pb2.SignedTransaction]
    receipts: _containers.RepeatedCompositeFieldContainer[_types_pb2.Receipt]
    def __init__(self, header: _Optional[_Union[_types_pb2.BlockHeader, _Mapping]] = ..., sealed: _Optional[_Union[_types_pb2.SealedHeader, _Mapping]] = ..., hash: _Optional[bytes] = ..., transactions: _Optional[_Iterable[_Union[_types_pb2.SignedTransaction, _Mapping]]] = ..., receipts: _Optional[_Iterable[_Union[_types_pb2.Receipt, _Mapping]]] = ...) -> None: ...

class StreamBlocksRequest(_message.Message):
    __slots__ = ("from_height", "full")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FULL_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    full: bool
    def __init__(self, from_height: _Optional[int] = ..., full: _Optional[bool] = ...) -> None: ...

class StreamEventsRequest(_message.Message):
    __slots__ = ("from_height", "contract", "event")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    contract: bytes
    event: str
    def __init__(self, from_height: _Optional[int] = ..., contract: _Optional[bytes] = ..., event: _Optional[str] = ...) -> None: ...

class EventInfo(_message.Message):
    __slots__ = ("event", "height", "tx_id", "tx_index", "block_timestamp_ms")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    TX_INDEX_FIELD_NUMBER: _ClassVar[int]
    BLOCK_TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    event: _types_pb2.Event
    height: int
    tx_id: bytes
    tx_index: int
    block_timestamp_ms: int
    def __init__(self, event: _Optional[_Union[_types_pb2.Event, _Mapping]] = ..., height: _Optional[int] = ..., tx_id: _Optional[bytes] = ..., tx_index: _Optional[int] = ..., block_timestamp_ms: _Optional[int] = ...) -> None: ...

class GetNodeInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NodeInfo(_message.Message):
    __slots__ = ("chain_id", "height", "version", "authorities", "head_hash", "head_timestamp_ms", "dev", "max_validity_window", "min_gas_price", "block_gas_limit")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    AUTHORITIES_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    HEAD_TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    DEV_FIELD_NUMBER: _ClassVar[int]
    MAX_VALIDITY_WINDOW_FIELD_NUMBER: _ClassVar[int]
    MIN_GAS_PRICE_FIELD_NUMBER: _ClassVar[int]
    BLOCK_GAS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    version: str
    authorities: _containers.RepeatedScalarFieldContainer[bytes]
    head_hash: bytes
    head_timestamp_ms: int
    dev: bool
    max_validity_window: int
    min_gas_price: int
    block_gas_limit: int
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., version: _Optional[str] = ..., authorities: _Optional[_Iterable[bytes]] = ..., head_hash: _Optional[bytes] = ..., head_timestamp_ms: _Optional[int] = ..., dev: _Optional[bool] = ..., max_validity_window: _Optional[int] = ..., min_gas_price: _Optional[int] = ..., block_gas_limit: _Optional[int] = ...) -> None: ...
