"""NodeClient: the typed, retrying, proof-checking client of the vmchain.v1 Node and Dev services.

    node = NodeClient("127.0.0.1:50051")
    receipt = node.transfer(wallet, "0x…", 1_000)        # signed, submitted, sealed, checked
    node.balance(wallet.address)                          # proof-verified against a sealed header

Every RPC is retried on UNAVAILABLE and DEADLINE_EXCEEDED with exponential backoff under one
overall deadline (client/retry.py): repeating a read changes nothing and resubmitting the same
signed transaction never executes it twice. Failures are raised as `RpcError` subclasses
(client/errors.py). Account and storage reads are checked against the sealed header the node
returns, whose seal is checked against the chain's authorities: pinned with `authorities=`, or
else those the node reports in GetNodeInfo (trust on first use). Blocks are checked likewise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import grpc

from vmchain._proto.vmchain.v1 import dev_pb2, dev_pb2_grpc, node_pb2, node_pb2_grpc, types_pb2
from vmchain.chain.block import SealedHeader
from vmchain.chain.errors import TxRejected
from vmchain.chain.tx import (
    Call,
    Deploy,
    Payload,
    Transfer,
    Tx,
    TxBody,
    decode_signed_message,
    encode_body,
    fit_intrinsic_gas,
    intrinsic_gas,
    tx_id_of,
)
from vmchain.client.abi import NO_ABI, Abi, encode_args, to_selector, typed_args
from vmchain.client.bundle import make_bundle
from vmchain.client.errors import (
    ClientError,
    Internal,
    ProofError,
    RpcError,
    TransactionFailed,
    from_grpc,
)
from vmchain.client.proofs import (
    decode_sealed,
    verify_account_proof,
    verify_block_body,
    verify_header,
    verify_storage_proof,
)
from vmchain.client.retry import Retrier, RetryPolicy
from vmchain.client.routing import Router
from vmchain.client.streams import resumable
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
    call_result_from_pb,
    event_info_from_pb,
    hex_text,
    node_info_from_pb,
    parse_hash,
    receipt_from_pb,
)
from vmchain.client.wallet import Wallet
from vmchain.crypto import address_to_text, to_address
from vmchain.encoding.amount import decode_amount, encode_amount
from vmchain.encoding.errors import EncodingError
from vmchain.lang.compiler import Artifact, compile_file

if TYPE_CHECKING:
    from vmchain.client.contract import Contract

DEFAULT_TARGET = "127.0.0.1:50051"
DEFAULT_TIMEOUT = 10.0  # seconds per RPC (plus the wait, for waiting RPCs)
DEFAULT_WAIT = 30.0  # seconds `wait=True` waits for a transaction to be sealed
KEEPALIVE_MS = 2_000  # ping interval during a call, and how long a ping may go unanswered
NOTE_SIZE = 8  # random bytes in each built transaction's note, so equal payments differ
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
U32_MAX = 2**32 - 1
DEFAULT_DEPLOY_GAS = 10_000_000
CALL_GAS_MARGIN = 10_000  # added to a call's estimate (and a quarter more), covers note bytes
DEFAULT_BATCH_SIZE = 500

_CODES_BY_NUMBER: dict[int, Any] = {code.value[0]: code for code in grpc.StatusCode}

# The generated stubs are untyped; every message they return is used as Any.
_NODE_STUB: Any = node_pb2_grpc.NodeStub
_DEV_STUB: Any = dev_pb2_grpc.DevStub

Wait = bool | float
SignedInput = Tx | bytes | Any  # a built Tx, SignedTransaction bytes, or the protobuf message


class _WaitRanOut(grpc.RpcError):  # type: ignore[misc]
    """The node answered a waiting submit without a receipt: treat as DEADLINE_EXCEEDED."""

    def code(self) -> Any:
        return grpc.StatusCode.DEADLINE_EXCEEDED

    def details(self) -> str:
        return "the node's wait ran out before the transaction was sealed"


def tls_credentials(
    ca_file: str | Path | None = None,
    cert_file: str | Path | None = None,
    key_file: str | Path | None = None,
) -> Any:
    """Channel credentials from PEM files: the CA to trust, and a client cert/key for mutual
    TLS. With no CA file the system roots are used."""

    def read(path: str | Path | None) -> bytes | None:
        return None if path is None else Path(path).read_bytes()

    if (cert_file is None) != (key_file is None):
        raise ValueError("mutual TLS needs both a client certificate and its key")
    return grpc.ssl_channel_credentials(read(ca_file), read(key_file), read(cert_file))


def _channel(target: str, tls: Any) -> Any:
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        # While a call is open, ping the node: one that went silent (a dead host, a partition)
        # fails the call with UNAVAILABLE within about 4 s instead of at its deadline, and the
        # router moves the retry on. The node accepts pings this often (node/server.py).
        ("grpc.keepalive_time_ms", KEEPALIVE_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_MS),
        ("grpc.http2.ping_timeout_ms", KEEPALIVE_MS),  # what grpc 1.85 times a ping out by
        ("grpc.http2.max_pings_without_data", 0),
    ]
    if tls is None or tls is False:
        return grpc.insecure_channel(target, options=options)
    credentials = grpc.ssl_channel_credentials() if tls is True else tls
    return grpc.secure_channel(target, credentials, options=options)


def _signed_message(tx: SignedInput) -> tuple[Any, bytes]:
    """The SignedTransaction message and tx id of whatever form the caller has."""
    if isinstance(tx, Tx):
        return types_pb2.SignedTransaction.FromString(tx.encoded), tx.tx_id
    if isinstance(tx, bytes | bytearray | memoryview):
        message = types_pb2.SignedTransaction.FromString(bytes(tx))
    elif isinstance(tx, types_pb2.SignedTransaction):
        message = tx
    else:
        raise TypeError(f"expected a Tx, SignedTransaction bytes or message, got {type(tx)}")
    return message, tx_id_of(message.body)


def _status_name(number: int) -> str:
    try:
        return str(types_pb2.TxStatus.Name(number))
    except ValueError:
        return f"UNKNOWN_STATUS_{number}"


class NodeClient:
    """A connection to one vmchain node. Thread-safe; use as a context manager or `close()`."""

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        tls: Any = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
        wait: float = DEFAULT_WAIT,
        authorities: Sequence[bytes | str] | None = None,
        genesis_hash: bytes | str | None = None,
    ) -> None:
        self.timeout = timeout
        self.default_wait = wait
        self._router = Router(target, lambda address: _channel(address, tls))
        self.retrier = Retrier(retry or RetryPolicy(), on_failure=self._router.route)
        self._stubs: dict[str, Any] = {}
        self.dev = DevClient(self, _DEV_STUB(self._router.channel()))
        self._pinned = None if authorities is None else tuple(to_address(a) for a in authorities)
        self._genesis_hash = (
            None if genesis_hash is None else parse_hash(genesis_hash, "genesis hash")
        )
        self._info: NodeInfo | None = None
        self._abis: dict[bytes, Abi] = {}

    @property
    def target(self) -> str:
        """The address of the node calls go to now (see client/routing.py)."""
        return self._router.current

    @property
    def _node(self) -> Any:
        address = self._router.current
        stub = self._stubs.get(address)
        if stub is None:
            stub = self._stubs[address] = _NODE_STUB(self._router.channel(address))
        return stub

    def close(self) -> None:
        self._router.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------------

    def rpc(
        self,
        stub_method: Any,
        method: str,
        request: Any,
        *,
        retry: bool = True,
        deadline: float | None = None,
        tx_id: bytes | None = None,
    ) -> Any:
        """One unary call: retried (unless `retry=False`), errors as SDK exceptions. A Node
        method is looked up on the current node for every attempt, so a retry goes where the
        router sent it (client/routing.py)."""

        def call(timeout: float) -> Any:
            if method.startswith("Dev."):
                return stub_method(request, timeout=timeout)
            return getattr(self._node, method)(request, timeout=timeout)

        if not retry:
            try:
                return call(self.timeout)
            except grpc.RpcError as exc:
                raise from_grpc(exc, method, tx_id) from None
        per_call = self.timeout
        return self.retrier.run(
            lambda remaining: call(min(per_call, remaining)),
            method=method,
            deadline=deadline,
            tx_id=tx_id,
        )

    def _wait_seconds(self, wait: Wait) -> float:
        if wait is True:
            return self.default_wait
        if isinstance(wait, bool) or wait <= 0:
            raise ValueError(f"wait must be True, False or a positive number of seconds: {wait}")
        return float(wait)

    def _waiting(
        self, seconds: float, method: str, tx_id: bytes
    ) -> tuple[Callable[[], int], Callable[[Any], None]]:
        """For a wait of `seconds`: how many ms to ask the node to wait on each attempt, and a
        check that turns DEADLINE_EXCEEDED into the final answer once the wait is over."""
        clock = self.retrier.clock
        wait_end = clock() + seconds

        def wait_ms() -> int:
            return max(1, min(U32_MAX, int((wait_end - clock()) * 1000)))

        def settle(exc: grpc.RpcError) -> None:
            if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED and clock() >= wait_end:
                raise from_grpc(exc, method, tx_id) from None  # the wait is over: no retry

        return wait_ms, settle

    def register_abi(self, contract: bytes | str, abi: Abi) -> None:
        """Decode `contract`'s events with `abi` everywhere this client sees them."""
        self._abis[to_address(contract)] = abi

    def abi_for(self, contract: bytes) -> Abi:
        return self._abis.get(contract, NO_ABI)

    # -- node and chain ----------------------------------------------------------------------

    def info(self) -> NodeInfo:
        """GetNodeInfo: chain id, head, authorities, limits."""
        info = node_info_from_pb(
            self.rpc(self._node.GetNodeInfo, "GetNodeInfo", node_pb2.GetNodeInfoRequest())
        )
        self._info = info
        return info

    def chain_info(self) -> NodeInfo:
        """The last NodeInfo seen (fetched once); its chain parameters do not change."""
        return self._info or self.info()

    def authorities(self) -> tuple[bytes, ...]:
        """The addresses whose seals this client trusts."""
        return self._pinned if self._pinned is not None else self.chain_info().authorities

    def verify_sealed(self, sealed: SealedHeader) -> None:
        """Raise ProofError unless `sealed` is a header of this chain sealed by an authority."""
        verify_header(
            sealed,
            self.authorities(),
            chain_id=self.chain_info().chain_id,
            genesis_hash=self._genesis_hash,
        )

    def _sealed_from(self, message: Any, height: int) -> SealedHeader:
        sealed = decode_sealed(message.SerializeToString(deterministic=True))
        self.verify_sealed(sealed)
        if sealed.header.height != height:
            raise ProofError(
                f"the node answered for height {height} with the header of {sealed.header.height}"
            )
        return sealed

    # -- state -------------------------------------------------------------------------------

    def account(
        self, address: bytes | str, *, height: int | None = None, prove: bool = True
    ) -> AccountState:
        """The account at `address` (latest sealed state, or `height`), proof-checked."""
        raw = to_address(address)
        request = node_pb2.GetAccountRequest(address=raw, prove=prove, height=height)
        info = self.rpc(self._node.GetAccount, "GetAccount", request)
        try:
            balance = decode_amount(info.balance)
        except EncodingError as exc:
            raise ProofError(f"the node sent a malformed balance: {exc}") from None
        self._check_height(height, info.height)
        if prove:
            if not info.HasField("header"):
                raise ProofError("the node sent no header to check the account proof against")
            sealed = self._sealed_from(info.header, info.height)
            verify_account_proof(
                sealed.header,
                raw,
                info.proof.nodes,
                balance=balance,
                code_hash=info.code_hash,
            )
        return AccountState(address_to_text(raw), balance, info.code_hash, info.height, prove)

    def balance(
        self, address: bytes | str, *, height: int | None = None, prove: bool = True
    ) -> int:
        """The balance of `address` in minor units, proof-checked by default."""
        return self.account(address, height=height, prove=prove).balance

    def storage(
        self,
        contract: bytes | str,
        key: bytes,
        *,
        height: int | None = None,
        prove: bool = True,
    ) -> StorageValue:
        """Storage slot `key` of `contract`, proof-checked by default."""
        raw = to_address(contract)
        request = node_pb2.GetStorageRequest(contract=raw, key=key, prove=prove, height=height)
        info = self.rpc(self._node.GetStorage, "GetStorage", request)
        self._check_height(height, info.height)
        if prove:
            if not info.HasField("header"):
                raise ProofError("the node sent no header to check the storage proof against")
            sealed = self._sealed_from(info.header, info.height)
            verify_storage_proof(sealed.header, raw, key, info.proof.nodes, value=info.value)
            if info.exists != bool(info.value):
                raise ProofError("the node's 'exists' flag disagrees with the proven value")
        return StorageValue(info.value, info.exists, info.height, prove)

    @staticmethod
    def _check_height(asked: int | None, answered: int) -> None:
        if asked is not None and asked != answered:
            raise ProofError(f"asked for height {asked}, the node answered for {answered}")

    # -- blocks and transactions -------------------------------------------------------------

    def block(self, ref: int | str | bytes, *, full: bool = False, verify: bool = True) -> Block:
        """The block at a height, or with a hash (bytes or hex text)."""
        if isinstance(ref, int):
            request = node_pb2.GetBlockRequest(height=ref, full=full)
        else:
            request = node_pb2.GetBlockRequest(hash=parse_hash(ref, "block hash"), full=full)
        return self._block(self.rpc(self._node.GetBlock, "GetBlock", request), full, verify)

    def latest_block(self, *, full: bool = False, verify: bool = True) -> Block:
        message = self.rpc(
            self._node.GetLatestBlock, "GetLatestBlock", node_pb2.GetLatestBlockRequest(full=full)
        )
        return self._block(message, full, verify)

    def _block(self, message: Any, full: bool, verify: bool) -> Block:
        sealed = decode_sealed(message.sealed.SerializeToString(deterministic=True))
        if message.hash and message.hash != sealed.hash:
            raise ProofError(
                f"block {sealed.header.height}: the node's hash {message.hash.hex()} is not the "
                f"header's {sealed.hash.hex()}"
            )
        if verify:
            self.verify_sealed(sealed)
        txs = tuple(decode_signed_message(t, check_signature=verify) for t in message.transactions)
        receipts = tuple(receipt_from_pb(r, self.abi_for) for r in message.receipts)
        if verify and full:
            verify_block_body(sealed, txs, [r.raw for r in receipts if r.raw is not None])
        return Block(hex_text(sealed.hash), sealed.header, sealed, txs, receipts)

    def receipt(self, tx_id: str | bytes, *, wait: Wait = False) -> Receipt:
        """The receipt of a sealed tx; with `wait`, wait until it is sealed (NotFound /
        DeadlineExceeded otherwise)."""
        raw = parse_hash(tx_id)
        if wait is False:
            request = node_pb2.GetReceiptRequest(tx_id=raw)
            message = self.rpc(self._node.GetReceipt, "GetReceipt", request, tx_id=raw)
        else:
            message = self._wait_for_receipt(raw, self._wait_seconds(wait))
        return receipt_from_pb(message, self.abi_for)

    def _wait_for_receipt(self, tx_id: bytes, seconds: float) -> Any:
        wait_ms, settle = self._waiting(seconds, "GetReceipt", tx_id)

        def attempt(remaining: float) -> Any:
            request = node_pb2.GetReceiptRequest(tx_id=tx_id, wait_ms=wait_ms())
            try:
                return self._node.GetReceipt(request, timeout=remaining)
            except grpc.RpcError as exc:
                settle(exc)
                raise

        return self.retrier.run(
            attempt, method="GetReceipt", deadline=seconds + self.timeout, tx_id=tx_id
        )

    def receipt_bundle(self, tx_id: str | bytes) -> bytes:
        """A self-contained proof of payment for a sealed tx (sealed header, receipt, Merkle
        path), checkable offline with `verify_receipt_bundle(bundle, authorities)`."""
        receipt = self.receipt(tx_id)
        block = self.block(receipt.height, full=True)  # seal and receipts_root checked
        raws = [r.raw for r in block.receipts if r.raw is not None]
        if len(raws) != block.tx_count or receipt.index >= len(raws):
            raise ProofError(f"block {block.height} came without all of its receipts")
        return make_bundle(block.sealed, raws, receipt.index)

    def transaction(self, tx_id: str | bytes) -> TransactionInfo:
        """A sealed transaction (signature re-checked) and its height and index."""
        raw = parse_hash(tx_id)
        request = node_pb2.GetTransactionRequest(tx_id=raw)
        info = self.rpc(self._node.GetTransaction, "GetTransaction", request, tx_id=raw)
        try:
            tx = decode_signed_message(info.tx)
        except TxRejected as exc:
            raise ProofError(f"the node sent a transaction that does not verify: {exc}") from None
        if tx.tx_id != raw:
            raise ProofError(f"asked for tx {raw.hex()}, the node sent {tx.tx_id.hex()}")
        return TransactionInfo(tx, info.height, info.index)

    # -- building transactions ---------------------------------------------------------------

    def _body(
        self,
        wallet: Wallet,
        payload: Payload,
        *,
        gas_limit: int | None,
        gas_price: int | None,
        note: bytes | None,
        window: int | None,
    ) -> TxBody:
        info = self.info()  # fresh: first_valid follows the head
        allowed = info.max_validity_window + 1
        span = min(allowed, max(1, info.max_validity_window)) if window is None else window
        if not 1 <= span <= allowed:
            raise ValueError(f"window must be 1..{allowed} heights on this chain, got {span}")
        first = info.height + 1
        return TxBody(
            chain_id=info.chain_id,
            sender=wallet.address_bytes,
            first_valid=first,
            last_valid=first + span - 1,
            gas_limit=gas_limit or 0,
            gas_price=info.min_gas_price if gas_price is None else gas_price,
            payload=payload,
            note=os.urandom(NOTE_SIZE) if note is None else note,
        )

    def build_transfer(
        self,
        wallet: Wallet,
        to: bytes | str,
        amount: int,
        *,
        gas_price: int | None = None,
        gas_limit: int | None = None,
        note: bytes | None = None,
        window: int | None = None,
    ) -> Tx:
        """A signed transfer, not sent: chain id, first_valid = head + 1, last_valid =
        first_valid + window - 1 (default: the chain's whole validity window), a random note,
        gas_limit = its intrinsic gas, gas_price = the chain's minimum."""
        payload = Transfer(to=to_address(to), amount=amount)
        body = self._body(
            wallet, payload, gas_limit=gas_limit, gas_price=gas_price, note=note, window=window
        )
        return wallet.sign_transaction(fit_intrinsic_gas(body) if gas_limit is None else body)

    def build_call(
        self,
        wallet: Wallet,
        contract: bytes | str,
        function: str | bytes,
        args: bytes | Sequence[Any] = (),
        *,
        value: int = 0,
        gas_limit: int | None = None,
        gas_price: int | None = None,
        note: bytes | None = None,
        window: int | None = None,
    ) -> Tx:
        """A signed contract call (`args`: values, or already ABI-encoded), not sent; gas_limit
        defaults to an estimate (see `estimate_call_gas`)."""
        encoded = args if isinstance(args, bytes) else encode_args(args)
        payload = Call(to_address(contract), to_selector(function), encoded, value)
        body = self._body(
            wallet, payload, gas_limit=gas_limit, gas_price=gas_price, note=note, window=window
        )
        if gas_limit is None:
            body = replace(body, gas_limit=self.estimate_call_gas(body))
        return wallet.sign_transaction(body)

    def build_deploy(
        self,
        wallet: Wallet,
        code: bytes,
        args: bytes | Sequence[Any] = (),
        *,
        value: int = 0,
        gas_limit: int | None = None,
        gas_price: int | None = None,
        note: bytes | None = None,
        window: int | None = None,
    ) -> Tx:
        """A signed deploy of module bytes with constructor args (values, or ABI-encoded);
        gas_limit defaults to min(block gas limit, DEFAULT_DEPLOY_GAS)."""
        init_args = args if isinstance(args, bytes) else encode_args(args)
        payload = Deploy(code=code, init_args=init_args, value=value)
        limit = gas_limit or min(self.chain_info().block_gas_limit, DEFAULT_DEPLOY_GAS)
        body = self._body(
            wallet, payload, gas_limit=limit, gas_price=gas_price, note=note, window=window
        )
        return wallet.sign_transaction(body)

    def estimate_call_gas(self, body: TxBody) -> int:
        """Gas for a call body: what a read-only Call of it used (the node's estimate of the
        whole tx, intrinsic gas included), a quarter more and a margin; never below this body's
        own intrinsic gas plus the margin, never above the block gas limit."""
        payload = body.payload
        if not isinstance(payload, Call):
            raise TypeError("estimate_call_gas needs a body with a Call payload")
        result = self.simulate(
            payload.contract,
            payload.function,
            payload.args,
            sender=body.sender,
            value=payload.value,
        )
        block_limit = self.chain_info().block_gas_limit
        intrinsic = intrinsic_gas(len(encode_body(replace(body, gas_limit=block_limit))))
        estimate = max(result.gas_used + result.gas_used // 4, intrinsic) + CALL_GAS_MARGIN
        return min(block_limit, estimate)

    # -- sending -----------------------------------------------------------------------------

    @overload
    def transfer(
        self,
        wallet: Wallet,
        to: bytes | str,
        amount: int,
        *,
        wait: Literal[False],
        check: bool = ...,
        gas_price: int | None = ...,
        note: bytes | None = ...,
    ) -> str: ...

    @overload
    def transfer(
        self,
        wallet: Wallet,
        to: bytes | str,
        amount: int,
        *,
        wait: Literal[True] | float = ...,
        check: bool = ...,
        gas_price: int | None = ...,
        note: bytes | None = ...,
    ) -> Receipt: ...

    def transfer(
        self,
        wallet: Wallet,
        to: bytes | str,
        amount: int,
        *,
        wait: Wait = True,
        check: bool = True,
        gas_price: int | None = None,
        note: bytes | None = None,
    ) -> Receipt | str:
        """Build, sign and submit a transfer: the Receipt once sealed (or the tx id text when
        wait=False). Raises TransactionFailed if it did not succeed, unless check=False."""
        tx = self.build_transfer(wallet, to, amount, gas_price=gas_price, note=note)
        if wait is False:
            return self.submit(tx, wait=False, check=check)
        return self.submit(tx, wait=wait, check=check)

    @overload
    def submit(self, tx: SignedInput, *, wait: Literal[False], check: bool = ...) -> str: ...

    @overload
    def submit(
        self, tx: SignedInput, *, wait: Literal[True] | float = ..., check: bool = ...
    ) -> Receipt: ...

    def submit(self, tx: SignedInput, *, wait: Wait = True, check: bool = True) -> Receipt | str:
        """Submit a signed transaction (safe to repeat). With `wait` (True or seconds): the
        Receipt once sealed and durable; with wait=False: the tx id text once admitted to the
        mempool (not durable)."""
        message, tx_id = _signed_message(tx)
        if wait is False:
            self._submit_no_wait(message, tx_id)
            return hex_text(tx_id)
        receipt = receipt_from_pb(
            self._submit_and_wait(message, tx_id, self._wait_seconds(wait)), self.abi_for
        )
        if check and not receipt.succeeded:
            raise TransactionFailed(receipt)
        return receipt

    def _submit_no_wait(self, message: Any, tx_id: bytes) -> None:
        tries = 0

        def attempt(remaining: float) -> None:
            nonlocal tries
            tries += 1
            request = node_pb2.SubmitRequest(tx=message, wait_ms=0)
            try:
                self._node.SubmitTransaction(request, timeout=min(self.timeout, remaining))
            except grpc.RpcError as exc:
                # After a retry, ALREADY_EXISTS means an earlier attempt got it in.
                if tries == 1 or exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                    raise

        self.retrier.run(attempt, method="SubmitTransaction", tx_id=tx_id)

    def _submit_and_wait(self, message: Any, tx_id: bytes, seconds: float) -> Any:
        wait_ms, settle = self._waiting(seconds, "SubmitTransaction", tx_id)

        def attempt(remaining: float) -> Any:
            request = node_pb2.SubmitRequest(tx=message, wait_ms=wait_ms())
            try:
                response = self._node.SubmitTransaction(request, timeout=remaining)
                if not response.HasField("receipt"):
                    raise _WaitRanOut()
                return response.receipt
            except grpc.RpcError as exc:
                settle(exc)
                if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                    raise
            # Already sealed (ours or someone's with the same bytes): wait for its receipt.
            receipt_request = node_pb2.GetReceiptRequest(tx_id=tx_id, wait_ms=wait_ms())
            try:
                return self._node.GetReceipt(receipt_request, timeout=remaining)
            except grpc.RpcError as exc:
                settle(exc)
                raise

        return self.retrier.run(
            attempt, method="SubmitTransaction", deadline=seconds + self.timeout, tx_id=tx_id
        )

    def submit_many(
        self, txs: Iterable[SignedInput], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> list[SubmitOutcome]:
        """Submit many signed transactions over the streaming RPC, `batch_size` per message.

        Returns one outcome per transaction, in order (admission only: ask for receipts
        afterwards). A broken stream is resumed with the batches not yet answered.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        pairs = [_signed_message(tx) for tx in txs]
        batches = [pairs[i : i + batch_size] for i in range(0, len(pairs), batch_size)]
        answers: list[list[Any] | None] = [None] * len(batches)

        def attempt(remaining: float) -> None:
            pending = [i for i, answer in enumerate(answers) if answer is None]
            requests = (
                node_pb2.SubmitBatch(txs=[message for message, _ in batches[i]]) for i in pending
            )
            responses = self._node.SubmitTransactions(requests, timeout=remaining)
            unanswered = iter(pending)
            for response in responses:  # to the stream's end: the call finishes cleanly
                i = next(unanswered, None)
                if i is None:
                    raise Internal(
                        "the node answered more batches than were sent",
                        method="SubmitTransactions",
                    )
                answers[i] = list(response.results)
            missing = sum(answer is None for answer in answers)
            if missing:
                raise Internal(
                    f"the node closed the stream with {missing} of {len(batches)} batches "
                    "unanswered",
                    method="SubmitTransactions",
                )

        if batches:
            self.retrier.run(attempt, method="SubmitTransactions")
        return _outcomes(batches, answers)

    # -- contracts ---------------------------------------------------------------------------

    def simulate(
        self,
        contract: bytes | str,
        function: str | bytes,
        args: bytes | Sequence[Any] = b"",
        *,
        sender: bytes | str | None = None,
        value: int = 0,
        height: int | None = None,
        gas_limit: int = 0,
    ) -> CallResult:
        """A read-only Call (nothing persists): result, events, status and gas used."""
        address = to_address(contract)
        fields: dict[str, Any] = {
            "from": bytes(20) if sender is None else to_address(sender),
            "contract": address,
            "function": to_selector(function),
            "args": args if isinstance(args, bytes) else encode_args(args),
            "value": encode_amount(value),
            "height": height,
            "gas_limit": gas_limit,
        }
        result = self.rpc(self._node.Call, "Call", node_pb2.CallRequest(**fields))
        self._check_height(height, result.height)
        return call_result_from_pb(result, _status_name(result.status), self.abi_for)

    def contract(self, address: bytes | str, abi: Abi | None = None) -> Contract:
        """A handle on a deployed contract."""
        from vmchain.client.contract import Contract

        return Contract(self, address, abi)

    def deploy(
        self,
        wallet: Wallet,
        code: bytes | str | Path | Artifact,
        *args: Any,
        abi: Abi | None = None,
        value: int = 0,
        gas_limit: int | None = None,
        wait: Wait = True,
    ) -> Contract:
        """Deploy with constructor `args`; the Contract once sealed. `code` is module bytes, a
        contract source file (compiled here; CompileErrors if it does not compile) or an
        Artifact, whose typed ABI then encodes the arguments and decodes results and events.
        Raises TransactionFailed when the deploy did not succeed."""
        from vmchain.client.contract import Contract

        if wait is False:
            raise ValueError("deploy needs wait: the contract address comes with the receipt")
        if isinstance(code, str | Path):
            code = compile_file(code)
        init_args: bytes | Sequence[Any] = args
        if isinstance(code, Artifact):
            abi = abi or Abi.from_typed(code.abi)
            code = code.code
        if abi is not None and abi.typed is not None:
            init_args = typed_args(abi.typed, "__init__", args)
        tx = self.build_deploy(wallet, code, init_args, value=value, gas_limit=gas_limit)
        receipt = self.submit(tx, wait=wait, check=True)
        if receipt.contract_address is None:
            raise ClientError(f"deploy {receipt.tx_id} succeeded but names no contract address")
        return Contract(self, receipt.contract_address, abi, deploy_receipt=receipt)

    # -- streams -----------------------------------------------------------------------------

    def events(
        self,
        from_height: int = 0,
        contract: bytes | str | None = None,
        event: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Generator[Event, None, None]:
        """Every event from `from_height` on, then live ones; survives disconnects with no gap
        and no repeat. Optionally one contract and/or one event name. With `timeout` the
        iteration ends after that many seconds; break out of the loop to stop earlier."""
        address = b"" if contract is None else to_address(contract)

        def open_stream(height: int, remaining: float | None) -> Any:
            request = node_pb2.StreamEventsRequest(
                from_height=height, contract=address, event=event or ""
            )
            return self._node.StreamEvents(request, timeout=remaining)

        for info in resumable(
            open_stream,
            method="StreamEvents",
            from_height=from_height,
            key_of=lambda info: (info.height, info.event.index),
            resume_height=lambda key: key[0],
            retrier=self.retrier,
            timeout=timeout,
        ):
            yield event_info_from_pb(info, self.abi_for)

    def blocks(
        self,
        from_height: int = 0,
        *,
        full: bool = False,
        verify: bool = True,
        timeout: float | None = None,
    ) -> Generator[Block, None, None]:
        """Every sealed block from `from_height` on, then new ones; resumes like `events`."""

        def open_stream(height: int, remaining: float | None) -> Any:
            request = node_pb2.StreamBlocksRequest(from_height=height, full=full)
            return self._node.StreamBlocks(request, timeout=remaining)

        def key_of(message: Any) -> tuple[int, int]:
            raw = message.sealed.SerializeToString(deterministic=True)
            return (decode_sealed(raw).header.height, 0)

        for message in resumable(
            open_stream,
            method="StreamBlocks",
            from_height=from_height,
            key_of=key_of,
            resume_height=lambda key: key[0] + 1,
            retrier=self.retrier,
            timeout=timeout,
        ):
            yield self._block(message, full, verify)


def _outcomes(
    batches: list[list[tuple[Any, bytes]]], answers: list[list[Any] | None]
) -> list[SubmitOutcome]:
    outcomes: list[SubmitOutcome] = []
    for batch, answer in zip(batches, answers, strict=True):
        results = answer or []
        if len(results) != len(batch):
            raise Internal(
                f"the node answered a batch of {len(batch)} with {len(results)} results",
                method="SubmitTransactions",
            )
        for (_, tx_id), result in zip(batch, results, strict=True):
            code = _CODES_BY_NUMBER.get(result.code)
            name = code.name if code is not None else f"UNKNOWN_CODE_{result.code}"
            outcomes.append(SubmitOutcome(hex_text(tx_id), name, result.error))
    return outcomes


class DevClient:
    """The Dev service of a `vmchain node --dev`: time control and mining."""

    def __init__(self, client: NodeClient, stub: Any) -> None:
        self._client = client
        self._stub = stub

    def _state(self, method: str, request: Any, *, retry: bool) -> DevState:
        response = self._client.rpc(
            getattr(self._stub, method), f"Dev.{method}", request, retry=retry
        )
        return DevState(response.height, response.timestamp_ms)

    def set_next_block_time(self, seconds: int | float) -> DevState:
        """The next block is stamped exactly `seconds` (Unix time; ms precision)."""
        return self.set_next_block_time_ms(round(seconds * 1000))

    def set_next_block_time_ms(self, timestamp_ms: int) -> DevState:
        request = dev_pb2.SetNextBlockTimeRequest(timestamp_ms=timestamp_ms)
        return self._state("SetNextBlockTime", request, retry=True)

    def increase_time(self, seconds: int) -> DevState:
        """Move the dev clock forward (not retried: it adds up)."""
        return self._state(
            "IncreaseTime", dev_pb2.IncreaseTimeRequest(seconds=seconds), retry=False
        )

    def mine(self, blocks: int = 1) -> DevState:
        """Seal `blocks` blocks now with whatever is pending (not retried)."""
        return self._state("Mine", dev_pb2.MineRequest(blocks=blocks), retry=False)

    def snapshot(self) -> int:
        """Remember the dev chain's head; the id for `revert` (ids count up from 1)."""
        response = self._client.rpc(
            self._stub.Snapshot, "Dev.Snapshot", dev_pb2.SnapshotRequest(), retry=False
        )
        return int(response.id)

    def revert(self, snapshot_id: int) -> DevState:
        """Roll the dev chain back to snapshot `snapshot_id`; it and later snapshots are used up."""
        return self._state("Revert", dev_pb2.RevertRequest(id=snapshot_id), retry=False)


__all__ = ["DevClient", "NodeClient", "RpcError", "tls_credentials"]
