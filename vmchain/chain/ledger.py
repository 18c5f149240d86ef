"""The Ledger: the chain as an application behind a small lifecycle interface (like ABCI).

The node drives it: `admit` txs, `propose` a block from them (or `apply` a block from another
sealer), `commit` the result in one synced batch, and query blocks, receipts, accounts, storage
and read-only calls; a dev chain can also `rewind` its head to a retained height (Dev Revert).
It never touches the network, threads or a clock (time comes in as arguments), and it is not
thread safe: the node serialises the calls (see /work/notes/ledger.md, docs/chain.md "Ledger").
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain import admission
from vmchain.chain.block import (
    Block,
    BlockHeader,
    SealedHeader,
    check_body,
    check_child,
    check_limits,
    decode_block,
    genesis_header,
    seal_header,
    tx_root,
    verify_seal,
)
from vmchain.chain.errors import (
    BlockReason,
    CorruptStore,
    InvalidBlock,
    InvalidGenesis,
    InvalidQuery,
    NotFound,
    TxRejected,
)
from vmchain.chain.executor import (
    BlockEnv,
    BlockResult,
    Outcome,
    block_events,
    execute_block,
    plus_gas,
    run_call,
)
from vmchain.chain.genesis import ChainParams, Genesis, genesis_from_json
from vmchain.chain.host import TxContext
from vmchain.chain.merkle import merkle_root
from vmchain.chain.receipt import Event, Receipt
from vmchain.chain.store import ChainStore, TxLocation
from vmchain.chain.tx import Call, Tx, TxBody, decode_signed_message, encode_body, intrinsic_gas
from vmchain.crypto import ADDRESS_SIZE, PrivateKey
from vmchain.state.kv import Store
from vmchain.state.world import WorldState
from vmchain.vm import Status

DEFAULT_RETAIN_HEIGHTS = 256
BLOCK_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class SealedBlock:
    """One sealed block with everything the API serves about it."""

    block: Block
    receipts: tuple[Receipt, ...]


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """Result of a read-only call."""

    status: str  # TxStatus name, e.g. "SUCCESS"
    return_value: bytes  # ABI-encoded
    gas_used: int  # the estimate for a tx: intrinsic gas of such a Call tx + VM gas
    events: tuple[Event, ...]
    error: str
    height: int  # the state the call ran against


@dataclass(frozen=True, slots=True)
class AccountView:
    address: bytes
    balance: int
    code_hash: bytes
    height: int
    proof: tuple[bytes, ...]  # empty unless prove=True
    header: SealedHeader  # header at `height`; proof verifies against header.state_root


@dataclass(frozen=True, slots=True)
class StorageView:
    value: bytes
    exists: bool
    height: int
    proof: tuple[bytes, ...]
    header: SealedHeader


class _Parent:
    """The executor's view of the chain below block `below`: its parent's state root and
    the txs of the blocks before it (default: the committed head is the parent)."""

    __slots__ = ("_below", "_chain", "_root")

    def __init__(self, chain: ChainStore, root: bytes, below: int | None = None) -> None:
        self._chain = chain
        self._root = root
        self._below = below

    def state(self) -> WorldState:
        return WorldState(self._chain.nodes, self._root)

    def has_tx(self, tx_id: bytes) -> bool:
        if self._below is None:
            return self._chain.has_tx(tx_id)
        location = self._chain.tx_location(tx_id)
        return location is not None and location.height < self._below


def _check_address(address: bytes, what: str) -> None:
    if not isinstance(address, bytes) or len(address) != ADDRESS_SIZE:
        raise InvalidQuery(f"{what} must be {ADDRESS_SIZE} bytes, got {address!r:.60}")


class Ledger:
    """The chain in a Store: genesis, head, blocks, receipts and state."""

    def __init__(self, chain: ChainStore, genesis: Genesis, retain_heights: int) -> None:
        """Use `Ledger.open`."""
        if retain_heights < 1:
            raise ValueError(f"retain_heights must be at least 1, got {retain_heights}")
        self.chain = chain
        self.genesis = genesis
        self.params: ChainParams = genesis.params
        self.retain_heights = retain_heights
        self._authorities = frozenset(genesis.authorities)
        self._blocks: OrderedDict[int, SealedBlock] = OrderedDict()
        self._pending: dict[bytes, BlockResult] = {}  # block hash -> its execution
        self.last_skipped: tuple[TxRejected, ...] = ()  # txs the last propose() left out
        self._head = self._load_head()
        self._head_state = WorldState(chain.nodes, self._head.header.state_root)

    @classmethod
    def open(
        cls,
        store: Store,
        genesis: Genesis | None = None,
        *,
        retain_heights: int = DEFAULT_RETAIN_HEIGHTS,
    ) -> Ledger:
        """Open the chain in `store` (a Store with chain.store.COLUMN_FAMILIES).

        On an empty store `genesis` is required and block 0 is written; on an existing one the
        stored genesis is used and a passed genesis must equal it (else InvalidGenesis).
        """
        chain = ChainStore(store)
        text = chain.genesis_text()
        if text is None:
            if genesis is None:
                raise InvalidGenesis("<root>", "the store is empty: a genesis is required")
            _write_genesis(chain, genesis, retain_heights)
            return cls(chain, genesis, retain_heights)
        stored = genesis_from_json(text)
        if genesis is not None and genesis != stored:
            raise InvalidGenesis(
                "<root>",
                f"does not match the genesis this store was created with (chain id "
                f"{stored.chain_id!r}); use the same genesis.json or a new data directory",
            )
        return cls(chain, stored, retain_heights)

    def _load_head(self) -> SealedHeader:
        height = self.chain.head_height()
        if height is None:
            raise CorruptStore("the store has a genesis but no head block")
        header = self._load_block(height).block.sealed
        nodes = self.chain.nodes
        if nodes.head_version != height or nodes.head_root != header.header.state_root:
            raise CorruptStore(
                f"head block {height} has state root {header.header.state_root.hex()} but the "
                f"state journal's head is version {nodes.head_version} root {nodes.head_root.hex()}"
            )
        return header

    # -- head ----------------------------------------------------------------------------

    def head(self) -> SealedHeader:
        """The latest committed block's sealed header."""
        return self._head

    def height(self) -> int:
        return self._head.header.height

    def head_height(self) -> int:
        """admission.ChainView: the height of the latest committed block."""
        return self._head.header.height

    def balance(self, address: bytes) -> int:
        """admission.ChainView: the balance at the head."""
        return self._head_state.balance(address)

    # -- admission -----------------------------------------------------------------------

    def admit(self, tx: Tx) -> None:
        """Stateless and stateful admission checks at the head; raises TxRejected."""
        admission.admit(tx, self.params, self)

    def has_tx(self, tx_id: bytes) -> bool:
        """True if a committed block includes this tx id."""
        return self.chain.has_tx(tx_id)

    # -- producing and applying blocks ---------------------------------------------------

    def _execute(self, txs: Sequence[Tx], header_env: BlockEnv) -> BlockResult:
        parent = _Parent(self.chain, self._head.header.state_root)
        return execute_block(parent, txs, header_env)

    def propose(self, txs: Sequence[Tx], timestamp_ms: int, key: PrivateKey) -> SealedBlock:
        """Execute `txs` on the head (leaving out those no longer valid, see `last_skipped`),
        build and seal the next block. Writes nothing; `commit` it. The timestamp is raised to
        the head's if lower."""
        if key.address not in self._authorities:
            raise InvalidBlock(
                BlockReason.NOT_AUTHORITY,
                f"0x{key.address.hex()} is not an authority of chain {self.params.chain_id!r}",
            )
        parent = self._head.header
        env = BlockEnv(
            self.params, parent.height + 1, max(timestamp_ms, parent.timestamp_ms), key.address
        )
        result = self._execute(txs, env)
        header = BlockHeader(
            chain_id=self.params.chain_id,
            height=env.height,
            parent_hash=self._head.hash,
            timestamp_ms=env.timestamp_ms,
            proposer=env.proposer,
            state_root=result.state_root,
            tx_root=tx_root(result.txs),
            receipts_root=merkle_root(result.receipt_bytes),
            gas_used=result.gas_used,
            gas_limit=self.params.block_gas_limit,
            tx_count=len(result.txs),
        )
        block = Block(seal_header(key, header), result.txs)
        self._pending[block.hash] = result
        self.last_skipped = result.skipped
        return SealedBlock(block, result.receipts)

    def apply(self, block: Block) -> SealedBlock:
        """Verify a block from a sealer (seal, parent, timestamp, limits, body), re-execute
        it and check its roots; InvalidBlock otherwise. Writes nothing; `commit` it. The
        caller checks the timestamp against its clock (block.check_not_too_far_in_future)."""
        header = block.header
        verify_seal(block.sealed, self._authorities)
        check_child(self._head.header, header)
        check_limits(header, self.params)
        check_body(block)
        env = BlockEnv(self.params, header.height, header.timestamp_ms, header.proposer)
        result = self._execute(block.txs, env)
        _check_result(header, result)
        self._pending[block.hash] = result
        return SealedBlock(block, result.receipts)

    def commit(self, sealed: SealedBlock) -> None:
        """Persist block, receipts, tx index, trie nodes and head in ONE synced batch."""
        block = sealed.block
        if block.header.parent_hash != self._head.hash or block.height != self.height() + 1:
            raise InvalidBlock(
                BlockReason.WRONG_PARENT,
                f"block {block.height} does not extend the head {self.height()} "
                f"({self._head.hash.hex()})",
            )
        result = self._pending.pop(block.hash, None)
        if result is None:
            self.apply(block)
            result = self._pending.pop(block.hash)
        self.chain.write_block(block, result.receipt_bytes, result.diff, retain=self.retain_heights)
        self._pending.clear()
        self._head = block.sealed
        self._head_state = WorldState(self.chain.nodes, block.header.state_root)
        self._cache_block(block.height, SealedBlock(block, result.receipts))

    def reexecute(self, height: int) -> SealedBlock:
        """Check committed block `height` again: its seal, and a re-execution on the retained
        state of its parent must give its roots and exactly its stored receipts. For the
        node's start-up self-check. NotFound if the parent's state is pruned; CorruptStore
        on any difference."""
        if not 1 <= height <= self.height():
            raise NotFound(f"no committed block at height {height} to re-execute")
        stored = self.block(height)
        parent = self._state_at(height - 1)[0].header
        header = stored.block.header
        env = BlockEnv(self.params, height, header.timestamp_ms, header.proposer)
        view = _Parent(self.chain, parent.state_root, below=height)
        try:
            verify_seal(stored.block.sealed, self._authorities)
            result = execute_block(view, stored.block, env)
            _check_result(header, result)
        except InvalidBlock as exc:
            raise CorruptStore(f"stored block {height} does not re-execute: {exc}") from None
        if result.receipts != stored.receipts:
            raise CorruptStore(f"stored receipts of block {height} differ from re-execution")
        return stored

    # -- rewinding (dev chains) ----------------------------------------------------------

    def check_rewind(self, height: int) -> None:
        """NotFound unless the head can go back to `height`: a block at or below the head
        whose state is still retained."""
        head = self.height()
        if not 0 <= height <= head:
            raise NotFound(f"cannot rewind to height {height}: the head is {head}")
        retained = [version for version, _ in self.chain.retained()]
        if height not in retained:
            window = f"{retained[0]}..{retained[-1]}" if retained else "none"
            raise NotFound(
                f"cannot rewind to height {height}: its state is pruned (retained heights "
                f"{window}, retain_heights={self.retain_heights})"
            )

    def rewind(self, height: int, *, sweep: bool = True) -> SealedHeader:
        """Make block `height` the head again (a dev chain's revert); returns its header.

        Blocks above it, their receipts, tx index entries and hashes go, the head moves and the
        state goes back to version `height`, in ONE synced batch; txs sealed above it are no
        longer in the chain and may be admitted again. Then, with `sweep`, trie nodes only the
        dropped versions used are reclaimed (`NodeStore.sweep`, O(state), its own batch: a crash
        in between only leaves unreachable nodes behind). NotFound (see `check_rewind`) if the
        height is above the head or its state is pruned; nothing changes then."""
        self.check_rewind(height)
        if height == self.height():
            return self._head
        target = self._load_block(height).block.sealed
        self.chain.rewind(height)
        self._pending.clear()
        self.last_skipped = ()
        for above in [h for h in self._blocks if h > height]:
            del self._blocks[above]
        self._head = target
        self._head_state = WorldState(self.chain.nodes, target.header.state_root)
        if sweep:
            self.chain.nodes.sweep()
        return target

    # -- queries -------------------------------------------------------------------------

    def block(self, height: int) -> SealedBlock:
        """The block at `height` with its receipts; NotFound beyond the head."""
        if not 0 <= height <= self.height():
            raise NotFound(f"no block at height {height}; the head is {self.height()}")
        return self._load_block(height)

    def block_by_hash(self, block_hash: bytes) -> SealedBlock:
        height = self.chain.height_of(block_hash)
        if height is None or height > self.height():
            raise NotFound(f"no block with hash {block_hash.hex()}")
        return self._load_block(height)

    def _load_block(self, height: int) -> SealedBlock:
        cached = self._blocks.get(height)
        if cached is not None:
            self._blocks.move_to_end(height)
            return cached
        raw = self.chain.block_bytes(height)
        receipts = self.chain.receipts(height)
        if raw is None or receipts is None:
            raise CorruptStore(f"block {height} is missing from the store")
        block = decode_block(raw, trusted=True)
        sealed = SealedBlock(block, tuple(Receipt.from_bytes(r) for r in receipts))
        self._cache_block(height, sealed)
        return sealed

    def _cache_block(self, height: int, sealed: SealedBlock) -> None:
        self._blocks[height] = sealed
        if len(self._blocks) > BLOCK_CACHE_SIZE:
            self._blocks.popitem(last=False)

    def _location(self, tx_id: bytes) -> TxLocation | None:
        location = self.chain.tx_location(tx_id)
        if location is None or location.height > self.height():
            return None
        return location

    def receipt(self, tx_id: bytes) -> Receipt | None:
        """The receipt of a committed tx, None if no committed block includes it."""
        location = self._location(tx_id)
        if location is None:
            return None
        cached = self._blocks.get(location.height)
        if cached is not None:
            return cached.receipts[location.index]
        receipts = self.chain.receipts(location.height)
        if receipts is None or location.index >= len(receipts):
            raise CorruptStore(f"tx index points at a missing receipt {location}")
        return Receipt.from_bytes(receipts[location.index])

    def transaction(self, tx_id: bytes) -> tuple[Tx, int, int] | None:
        """(tx, height, index) of a committed tx, None if no committed block includes it."""
        location = self._location(tx_id)
        if location is None:
            return None
        cached = self._blocks.get(location.height)
        if cached is not None:
            return cached.block.txs[location.index], location.height, location.index
        raw = self.chain.block_bytes(location.height)
        if raw is None:
            raise CorruptStore(f"tx index points at a missing block {location}")
        message: Any = pb.Block.FromString(raw)
        tx = decode_signed_message(message.transactions[location.index], check_signature=False)
        return tx, location.height, location.index

    def _state_at(self, height: int | None) -> tuple[SealedHeader, WorldState]:
        if height is None or height == self.height():
            return self._head, self._head_state
        sealed = self.block(height).block.sealed
        retained = self.chain.retained()
        if not any(version == height for version, _ in retained):
            oldest = retained[0][0] if retained else self.height()
            raise NotFound(
                f"state at height {height} is pruned; heights {oldest}..{self.height()} "
                "are retained"
            )
        return sealed, WorldState(self.chain.nodes, sealed.header.state_root)

    def account(
        self, address: bytes, height: int | None = None, prove: bool = False
    ) -> AccountView:
        """Balance and code hash at `height` (default head), with a proof if asked."""
        _check_address(address, "address")
        header, world = self._state_at(height)
        account = world.account(address)
        proof = tuple(world.prove_account(address)) if prove else ()
        return AccountView(
            address, account.balance, account.code_hash, header.header.height, proof, header
        )

    def storage(
        self, contract: bytes, key: bytes, height: int | None = None, prove: bool = False
    ) -> StorageView:
        """A contract's storage value at `height` (default head), with a proof if asked."""
        _check_address(contract, "contract")
        header, world = self._state_at(height)
        value = world.storage(contract, key)
        proof = tuple(world.prove_storage(contract, key)) if prove else ()
        return StorageView(value, bool(value), header.header.height, proof, header)

    def call(
        self,
        sender: bytes,
        contract: bytes,
        selector: bytes,
        args: bytes,
        value: int = 0,
        height: int | None = None,
        gas_limit: int | None = None,
        *,
        timestamp_ms: int | None = None,
    ) -> CallOutcome:
        """Run a call read-only on a throwaway overlay of the state at `height` (default
        head), as if in the next block (height + 1, stamped `timestamp_ms` or the header's).
        Nothing persists. gas_used estimates a Call tx: its intrinsic gas plus the VM's."""
        _check_address(sender, "sender")
        _check_address(contract, "contract")
        at = self._state_at(height)[0].header
        gas = self.params.block_gas_limit if gas_limit is None else gas_limit
        intrinsic = intrinsic_gas(
            len(self._call_body(sender, contract, selector, args, value, at.height + 1, gas))
        )
        world = WorldState(self.chain.nodes, at.state_root)
        stamp = at.timestamp_ms if timestamp_ms is None else timestamp_ms
        ctx = TxContext(world, at.height + 1, stamp, self.params.chain_id)
        if world.balance(sender) < value:
            outcome = plus_gas(_insufficient(sender, value, world.balance(sender)), intrinsic)
        else:
            vm_gas = max(gas - intrinsic, 0)
            outcome = plus_gas(
                run_call(ctx, sender, contract, selector, args, value, vm_gas), intrinsic
            )
        return CallOutcome(
            outcome.status,
            outcome.return_value,
            outcome.gas_used,
            block_events(ctx.events, 0),
            outcome.error,
            at.height,
        )

    def _call_body(
        self,
        sender: bytes,
        contract: bytes,
        selector: bytes,
        args: bytes,
        value: int,
        next_height: int,
        gas_limit: int,
    ) -> bytes:
        """The body of the Call tx a client would send for this call (for its intrinsic gas)."""
        body = TxBody(
            chain_id=self.params.chain_id,
            sender=sender,
            first_valid=next_height,
            last_valid=next_height + self.params.max_validity_window,
            gas_limit=gas_limit,
            gas_price=self.params.min_gas_price,
            payload=Call(contract=contract, function=selector, args=args, value=value),
        )
        try:
            return encode_body(body)
        except (TxRejected, ValueError) as exc:
            raise InvalidQuery(f"call cannot be expressed as a transaction: {exc}") from None

    def close(self) -> None:
        """Close the underlying store."""
        self._pending.clear()
        self._blocks.clear()
        self.chain.close()


def _insufficient(sender: bytes, value: int, balance: int) -> Outcome:
    return Outcome(
        Status.INSUFFICIENT_FUNDS.value,
        0,
        error=f"sender 0x{sender.hex()} has {balance}, cannot send value {value}",
    )


def _check_result(header: BlockHeader, result: BlockResult) -> None:
    """The re-executed block matches its header, and no tx of it was invalid."""
    if result.skipped:
        first = result.skipped[0]
        raise InvalidBlock(
            BlockReason.BAD_TRANSACTION,
            f"block {header.height} includes a tx that cannot be included: {first}",
        )
    if header.gas_used != result.gas_used:
        raise InvalidBlock(
            BlockReason.GAS_USED_MISMATCH,
            f"block {header.height} header gas_used {header.gas_used} != re-executed "
            f"{result.gas_used}",
        )
    receipts_root = merkle_root(result.receipt_bytes)
    roots = (
        (BlockReason.STATE_ROOT_MISMATCH, "state_root", header.state_root, result.state_root),
        (BlockReason.RECEIPTS_ROOT_MISMATCH, "receipts_root", header.receipts_root, receipts_root),
    )
    for reason, name, claimed, computed in roots:
        if claimed != computed:
            raise InvalidBlock(
                reason,
                f"block {header.height} header {name} {claimed.hex()} != re-executed "
                f"{computed.hex()}",
            )


def _write_genesis(chain: ChainStore, genesis: Genesis, retain: int) -> None:
    """Block 0: the alloc in the state, the unsealed genesis header, no txs, one batch."""
    world = WorldState(chain.nodes)
    for address, amount in genesis.alloc:
        if amount:
            world.set_balance(address, amount)
    root = world.root()
    diff = world.collect()
    header = genesis_header(genesis, root)
    block = Block(SealedHeader(header, header.to_bytes(), b"", b""), ())
    chain.write_block(block, (), diff, retain=retain, genesis_text=genesis.to_json())
