"""The `vmchain.v1.Node` servicer: decode -> runtime / ledger -> encode, a few lines per RPC.

Errors are raised, not aborted: node/interceptor.py maps them through node/status.py and records
the metrics. Waits are capped by MAX_WAIT_MS and by the caller's own deadline, so a wait answers
DEADLINE_EXCEEDED with our message (the tx is still pending) before the client gives up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc
from vmchain.chain.ledger import Ledger
from vmchain.chain.tx import tx_id_of
from vmchain.crypto import ADDRESS_SIZE
from vmchain.node import convert
from vmchain.node.config import DEFAULT_CALL_GAS_CAP, DEFAULT_MAX_STREAMS
from vmchain.node.errors import BadRequest, NotFoundError, Overloaded
from vmchain.node.runtime import Runtime, Submitted
from vmchain.node.status import code_number, status_of

MAX_WAIT_MS = 60_000  # longer waits are cut to this: a caller can always ask again
DEADLINE_MARGIN_MS = 25  # answer this long before the caller's own deadline
ZERO_ADDRESS = bytes(ADDRESS_SIZE)


def wait_budget_ms(wait_ms: int, context: Any) -> int:
    """How long to wait: the request's wait_ms, capped by MAX_WAIT_MS and the call deadline."""
    if wait_ms <= 0:
        return 0
    budget = min(wait_ms, MAX_WAIT_MS)
    remaining = context.time_remaining()
    if remaining is not None:
        budget = min(budget, int(remaining * 1000) - DEADLINE_MARGIN_MS)
    return max(budget, 1)


def _required(message: Any, field: str) -> Any:
    if not message.HasField(field):
        raise BadRequest(f"{field} is required")
    return getattr(message, field)


class StreamSlots:
    """At most `limit` open streams: each holds a gRPC worker thread while it waits."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._open = 0
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            if self._open >= self._limit:
                raise Overloaded(
                    f"this node already serves {self._open} open streams (its --max-streams); "
                    "close one or retry later"
                )
            self._open += 1

    def give_back(self) -> None:
        with self._lock:
            self._open -= 1

    def open_count(self) -> int:
        with self._lock:
            return self._open


class NodeService(npb_grpc.NodeServicer):
    """vmchain.v1.Node over a Runtime."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        dev: bool,
        call_gas_cap: int = DEFAULT_CALL_GAS_CAP,
        max_streams: int = DEFAULT_MAX_STREAMS,
    ) -> None:
        self._runtime = runtime
        self._dev = dev
        self._call_gas_cap = call_gas_cap
        self.streams = StreamSlots(max_streams)

    def SubmitTransaction(self, request: Any, context: Any) -> npb.SubmitResponse:  # noqa: N802
        signed = _required(request, "tx")
        submitted = self._runtime.submit_raw(signed, wait_budget_ms(request.wait_ms, context))
        response = npb.SubmitResponse(tx_id=submitted.tx_id)
        if submitted.receipt is not None:
            response.receipt.CopyFrom(convert.receipt_message(submitted.receipt))
        return response

    def SubmitTransactions(  # noqa: N802
        self, request_iterator: Iterator[Any], context: Any
    ) -> Iterator[npb.SubmitBatchResponse]:
        for batch in request_iterator:
            outcomes = self._runtime.submit_batch(list(batch.txs))
            yield npb.SubmitBatchResponse(
                results=[_batch_result(s, o) for s, o in zip(batch.txs, outcomes, strict=True)]
            )

    def GetReceipt(self, request: Any, context: Any) -> Any:  # noqa: N802
        tx_id = convert.tx_id_field(request.tx_id)
        receipt = self._runtime.receipt(tx_id, wait_budget_ms(request.wait_ms, context))
        return convert.receipt_message(receipt)

    def GetTransaction(self, request: Any, context: Any) -> npb.TransactionInfo:  # noqa: N802
        tx_id = convert.tx_id_field(request.tx_id)
        found = self._runtime.read(lambda ledger: ledger.transaction(tx_id))
        if found is None:
            state = "pending, not yet sealed" if self._runtime.is_pending(tx_id) else "not known"
            raise NotFoundError(f"tx 0x{tx_id.hex()} is {state}")
        return convert.transaction_info(*found)

    def Call(self, request: Any, context: Any) -> npb.CallResult:  # noqa: N802
        sender = convert.address_field(getattr(request, "from") or ZERO_ADDRESS, "from")
        contract = convert.address_field(request.contract, "contract")
        selector = convert.selector_field(request.function)
        value = convert.amount_field(request.value, "value")
        height = convert.optional_height(request)
        gas_limit = min(request.gas_limit or self._call_gas_cap, self._call_gas_cap)

        def call(ledger: Ledger) -> Any:
            return ledger.call(sender, contract, selector, request.args, value, height, gas_limit)

        return convert.call_result(self._runtime.read(call))

    def GetAccount(self, request: Any, context: Any) -> npb.AccountInfo:  # noqa: N802
        address = convert.address_field(request.address, "address")
        height = convert.optional_height(request)
        view = self._runtime.read(lambda ledger: ledger.account(address, height, request.prove))
        return convert.account_info(view)

    def GetStorage(self, request: Any, context: Any) -> npb.StorageInfo:  # noqa: N802
        contract = convert.address_field(request.contract, "contract")
        height = convert.optional_height(request)
        view = self._runtime.read(
            lambda ledger: ledger.storage(contract, request.key, height, request.prove)
        )
        return convert.storage_info(view)

    def GetBlock(self, request: Any, context: Any) -> npb.BlockInfo:  # noqa: N802
        which = request.WhichOneof("id")
        if which == "height":
            height = request.height
            sealed = self._runtime.read(lambda ledger: ledger.block(height))
        elif which == "hash":
            block_hash = convert.hash_field(request.hash, "hash")
            sealed = self._runtime.read(lambda ledger: ledger.block_by_hash(block_hash))
        else:
            raise BadRequest("one of height or hash is required")
        return convert.block_info(sealed, request.full)

    def GetLatestBlock(self, request: Any, context: Any) -> npb.BlockInfo:  # noqa: N802
        sealed = self._runtime.read(lambda ledger: ledger.block(ledger.height()))
        return convert.block_info(sealed, request.full)

    def StreamBlocks(self, request: Any, context: Any) -> Iterator[npb.BlockInfo]:  # noqa: N802
        self.streams.take()
        try:
            for sealed in self._runtime.blocks_from(request.from_height, context.is_active):
                yield convert.block_info(sealed, request.full)
        finally:
            self.streams.give_back()

    def StreamEvents(self, request: Any, context: Any) -> Iterator[npb.EventInfo]:  # noqa: N802
        contract = request.contract
        if contract:
            convert.address_field(contract, "contract")
        self.streams.take()
        try:
            for sealed in self._runtime.blocks_from(request.from_height, context.is_active):
                yield from convert.event_infos(sealed, contract, request.event)
        finally:
            self.streams.give_back()

    def GetNodeInfo(self, request: Any, context: Any) -> npb.NodeInfo:  # noqa: N802
        return self._runtime.read(
            lambda ledger: convert.node_info(ledger.genesis, ledger.head(), self._dev)
        )


def _batch_result(signed: Any, outcome: Submitted | Exception) -> npb.SubmitResult:
    if isinstance(outcome, Submitted):
        return npb.SubmitResult(tx_id=outcome.tx_id)
    status = status_of(outcome)
    return npb.SubmitResult(
        tx_id=tx_id_of(signed.body), code=code_number(status), error=status.message
    )
