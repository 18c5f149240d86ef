"""A tiny real gRPC node for the SDK's unit tests: the vmchain.v1 Node and Dev services served
in-process by a scripted servicer over a real chain of sealed blocks.

It is not the node (tests/node/ drives that one): it seals every admitted batch at once, runs
transfers for real on a MemoryStore-backed WorldState (so account and storage proofs are real),
answers contract calls from a table, and can be told to fail an RPC with given status codes, to
lose a response after doing the work, to cut event streams, or to lie about a balance.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

import grpc

from vmchain._proto.vmchain.v1 import dev_pb2, dev_pb2_grpc, node_pb2, node_pb2_grpc
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.block import BlockHeader, SealedHeader, genesis_header, seal_header, tx_root
from vmchain.chain.errors import TxRejected
from vmchain.chain.genesis import dev_genesis, dev_key
from vmchain.chain.receipt import Event, Receipt, receipts_root, to_message
from vmchain.chain.tx import (
    Call,
    Transfer,
    Tx,
    decode_signed,
    intrinsic_gas,
    tx_id_of,
)
from vmchain.encoding import abi
from vmchain.encoding.amount import encode_amount
from vmchain.state.nodestore import NodeStore
from vmchain.state.world import WorldState

GENESIS = dev_genesis()
SEALER = dev_key(0)
CHAIN_ID = GENESIS.chain_id
MAX_WINDOW = GENESIS.max_validity_window
BLOCK_GAS_LIMIT = GENESIS.block_gas_limit
T0_MS = 1_700_000_000_000
CALL_GAS = 1_234  # what a scripted call uses unless its result says otherwise


@dataclass(frozen=True)
class Scripted:
    """How the fake executes a call to one selector (both in Call and in transactions)."""

    status: Any = pb.SUCCESS
    return_values: tuple[int | bytes, ...] = ()
    gas_used: int = CALL_GAS
    error: str = ""
    events: tuple[tuple[str, tuple[int | bytes, ...]], ...] = ()


@dataclass
class SealedBlock:
    sealed: SealedHeader
    txs: list[Tx]
    receipts: list[Receipt]


@dataclass
class FakeChain:
    """Blocks, receipts and state; every `seal` call makes one block."""

    nodes: NodeStore = field(default_factory=NodeStore.memory)
    blocks: list[SealedBlock] = field(default_factory=list)
    where: dict[bytes, tuple[int, int]] = field(default_factory=dict)
    scripts: dict[bytes, Scripted] = field(default_factory=dict)
    roots: list[bytes] = field(default_factory=list)
    next_timestamp_ms: int | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        world = WorldState(self.nodes)
        for address, amount in GENESIS.alloc:
            world.set_balance(address, amount)
        root = world.commit(0)
        header = genesis_header(GENESIS, root)
        self.roots.append(root)
        self.blocks.append(SealedBlock(SealedHeader(header, header.to_bytes(), b"", b""), [], []))

    @property
    def head(self) -> SealedBlock:
        return self.blocks[-1]

    @property
    def height(self) -> int:
        return self.head.sealed.header.height

    def world(self, height: int | None = None) -> WorldState:
        return WorldState(self.nodes, self.roots[self.height if height is None else height])

    def _execute(self, world: WorldState, tx: Tx, height: int, index: int) -> Receipt:
        gas = intrinsic_gas(len(tx.body_bytes))
        payload = tx.body.payload
        if isinstance(payload, Transfer):
            world.transfer(tx.sender, payload.to, payload.amount)
            return Receipt(tx.tx_id, height, index, "SUCCESS", gas)
        assert isinstance(payload, Call)
        script = self.scripts.get(payload.function, Scripted())
        events = tuple(
            Event(payload.contract, name, abi.encode(list(values)), i)
            for i, (name, values) in enumerate(script.events)
        )
        status = pb.TxStatus.Name(script.status)
        return Receipt(
            tx.tx_id,
            height,
            index,
            status,
            gas + script.gas_used,
            abi.encode(list(script.return_values)),
            events,
            script.error,
        )

    def seal(
        self,
        txs: Sequence[Tx] = (),
        *,
        mutate: Callable[[WorldState], None] | None = None,
        extra_events: Sequence[Sequence[tuple[str, tuple[int | bytes, ...]]]] = (),
    ) -> SealedBlock:
        """Execute `txs` into a new sealed block; `extra_events[i]` are added to receipt i."""
        with self.lock:
            height = self.height + 1
            world = self.world()
            if mutate is not None:
                mutate(world)
            receipts = [self._execute(world, tx, height, i) for i, tx in enumerate(txs)]
            receipts = self._number_events(receipts, extra_events)
            root = world.commit(height)
            parent = self.head.sealed
            timestamp = self.next_timestamp_ms or max(T0_MS, parent.header.timestamp_ms) + 1000
            self.next_timestamp_ms = None
            header = BlockHeader(
                chain_id=CHAIN_ID,
                height=height,
                parent_hash=parent.hash,
                timestamp_ms=timestamp,
                proposer=SEALER.address,
                state_root=root,
                tx_root=tx_root(list(txs)),
                receipts_root=receipts_root(receipts),
                gas_used=sum(r.gas_used for r in receipts),
                gas_limit=BLOCK_GAS_LIMIT,
                tx_count=len(txs),
            )
            block = SealedBlock(seal_header(SEALER, header), list(txs), receipts)
            self.blocks.append(block)
            self.roots.append(root)
            for i, tx in enumerate(txs):
                self.where[tx.tx_id] = (height, i)
            return block

    @staticmethod
    def _number_events(
        receipts: list[Receipt], extra: Sequence[Sequence[tuple[str, tuple[int | bytes, ...]]]]
    ) -> list[Receipt]:
        """Append the extra events and number every event by its position in the block."""
        counter = 0
        numbered = []
        for i, receipt in enumerate(receipts):
            events = list(receipt.events)
            for name, values in extra[i] if i < len(extra) else ():
                events.append(Event(bytes(20), name, abi.encode(list(values)), 0))
            renumbered = []
            for event in events:
                renumbered.append(Event(event.contract, event.name, event.data, counter))
                counter += 1
            numbered.append(
                Receipt(
                    receipt.tx_id,
                    receipt.height,
                    receipt.index,
                    receipt.status,
                    receipt.gas_used,
                    receipt.return_value,
                    tuple(renumbered),
                    receipt.error,
                    receipt.contract_address,
                )
            )
        return numbered

    def receipt(self, tx_id: bytes) -> Receipt | None:
        found = self.where.get(tx_id)
        if found is None:
            return None
        height, index = found
        return self.blocks[height].receipts[index]


def abort(context: Any, code: Any, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("context.abort returned")


def sealed_pb(sealed: SealedHeader) -> Any:
    return pb.SealedHeader(
        header=sealed.header_bytes, proposer_key=sealed.proposer_key, seal=sealed.seal
    )


def block_pb(block: SealedBlock, full: bool) -> Any:
    info = node_pb2.BlockInfo(
        header=pb.BlockHeader.FromString(block.sealed.header_bytes),
        sealed=sealed_pb(block.sealed),
        hash=block.sealed.hash,
    )
    if full:
        info.transactions.extend(pb.SignedTransaction.FromString(t.encoded) for t in block.txs)
        info.receipts.extend(to_message(r) for r in block.receipts)
    return info


class FakeNode(node_pb2_grpc.NodeServicer):
    """The Node service over a FakeChain, with failure injection."""

    def __init__(self, chain: FakeChain) -> None:
        self.chain = chain
        self.calls: Counter[str] = Counter()
        # method -> status codes to answer with, one per call, before behaving.
        self.failures: dict[str, list[Any]] = {}
        # method -> how many times to do the work and then answer UNAVAILABLE (a lost response).
        self.lose_responses: Counter[str] = Counter()
        self.cut_streams_after: list[int] = []  # each stream opened aborts after this many items
        self.balance_lie = 0
        self.hold = False  # admit transactions without sealing them
        self.pending: list[Tx] = []
        self.lock = threading.Lock()

    # -- scripting helpers ------------------------------------------------------------------

    def _enter(self, method: str, context: Any) -> None:
        with self.lock:
            self.calls[method] += 1
            codes = self.failures.get(method)
            code = codes.pop(0) if codes else None
        if code is not None:
            abort(context, code, f"scripted {code.name} for {method}")

    def _maybe_lose(self, method: str, context: Any) -> None:
        with self.lock:
            lose = self.lose_responses[method] > 0
            if lose:
                self.lose_responses[method] -= 1
        if lose:
            abort(context, grpc.StatusCode.UNAVAILABLE, f"scripted lost response of {method}")

    # -- admission --------------------------------------------------------------------------

    def _admit(self, raw: Any) -> tuple[Tx | None, Any, str]:
        """(tx, status code, message): the tx when admitted."""
        try:
            tx = decode_signed(raw)
        except TxRejected as exc:
            return None, grpc.StatusCode.INVALID_ARGUMENT, str(exc)
        if tx.body.chain_id != CHAIN_ID:
            return None, grpc.StatusCode.INVALID_ARGUMENT, f"wrong chain id {tx.body.chain_id!r}"
        if tx.tx_id in self.chain.where or any(p.tx_id == tx.tx_id for p in self.pending):
            return None, grpc.StatusCode.ALREADY_EXISTS, f"duplicate tx {tx.tx_id.hex()}"
        following = self.chain.height + 1
        if not tx.body.first_valid <= following <= tx.body.last_valid:
            message = f"outside its validity window at height {following}"
            return None, grpc.StatusCode.FAILED_PRECONDITION, message
        return tx, grpc.StatusCode.OK, ""

    def _wait_receipt(self, tx_id: bytes, wait_ms: int) -> Receipt | None:
        end = time.monotonic() + wait_ms / 1000
        while True:
            receipt = self.chain.receipt(tx_id)
            if receipt is not None or time.monotonic() >= end:
                return receipt
            time.sleep(0.005)

    def SubmitTransaction(self, request: Any, context: Any) -> Any:
        self._enter("SubmitTransaction", context)
        tx_id = tx_id_of(request.tx.body)
        with self.chain.lock:
            tx, code, message = self._admit(request.tx)
            if tx is not None and self.hold:
                self.pending.append(tx)
            elif tx is not None:
                self.chain.seal([tx])
        duplicate_wait = code == grpc.StatusCode.ALREADY_EXISTS and request.wait_ms
        if tx is None and not duplicate_wait:
            abort(context, code, message)
        self._maybe_lose("SubmitTransaction", context)
        response = node_pb2.SubmitResponse(tx_id=tx_id)
        if request.wait_ms:
            receipt = self._wait_receipt(tx_id, request.wait_ms)
            if receipt is None:
                abort(context, grpc.StatusCode.DEADLINE_EXCEEDED, "wait ran out")
            response.receipt.CopyFrom(to_message(receipt))
        return response

    def release(self) -> SealedBlock:
        """Seal what `hold` kept pending."""
        with self.chain.lock:
            txs, self.pending = self.pending, []
            return self.chain.seal(txs)

    def SubmitTransactions(self, request_iterator: Iterator[Any], context: Any) -> Iterator[Any]:
        self._enter("SubmitTransactions", context)
        for batch in request_iterator:
            results = []
            admitted = []
            with self.chain.lock:
                for raw in batch.txs:
                    tx, code, message = self._admit(raw)
                    tx_id = tx.tx_id if tx is not None else b""
                    if tx is not None:
                        admitted.append(tx)
                        self.pending.append(tx)
                    results.append(
                        node_pb2.SubmitResult(tx_id=tx_id, code=code.value[0], error=message)
                    )
                self.pending = [t for t in self.pending if t not in admitted]
                if admitted:
                    self.chain.seal(admitted)
            self._maybe_lose("SubmitTransactions", context)
            yield node_pb2.SubmitBatchResponse(results=results)

    # -- reads ------------------------------------------------------------------------------

    def GetNodeInfo(self, request: Any, context: Any) -> Any:
        self._enter("GetNodeInfo", context)
        head = self.chain.head.sealed
        return node_pb2.NodeInfo(
            chain_id=CHAIN_ID,
            height=head.header.height,
            version="fake-0",
            authorities=[SEALER.address],
            head_hash=head.hash,
            head_timestamp_ms=head.header.timestamp_ms,
            dev=True,
            max_validity_window=MAX_WINDOW,
            min_gas_price=0,
            block_gas_limit=BLOCK_GAS_LIMIT,
        )

    def GetReceipt(self, request: Any, context: Any) -> Any:
        self._enter("GetReceipt", context)
        receipt = self._wait_receipt(request.tx_id, request.wait_ms)
        if receipt is None:
            code = (
                grpc.StatusCode.DEADLINE_EXCEEDED if request.wait_ms else grpc.StatusCode.NOT_FOUND
            )
            abort(context, code, f"no receipt for tx {request.tx_id.hex()}")
        return to_message(receipt)

    def GetTransaction(self, request: Any, context: Any) -> Any:
        self._enter("GetTransaction", context)
        found = self.chain.where.get(request.tx_id)
        if found is None:
            abort(context, grpc.StatusCode.NOT_FOUND, f"no tx {request.tx_id.hex()}")
        height, index = found
        tx = self.chain.blocks[height].txs[index]
        return node_pb2.TransactionInfo(
            tx=pb.SignedTransaction.FromString(tx.encoded), height=height, index=index
        )

    def _height(self, request: Any, context: Any) -> int:
        height = request.height if request.HasField("height") else self.chain.height
        if height > self.chain.height:
            abort(context, grpc.StatusCode.NOT_FOUND, f"no block at height {height}")
        return int(height)

    def GetAccount(self, request: Any, context: Any) -> Any:
        self._enter("GetAccount", context)
        height = self._height(request, context)
        world = self.chain.world(height)
        account = world.account(request.address)
        info = node_pb2.AccountInfo(
            address=request.address,
            balance=encode_amount(account.balance + self.balance_lie),
            code_hash=account.code_hash,
            height=height,
        )
        if request.prove:
            info.proof.nodes.extend(world.prove_account(request.address))
            info.header.CopyFrom(sealed_pb(self.chain.blocks[height].sealed))
        return info

    def GetStorage(self, request: Any, context: Any) -> Any:
        self._enter("GetStorage", context)
        height = self._height(request, context)
        world = self.chain.world(height)
        value = world.storage(request.contract, request.key)
        info = node_pb2.StorageInfo(value=value, exists=bool(value), height=height)
        if request.prove:
            info.proof.nodes.extend(world.prove_storage(request.contract, request.key))
            info.header.CopyFrom(sealed_pb(self.chain.blocks[height].sealed))
        return info

    def GetBlock(self, request: Any, context: Any) -> Any:
        self._enter("GetBlock", context)
        if request.WhichOneof("id") == "hash":
            matches = [b for b in self.chain.blocks if b.sealed.hash == request.hash]
            if not matches:
                abort(context, grpc.StatusCode.NOT_FOUND, f"no block {request.hash.hex()}")
            return block_pb(matches[0], request.full)
        if request.height > self.chain.height:
            abort(context, grpc.StatusCode.NOT_FOUND, f"no block at height {request.height}")
        return block_pb(self.chain.blocks[request.height], request.full)

    def GetLatestBlock(self, request: Any, context: Any) -> Any:
        self._enter("GetLatestBlock", context)
        return block_pb(self.chain.head, request.full)

    def Call(self, request: Any, context: Any) -> Any:
        self._enter("Call", context)
        script = self.chain.scripts.get(request.function, Scripted())
        return node_pb2.CallResult(
            return_value=abi.encode(list(script.return_values)),
            gas_used=script.gas_used,
            error=script.error,
            status=script.status,
            height=self.chain.height,
            events=[
                pb.Event(
                    contract=request.contract, name=name, data=abi.encode(list(values)), index=i
                )
                for i, (name, values) in enumerate(script.events)
            ],
        )

    # -- streams ----------------------------------------------------------------------------

    def _cut_after(self) -> int | None:
        with self.lock:
            return self.cut_streams_after.pop(0) if self.cut_streams_after else None

    def StreamEvents(self, request: Any, context: Any) -> Iterator[Any]:
        self._enter("StreamEvents", context)
        cut = self._cut_after()
        sent = 0
        height = request.from_height
        while context.is_active():
            if height > self.chain.height:
                time.sleep(0.005)
                continue
            block = self.chain.blocks[height]
            for receipt in block.receipts:
                for event in receipt.events:
                    if request.contract and event.contract != request.contract:
                        continue
                    if request.event and event.name != request.event:
                        continue
                    if cut is not None and sent >= cut:
                        abort(context, grpc.StatusCode.UNAVAILABLE, "scripted stream cut")
                    sent += 1
                    yield node_pb2.EventInfo(
                        event=pb.Event(
                            contract=event.contract,
                            name=event.name,
                            data=event.data,
                            index=event.index,
                        ),
                        height=height,
                        tx_id=receipt.tx_id,
                        tx_index=receipt.index,
                        block_timestamp_ms=block.sealed.header.timestamp_ms,
                    )
            height += 1

    def StreamBlocks(self, request: Any, context: Any) -> Iterator[Any]:
        self._enter("StreamBlocks", context)
        cut = self._cut_after()
        sent = 0
        height = request.from_height
        while context.is_active():
            if height > self.chain.height:
                time.sleep(0.005)
                continue
            if cut is not None and sent >= cut:
                abort(context, grpc.StatusCode.UNAVAILABLE, "scripted stream cut")
            sent += 1
            yield block_pb(self.chain.blocks[height], request.full)
            height += 1


class FakeDev(dev_pb2_grpc.DevServicer):
    """The Dev service: time control and mining on the FakeChain."""

    def __init__(self, chain: FakeChain, node: FakeNode) -> None:
        self.chain = chain
        self.node = node
        self.calls: Counter[str] = Counter()
        self.failures: dict[str, list[Any]] = {}

    def _enter(self, method: str, context: Any) -> None:
        self.calls[method] += 1
        codes = self.failures.get(method)
        if codes:
            code = codes.pop(0)
            abort(context, code, f"scripted {code.name} for {method}")

    def _state(self) -> Any:
        header = self.chain.head.sealed.header
        return dev_pb2.DevResponse(height=header.height, timestamp_ms=header.timestamp_ms)

    def SetNextBlockTime(self, request: Any, context: Any) -> Any:
        self._enter("SetNextBlockTime", context)
        self.chain.next_timestamp_ms = request.timestamp_ms
        return self._state()

    def IncreaseTime(self, request: Any, context: Any) -> Any:
        self._enter("IncreaseTime", context)
        base = self.chain.next_timestamp_ms or self.chain.head.sealed.header.timestamp_ms
        self.chain.next_timestamp_ms = base + request.seconds * 1000
        return self._state()

    def Mine(self, request: Any, context: Any) -> Any:
        self._enter("Mine", context)
        for _ in range(request.blocks or 1):
            self.node.release()
        return self._state()


@dataclass
class Served:
    """A running fake: its target address, servicers and chain."""

    target: str
    node: FakeNode
    dev: FakeDev
    chain: FakeChain
    server: Any


def serve() -> Served:
    chain = FakeChain()
    node = FakeNode(chain)
    dev = FakeDev(chain, node)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    add_node: Any = node_pb2_grpc.add_NodeServicer_to_server
    add_dev: Any = dev_pb2_grpc.add_DevServicer_to_server
    add_node(node, server)
    add_dev(dev, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return Served(f"127.0.0.1:{port}", node, dev, chain, server)


@contextmanager
def running() -> Iterator[Served]:
    """A fake node for the duration of the block."""
    served = serve()
    try:
        yield served
    finally:
        served.server.stop(0)
