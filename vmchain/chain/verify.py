"""Full re-verification of a chain store from genesis, and the node's start-up self-check.

`verify_chain(store)` re-executes every stored block, from the stored genesis, into a fresh
in-memory Ledger with the same executor (`Ledger.apply` + `commit`) and checks, block by block:
the block bytes decode canonically with valid tx signatures, the hash index, the seal against
the genesis authorities, the header rules (`check_child`, `check_limits`), the tx root, gas
used, state root and receipts root, the stored receipts equal the re-executed ones byte for
byte, and every tx id's index entry is (height, index). At the end: no block, receipts or hash
entry beyond the head, no tx index entry more than the chain's txs, and the stored state journal
and trie at the head agree with the head header. It yields a `Verified` after each block; the
first problem raises `VerifyFailed` naming the height and the field.

`check_recent_blocks(ledger, count)` is the node's start-up check (DESIGN 13): the last `count`
blocks re-executed on their parents' retained state (`Ledger.reexecute`) and their tx index
entries; CorruptStore names the first bad block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vmchain.chain.block import Block, decode_block, verify_seal
from vmchain.chain.errors import BlockReason, ChainError, CorruptStore, InvalidBlock, NotFound
from vmchain.chain.executor import BlockEnv, execute_block
from vmchain.chain.genesis import Genesis, genesis_from_json
from vmchain.chain.ledger import Ledger
from vmchain.chain.merkle import merkle_root
from vmchain.chain.store import (
    BLOCK_HASHES_CF,
    COLUMN_FAMILIES,
    TX_INDEX_CF,
    ChainStore,
    TxLocation,
    memory_store,
)
from vmchain.state.errors import StateError
from vmchain.state.kv import Store
from vmchain.state.rocks import RocksStore
from vmchain.state.trie import Trie
from vmchain.state.world import WorldState

DEFAULT_CHECK_BLOCKS = 6

# Which header field a block rule names when it fails (Ledger.apply's InvalidBlock reasons).
FIELD_OF_REASON: dict[BlockReason, str] = {
    BlockReason.MALFORMED: "block bytes",
    BlockReason.NON_CANONICAL: "block bytes",
    BlockReason.BAD_SEAL: "seal",
    BlockReason.WRONG_PROPOSER: "seal",
    BlockReason.NOT_AUTHORITY: "seal",
    BlockReason.WRONG_CHAIN_ID: "chain_id",
    BlockReason.WRONG_HEIGHT: "height",
    BlockReason.WRONG_PARENT: "parent_hash",
    BlockReason.TIMESTAMP_DECREASED: "timestamp_ms",
    BlockReason.TOO_FAR_IN_FUTURE: "timestamp_ms",
    BlockReason.TX_COUNT_MISMATCH: "tx_count",
    BlockReason.TX_ROOT_MISMATCH: "tx_root",
    BlockReason.OVER_LIMIT: "limits",
    BlockReason.BAD_TRANSACTION: "transactions",
    BlockReason.GAS_USED_MISMATCH: "gas_used",
    BlockReason.STATE_ROOT_MISMATCH: "state_root",
    BlockReason.RECEIPTS_ROOT_MISMATCH: "receipts_root",
}


class VerifyFailed(ChainError):
    """The store fails verification: `height` (None: the store as a whole) and `field` say
    where, the message says what was stored and what re-execution gave."""

    def __init__(
        self, height: int | None, field: str, detail: str, *, mismatch: bool = False
    ) -> None:
        where = "store" if height is None else f"block {height}"
        super().__init__(f"{where}: {field}{' mismatch' if mismatch else ''}: {detail}")
        self.height = height
        self.field = field
        self.detail = detail


def _mismatch(height: int, field: str, stored: object, computed: object) -> VerifyFailed:
    show = [v.hex() if isinstance(v, bytes) else str(v) for v in (stored, computed)]
    return VerifyFailed(height, field, f"stored {show[0]}, re-executed {show[1]}", mismatch=True)


@dataclass(frozen=True, slots=True)
class Verified:
    """Progress: blocks 0..height verified, `txs` transactions so far, the state root."""

    height: int
    head: int
    txs: int
    state_root: bytes


def open_read_only(path: str) -> RocksStore:
    """The chain's RocksDB at `path`, read-only: no lock taken, so a running node may hold it.
    StoreError if there is no database there."""
    return RocksStore(path, COLUMN_FAMILIES, read_only=True)


class _HeadView:
    """The executor's view of the fresh ledger's head (for a diagnostic re-execution)."""

    __slots__ = ("_ledger",)

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def state(self) -> WorldState:
        return WorldState(self._ledger.chain.nodes, self._ledger.head().header.state_root)

    def has_tx(self, tx_id: bytes) -> bool:
        return self._ledger.has_tx(tx_id)


def verify_chain(store: Store) -> Iterator[Verified]:
    """Re-verify every block of the chain in `store` (see the module docstring); yields after
    each block, block 0 first. VerifyFailed on the first problem."""
    chain = ChainStore(store)
    genesis, head = _genesis_and_head(chain)
    fresh = Ledger.open(memory_store(), genesis, retain_heights=1)
    _check_block_zero(chain, fresh)
    txs = 0
    yield Verified(0, head, 0, fresh.head().header.state_root)
    for height in range(1, head + 1):
        txs += _verify_block(chain, fresh, genesis, height)
        yield Verified(height, head, txs, fresh.head().header.state_root)
    _check_head(chain, fresh, head, txs)


def _genesis_and_head(chain: ChainStore) -> tuple[Genesis, int]:
    text = chain.genesis_text()
    if text is None:
        raise VerifyFailed(None, "genesis", "the store holds no genesis (not a vmchain store?)")
    try:
        genesis = genesis_from_json(text)
    except ChainError as exc:
        raise VerifyFailed(None, "genesis", f"the stored genesis does not parse: {exc}") from None
    head = chain.head_height()
    if head is None:
        raise VerifyFailed(None, "head", "the store has a genesis but no head pointer")
    return genesis, head


def _check_block_zero(chain: ChainStore, fresh: Ledger) -> None:
    stored = chain.block_bytes(0)
    expected = fresh.block(0).block.to_bytes()
    if stored is None:
        raise VerifyFailed(0, "block bytes", "block 0 is missing from the store")
    if stored != expected:
        raise _mismatch(0, "genesis block", stored, expected)
    if chain.receipts(0) != []:
        raise VerifyFailed(0, "receipts", "the genesis block has stored receipts")
    if chain.height_of(fresh.head().hash) != 0:
        raise VerifyFailed(0, "block_hashes", "the genesis hash does not map to height 0")


def _load(chain: ChainStore, height: int) -> tuple[Block, list[bytes]]:
    raw = chain.block_bytes(height)
    if raw is None:
        raise VerifyFailed(height, "block bytes", "missing from the store")
    try:
        block = decode_block(raw)
    except InvalidBlock as exc:
        raise VerifyFailed(height, FIELD_OF_REASON[exc.reason], exc.message) from None
    if block.height != height:
        raise _mismatch(height, "height", block.height, height)
    try:
        receipts = chain.receipts(height)
    except CorruptStore as exc:
        raise VerifyFailed(height, "receipts", str(exc)) from None
    if receipts is None:
        raise VerifyFailed(height, "receipts", "missing from the store")
    return block, receipts


def _verify_block(chain: ChainStore, fresh: Ledger, genesis: Genesis, height: int) -> int:
    """Check and re-execute block `height` on `fresh`, commit it there; its tx count."""
    block, stored_receipts = _load(chain, height)
    try:
        verify_seal(block.sealed, genesis.authorities)  # apply checks it too; kept explicit
        sealed = fresh.apply(block)
    except InvalidBlock as exc:
        raise _explain(fresh, block, exc) from None
    computed = [receipt.to_bytes() for receipt in sealed.receipts]
    if len(computed) != len(stored_receipts):
        raise _mismatch(height, "receipt count", len(stored_receipts), len(computed))
    for index, (stored, again) in enumerate(zip(stored_receipts, computed, strict=True)):
        if stored != again:
            raise _mismatch(height, f"receipt {index}", stored, again)
    _check_tx_index(chain, block)
    if chain.height_of(block.hash) != height:
        raise _mismatch(height, "block_hashes entry", chain.height_of(block.hash), height)
    fresh.commit(sealed)
    return len(block.txs)


def _explain(fresh: Ledger, block: Block, exc: InvalidBlock) -> VerifyFailed:
    """A failed rule as a VerifyFailed; root and gas mismatches with both values, found by
    re-executing the block once more on the fresh head."""
    header = block.header
    field = FIELD_OF_REASON[exc.reason]
    if exc.reason not in (
        BlockReason.GAS_USED_MISMATCH,
        BlockReason.STATE_ROOT_MISMATCH,
        BlockReason.RECEIPTS_ROOT_MISMATCH,
    ):
        return VerifyFailed(header.height, field, exc.message)
    env = BlockEnv(fresh.params, header.height, header.timestamp_ms, header.proposer)
    result = execute_block(_HeadView(fresh), block, env)
    computed = {
        "gas_used": (header.gas_used, result.gas_used),
        "state_root": (header.state_root, result.state_root),
        "receipts_root": (header.receipts_root, merkle_root(result.receipt_bytes)),
    }
    stored, again = computed[field]
    return _mismatch(header.height, field, stored, again)


def _check_tx_index(chain: ChainStore, block: Block) -> None:
    for index, tx in enumerate(block.txs):
        location = chain.tx_location(tx.tx_id)
        if location != TxLocation(block.height, index):
            where = "missing" if location is None else f"{location.height}/{location.index}"
            raise VerifyFailed(
                block.height,
                "tx_index",
                f"tx {index} (0x{tx.tx_id.hex()}) is indexed at {where}, "
                f"expected {block.height}/{index}",
            )


def _check_head(chain: ChainStore, fresh: Ledger, head: int, txs: int) -> None:
    """Nothing beyond the head, index sizes match the chain, the state at the head resolves."""
    if chain.block_bytes(head + 1) is not None or chain.receipts(head + 1) is not None:
        raise VerifyFailed(head + 1, "head", f"stored beyond the head pointer {head}")
    counts = (
        (TX_INDEX_CF, txs, "tx_index"),
        (BLOCK_HASHES_CF, head + 1, "block_hashes"),
    )
    for cf, expected, field in counts:
        found = sum(1 for _ in chain.store.cf(cf).items())
        if found != expected:
            raise VerifyFailed(None, field, f"{found} entries, the chain has {expected}")
    root = fresh.head().header.state_root
    nodes = chain.nodes
    if nodes.head_version != head or nodes.head_root != root:
        raise VerifyFailed(
            head,
            "state journal",
            f"head version {nodes.head_version} root {nodes.head_root.hex()}, "
            f"expected version {head} root {root.hex()}",
        )
    try:
        for _ in Trie(nodes, root).items():
            pass
    except StateError as exc:
        raise VerifyFailed(head, "state", f"the stored trie at the head: {exc}") from None


def check_recent_blocks(
    ledger: Ledger,
    count: int = DEFAULT_CHECK_BLOCKS,
    *,
    before_each: Callable[[int], None] | None = None,
) -> list[int]:
    """Re-execute the last `count` committed blocks whose parents' state is retained, and
    check their tx index entries; CorruptStore naming the first bad block. The heights
    checked, oldest first (fewer than `count` near genesis or past the retained window).
    `before_each(height)` runs before each block is re-executed (the node's fail point)."""
    head = ledger.height()
    retained = {version for version, _ in ledger.chain.retained()}
    heights = [h for h in range(max(1, head - count + 1), head + 1) if h - 1 in retained]
    for height in heights:
        if before_each is not None:
            before_each(height)
        try:
            stored = ledger.reexecute(height)
        except (NotFound, InvalidBlock, StateError) as exc:
            raise CorruptStore(f"stored block {height} does not re-execute: {exc}") from None
        try:
            _check_tx_index(ledger.chain, stored.block)
        except VerifyFailed as exc:
            raise CorruptStore(f"start-up check: {exc}") from None
    return heights
