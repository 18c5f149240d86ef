from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TxStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TX_STATUS_UNSPECIFIED: _ClassVar[TxStatus]
    SUCCESS: _ClassVar[TxStatus]
    REVERTED: _ClassVar[TxStatus]
    OUT_OF_GAS: _ClassVar[TxStatus]
    INVALID_OPCODE: _ClassVar[TxStatus]
    STACK_OVERFLOW: _ClassVar[TxStatus]
    ARITHMETIC: _ClassVar[TxStatus]
    OUT_OF_BOUNDS: _ClassVar[TxStatus]
    BAD_ARGUMENT: _ClassVar[TxStatus]
    UNKNOWN_FUNCTION: _ClassVar[TxStatus]
    NOT_PAYABLE: _ClassVar[TxStatus]
    WRITE_IN_VIEW: _ClassVar[TxStatus]
    INSUFFICIENT_FUNDS: _ClassVar[TxStatus]
    INVALID_MODULE: _ClassVar[TxStatus]
    NO_SUCH_CONTRACT: _ClassVar[TxStatus]
TX_STATUS_UNSPECIFIED: TxStatus
SUCCESS: TxStatus
REVERTED: TxStatus
OUT_OF_GAS: TxStatus
INVALID_OPCODE: TxStatus
STACK_OVERFLOW: TxStatus
ARITHMETIC: TxStatus
OUT_OF_BOUNDS: TxStatus
BAD_ARGUMENT: TxStatus
UNKNOWN_FUNCTION: TxStatus
NOT_PAYABLE: TxStatus
WRITE_IN_VIEW: TxStatus
INSUFFICIENT_FUNDS: TxStatus
INVALID_MODULE: TxStatus
NO_SUCH_CONTRACT: TxStatus

class TransactionBody(_message.Message):
    __slots__ = ("chain_id", "sender", "first_valid", "last_valid", "gas_limit", "gas_price", "note", "transfer", "deploy", "call")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    FIRST_VALID_FIELD_NUMBER: _ClassVar[int]
    LAST_VALID_FIELD_NUMBER: _ClassVar[int]
    GAS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    GAS_PRICE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    DEPLOY_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    sender: bytes
    first_valid: int
    last_valid: int
    gas_limit: int
    gas_price: int
    note: bytes
    transfer: Transfer
    deploy: Deploy
    call: Call
    def __init__(self, chain_id: _Optional[str] = ..., sender: _Optional[bytes] = ..., first_valid: _Optional[int] = ..., last_valid: _Optional[int] = ..., gas_limit: _Optional[int] = ..., gas_price: _Optional[int] = ..., note: _Optional[bytes] = ..., transfer: _Optional[_Union[Transfer, _Mapping]] = ..., deploy: _Optional[_Union[Deploy, _Mapping]] = ..., call: _Optional[_Union[Call, _Mapping]] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("to", "amount")
    TO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    to: bytes
    amount: bytes
    def __init__(self, to: _Optional[bytes] = ..., amount: _Optional[bytes] = ...) -> None: ...

class Deploy(_message.Message):
    __slots__ = ("code", "init_args", "value")
    CODE_FIELD_NUMBER: _ClassVar[int]
    INIT_ARGS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    code: bytes
    init_args: bytes
    value: bytes
    def __init__(self, code: _Optional[bytes] = ..., init_args: _Optional[bytes] = ..., value: _Optional[bytes] = ...) -> None: ...

class Call(_message.Message):
    __slots__ = ("contract", "function", "args", "value")
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    contract: bytes
    function: bytes
    args: bytes
    value: bytes
    def __init__(self, contract: _Optional[bytes] = ..., function: _Optional[bytes] = ..., args: _Optional[bytes] = ..., value: _Optional[bytes] = ...) -> None: ...

class SignedTransaction(_message.Message):
    __slots__ = ("body", "public_key", "signature")
    BODY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    public_key: bytes
    signature: bytes
    def __init__(self, body: _Optional[bytes] = ..., public_key: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("contract", "name", "data", "index")
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    contract: bytes
    name: str
    data: bytes
    index: int
    def __init__(self, contract: _Optional[bytes] = ..., name: _Optional[str] = ..., data: _Optional[bytes] = ..., index: _Optional[int] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("tx_id", "height", "index", "status", "gas_used", "return_value", "events", "error", "contract_address")
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GAS_USED_FIELD_NUMBER: _ClassVar[int]
    RETURN_VALUE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    tx_id: bytes
    height: int
    index: int
    status: TxStatus
    gas_used: int
    return_value: bytes
    events: _containers.RepeatedCompositeFieldContainer[Event]
    error: str
    contract_address: bytes
    def __init__(self, tx_id: _Optional[bytes] = ..., height: _Optional[int] = ..., index: _Optional[int] = ..., status: _Optional[_Union[TxStatus, str]] = ..., gas_used: _Optional[int] = ..., return_value: _Optional[bytes] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., error: _Optional[str] = ..., contract_address: _Optional[bytes] = ...) -> None: ...

class BlockHeader(_message.Message):
    __slots__ = ("chain_id", "height", "parent_hash", "timestamp_ms", "proposer", "state_root", "tx_root", "receipts_root", "gas_used", "gas_limit", "tx_count")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PARENT_HASH_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_MS_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    TX_ROOT_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_ROOT_FIELD_NUMBER: _ClassVar[int]
    GAS_USED_FIELD_NUMBER: _ClassVar[int]
    GAS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TX_COUNT_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    parent_hash: bytes
    timestamp_ms: int
    proposer: bytes
    state_root: bytes
    tx_root: bytes
    receipts_root: bytes
    gas_used: int
    gas_limit: int
    tx_count: int
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., parent_hash: _Optional[bytes] = ..., timestamp_ms: _Optional[int] = ..., proposer: _Optional[bytes] = ..., state_root: _Optional[bytes] = ..., tx_root: _Optional[bytes] = ..., receipts_root: _Optional[bytes] = ..., gas_used: _Optional[int] = ..., gas_limit: _Optional[int] = ..., tx_count: _Optional[int] = ...) -> None: ...

class SealedHeader(_message.Message):
    __slots__ = ("header", "proposer_key", "seal")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_KEY_FIELD_NUMBER: _ClassVar[int]
    SEAL_FIELD_NUMBER: _ClassVar[int]
    header: bytes
    proposer_key: bytes
    seal: bytes
    def __init__(self, header: _Optional[bytes] = ..., proposer_key: _Optional[bytes] = ..., seal: _Optional[bytes] = ...) -> None: ...

class Block(_message.Message):
    __slots__ = ("sealed", "transactions")
    SEALED_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    sealed: SealedHeader
    transactions: _containers.RepeatedCompositeFieldContainer[SignedTransaction]
    def __init__(self, sealed: _Optional[_Union[SealedHeader, _Mapping]] = ..., transactions: _Optional[_Iterable[_Union[SignedTransaction, _Mapping]]] = ...) -> None: ...
