"""The chain store: blocks, receipts, the tx index, the head and the state trie in one Store.

Everything one block changes is written in ONE `Batch` and one synced `Store.write`: its trie
nodes and root journal (through the state layer's `NodeStore.stage`, which also prunes state
older than `retain` heights), the block bytes, its receipts, its tx index entries, its hash and
the head pointer. A crash leaves the old head or the new one, never a mix.

Column families (besides the trie's `trie_nodes` and `trie_journal`):

| column family  | key                  | value                                             |
|----------------|----------------------|---------------------------------------------------|
| `blocks`       | height (8, BE)       | canonical `Block` bytes (sealed header + txs)     |
| `block_hashes` | block hash (32)      | height (8, BE)                                    |
| `receipts`     | height (8, BE)       | the block's receipts, each varint-length-prefixed |
| `tx_index`     | tx id (32)           | height (8, BE) || index in the block (4, BE)      |
| `meta`         | `head` / `genesis`   | head height (8, BE) / genesis.json text           |

Block heights are also the trie versions, so the state at height h is readable while version h
is retained.

`rewind(height)` (a dev chain's revert) takes the head back to a retained height, again in ONE
synced batch: the blocks above it with their receipts, tx index entries and hashes go, the head
pointer moves, and the trie journal forgets the later versions (`NodeStore.stage_rewind`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vmchain.chain.block import Block, decode_block
from vmchain.chain.errors import CorruptStore
from vmchain.encoding.errors import EncodingError
from vmchain.encoding.varint import decode_bytes, encode_uvarint
from vmchain.state.kv import Batch, MemoryStore, Store
from vmchain.state.nodestore import DEFAULT_CACHE_NODES, NodeStore, Staged, TrieDiff
from vmchain.state.prune import TRIE_COLUMN_FAMILIES
from vmchain.state.rocks import RocksStore

BLOCKS_CF = "blocks"
BLOCK_HASHES_CF = "block_hashes"
RECEIPTS_CF = "receipts"
TX_INDEX_CF = "tx_index"
META_CF = "meta"
CHAIN_COLUMN_FAMILIES = (BLOCKS_CF, BLOCK_HASHES_CF, RECEIPTS_CF, TX_INDEX_CF, META_CF)
COLUMN_FAMILIES = (*TRIE_COLUMN_FAMILIES, *CHAIN_COLUMN_FAMILIES)

HEAD_KEY = b"head"
GENESIS_KEY = b"genesis"
HEIGHT_SIZE = 8
INDEX_SIZE = 4


def memory_store() -> MemoryStore:
    """An in-memory Store with every column family the chain uses (tests, dev tools)."""
    return MemoryStore(COLUMN_FAMILIES)


def open_rocks(path: str) -> RocksStore:
    """The RocksDB Store at `path` (created if missing) with the chain's column families."""
    return RocksStore(path, COLUMN_FAMILIES)


def height_key(height: int) -> bytes:
    return height.to_bytes(HEIGHT_SIZE, "big")


def encode_receipts(receipts: Sequence[bytes]) -> bytes:
    """A block's receipts as one value: each receipt's bytes, varint-length-prefixed."""
    return b"".join([encode_uvarint(len(r)) + r for r in receipts])


def decode_receipts(blob: bytes) -> list[bytes]:
    """The receipt bytes of `encode_receipts` output; CorruptStore if it does not split."""
    out = []
    pos = 0
    try:
        while pos < len(blob):
            raw, pos = decode_bytes(blob, pos)
            out.append(raw)
    except EncodingError as exc:
        raise CorruptStore(f"stored receipts do not split into records: {exc}") from None
    return out


@dataclass(frozen=True, slots=True)
class TxLocation:
    """Where a tx sits in the chain."""

    height: int
    index: int


class ChainStore:
    """Reads and the one-batch-per-block write over a Store with COLUMN_FAMILIES."""

    def __init__(self, store: Store, cache_nodes: int = DEFAULT_CACHE_NODES) -> None:
        self.store = store
        self.nodes = NodeStore(store, cache_nodes)
        self._blocks = store.cf(BLOCKS_CF)
        self._hashes = store.cf(BLOCK_HASHES_CF)
        self._receipts = store.cf(RECEIPTS_CF)
        self._tx_index = store.cf(TX_INDEX_CF)
        self._meta = store.cf(META_CF)

    # -- reads ---------------------------------------------------------------------------

    def head_height(self) -> int | None:
        """Height of the last written block, None for an empty store."""
        raw = self._meta.get(HEAD_KEY)
        return None if raw is None else int.from_bytes(raw, "big")

    def genesis_text(self) -> str | None:
        """The genesis.json text stored with block 0, None for an empty store."""
        raw = self._meta.get(GENESIS_KEY)
        return None if raw is None else raw.decode("utf-8")

    def block_bytes(self, height: int) -> bytes | None:
        return self._blocks.get(height_key(height))

    def height_of(self, block_hash: bytes) -> int | None:
        raw = self._hashes.get(block_hash)
        return None if raw is None else int.from_bytes(raw, "big")

    def receipts(self, height: int) -> list[bytes] | None:
        """The canonical receipt bytes of the block at `height`, in block order."""
        blob = self._receipts.get(height_key(height))
        return None if blob is None else decode_receipts(blob)

    def tx_location(self, tx_id: bytes) -> TxLocation | None:
        raw = self._tx_index.get(tx_id)
        if raw is None:
            return None
        return TxLocation(int.from_bytes(raw[:HEIGHT_SIZE], "big"), int.from_bytes(raw[8:], "big"))

    def has_tx(self, tx_id: bytes) -> bool:
        return self._tx_index.get(tx_id) is not None

    def retained(self) -> list[tuple[int, bytes]]:
        """(height, state root) of every height whose state is still readable, oldest first."""
        return self.nodes.retained()

    # -- the block write -----------------------------------------------------------------

    def stage_block(
        self,
        batch: Batch,
        block: Block,
        receipts: Sequence[bytes],
        diff: TrieDiff,
        retain: int,
    ) -> Staged:
        """Add everything `block` changes to `batch`; pass the result to `applied`."""
        height = block.height
        key = height_key(height)
        staged = self.nodes.stage(diff, batch, version=height, retain=retain)
        batch.put(BLOCKS_CF, key, block.to_bytes())
        batch.put(BLOCK_HASHES_CF, block.hash, key)
        batch.put(RECEIPTS_CF, key, encode_receipts(receipts))
        batch.column(TX_INDEX_CF).update(
            {tx.tx_id: key + i.to_bytes(INDEX_SIZE, "big") for i, tx in enumerate(block.txs)}
        )
        batch.put(META_CF, HEAD_KEY, key)
        return staged

    def write_block(
        self,
        block: Block,
        receipts: Sequence[bytes],
        diff: TrieDiff,
        *,
        retain: int,
        genesis_text: str | None = None,
    ) -> None:
        """Write `block` (a child of the head, or block 0 with `genesis_text`) in one batch."""
        head = self.head_height()
        expected = 0 if head is None else head + 1
        if block.height != expected or (genesis_text is None) != (expected > 0):
            raise CorruptStore(
                f"cannot write block {block.height} on stored head {head} "
                f"({'with' if genesis_text is not None else 'without'} a genesis)"
            )
        batch = Batch()
        staged = self.stage_block(batch, block, receipts, diff, retain)
        if genesis_text is not None:
            batch.put(META_CF, GENESIS_KEY, genesis_text.encode("utf-8"))
        self.store.write(batch)
        self.nodes.applied(staged)

    # -- rewinding (dev chains) ----------------------------------------------------------

    def stage_rewind(self, batch: Batch, height: int) -> Staged:
        """Add, to `batch`, taking the head back to `height` (its state must be retained):
        delete every block above it with its receipts, tx index entries and hash, point the
        head at it and rewind the trie versions. Pass the result to `nodes.applied`."""
        head = self.head_height()
        if head is None or not 0 <= height <= head:
            raise CorruptStore(f"cannot rewind to height {height}: the stored head is {head}")
        staged = self.nodes.stage_rewind(batch, height)
        for above in range(height + 1, head + 1):
            key = height_key(above)
            raw = self._blocks.get(key)
            if raw is None:
                raise CorruptStore(f"block {above} is missing from the store (head {head})")
            block = decode_block(raw, trusted=True)
            batch.delete(BLOCKS_CF, key)
            batch.delete(RECEIPTS_CF, key)
            batch.delete(BLOCK_HASHES_CF, block.hash)
            for tx in block.txs:
                batch.delete(TX_INDEX_CF, tx.tx_id)
        batch.put(META_CF, HEAD_KEY, height_key(height))
        return staged

    def rewind(self, height: int) -> None:
        """`stage_rewind` in one batch of its own, written (synced) and applied."""
        batch = Batch()
        staged = self.stage_rewind(batch, height)
        self.store.write(batch)
        self.nodes.applied(staged)

    def close(self) -> None:
        self.store.close()
