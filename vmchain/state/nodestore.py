"""Where trie nodes live: a Store's trie column families plus a cache of decoded nodes.

Committing is two-phase so that a block's trie nodes share one batch with everything else
the block writes::

    diff = trie.collect()                               # pure, nothing written
    staged = nodes.stage(diff, batch, version=height, retain=128)
    ...                                                 # caller adds block, receipts, head
    store.write(batch)                                  # one synced WriteBatch
    nodes.applied(staged); trie.committed(diff)

``NodeStore.write`` and ``Trie.commit`` do the same with a batch of their own. Commits are
linear: each diff must start from the root the store last committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import sha256
from itertools import islice

from vmchain.state.errors import MissingNode, NonLinearCommit, StateError
from vmchain.state.kv import Batch, MemoryStore, Store
from vmchain.state.node import (
    BRANCH,
    EMPTY_ROOT,
    EXTENSION,
    DirtyNode,
    StoredNode,
    decode_node,
)
from vmchain.state.prune import (
    BORN_SIZE,
    JOURNAL_CF,
    NODES_CF,
    TRIE_COLUMN_FAMILIES,
    load_versions,
    removed_key,
    root_key,
    split_hashes,
    stage_removals,
)

DEFAULT_CACHE_NODES = 250_000


@dataclass(frozen=True, slots=True)
class TrieDiff:
    """What one commit changes: the new nodes (sealed, parents first) and the hashes of
    the stored nodes they replaced."""

    base: bytes
    root: bytes
    nodes: tuple[DirtyNode, ...]
    removed: tuple[bytes, ...]
    tree: DirtyNode | None = field(default=None, compare=False, repr=False)

    def writes(self) -> list[tuple[bytes, bytes]]:
        """(hash, encoding) of every new node."""
        return [(node[3], node[4]) for node in self.nodes]


@dataclass(slots=True)
class Staged:
    """A commit or prune added to a batch, not yet known to be written."""

    version: int
    root: bytes
    versions: list[tuple[int, bytes]]
    nodes: tuple[DirtyNode, ...] = ()
    deleted: list[bytes] = field(default_factory=list)


class NodeStore:
    """Trie nodes over a Store, with a root journal for pruning and a node cache.

    One thread commits; other threads may read through their own ``Trie`` objects at the
    same time (cache updates are single dict operations)."""

    def __init__(self, store: Store, cache_nodes: int = DEFAULT_CACHE_NODES) -> None:
        self.store = store
        self._nodes_kv = store.cf(NODES_CF)
        self._journal = store.cf(JOURNAL_CF)
        self._cache_limit = cache_nodes
        self.cache: dict[bytes, StoredNode] = {}
        self._versions = load_versions(self._journal)

    @classmethod
    def memory(cls, cache_nodes: int = DEFAULT_CACHE_NODES) -> NodeStore:
        """A node store over a fresh MemoryStore."""
        return cls(MemoryStore(TRIE_COLUMN_FAMILIES), cache_nodes)

    @property
    def head_version(self) -> int:
        """The version of the last commit, -1 before the first."""
        return self._versions[-1][0] if self._versions else -1

    @property
    def head_root(self) -> bytes:
        """The root of the last commit (the empty root before the first)."""
        return self._versions[-1][1] if self._versions else EMPTY_ROOT

    def retained(self) -> list[tuple[int, bytes]]:
        """Every (version, root) still readable, oldest first."""
        return list(self._versions)

    def load(self, node_hash: bytes) -> StoredNode:
        """The decoded node with this hash, from the cache or the store."""
        node = self.cache.get(node_hash)
        if node is not None:
            return node
        stored = self._nodes_kv.get(node_hash)
        if stored is None:
            raise MissingNode(node_hash)
        encoding = stored[BORN_SIZE:]
        if sha256(encoding).digest() != node_hash:
            raise StateError(f"stored trie node {node_hash.hex()} does not match its hash")
        node = decode_node(encoding, node_hash, int.from_bytes(stored[:BORN_SIZE], "big"))
        self.cache[node_hash] = node
        if len(self.cache) > self._cache_limit:
            self._trim()
        return node

    def stored_nodes(self) -> int:
        """How many nodes the store holds (walks the column family: for tests and tools)."""
        return sum(1 for _ in self._nodes_kv.items())

    # -- staging -------------------------------------------------------------------------

    def stage(
        self,
        diff: TrieDiff,
        batch: Batch,
        version: int | None = None,
        retain: int | None = None,
    ) -> Staged:
        """Add ``diff`` as ``version`` (default: head + 1) to ``batch``; with ``retain``,
        also prune to the last ``retain`` versions. Call ``applied`` once it is written."""
        if diff.base != self.head_root:
            raise NonLinearCommit(
                f"diff starts from root {diff.base.hex()}, head is {self.head_root.hex()}"
            )
        head = self.head_version
        if version is None:
            version = head + 1
        elif version <= head or version >= 1 << 64:
            raise StateError(f"commit version {version} is not in (head {head}, 2**64)")
        born = version.to_bytes(BORN_SIZE, "big")
        node_ops = batch.column(NODES_CF)
        for node in diff.nodes:
            node_ops[node[3]] = born + node[4]
        batch.put(JOURNAL_CF, root_key(version), diff.root)
        if diff.removed:
            batch.put(JOURNAL_CF, removed_key(version), b"".join(diff.removed))
        staged = Staged(version, diff.root, [*self._versions, (version, diff.root)], diff.nodes)
        if retain is not None:
            self._stage_prune(staged, batch, retain, diff.removed)
        return staged

    def stage_prune(self, batch: Batch, retain: int) -> Staged:
        """Add the pruning of all but the last ``retain`` versions to ``batch``."""
        staged = Staged(self.head_version, self.head_root, list(self._versions))
        self._stage_prune(staged, batch, retain, None)
        return staged

    def _stage_prune(
        self, staged: Staged, batch: Batch, retain: int, pending: tuple[bytes, ...] | None
    ) -> None:
        """Prune ``staged.versions`` to the last ``retain``; ``pending`` is the removal list
        of ``staged.version`` when that commit is in ``batch`` rather than the store."""
        if retain < 1:
            raise StateError(f"must retain at least one version, asked for {retain}")
        versions = staged.versions
        cut = len(versions) - retain
        if cut <= 0:
            return
        removals: list[tuple[int, list[bytes] | tuple[bytes, ...]]] = []
        for version, _ in versions[1 : cut + 1]:
            if pending is not None and version == staged.version:
                removals.append((version, pending))
                continue
            blob = self._journal.get(removed_key(version))
            if blob:
                removals.append((version, split_hashes(blob)))
        staged.deleted = stage_removals(removals, batch, self.cache, self._nodes_kv)
        journal_ops = batch.column(JOURNAL_CF)
        for version, _ in versions[:cut]:
            journal_ops[root_key(version)] = None
            journal_ops[removed_key(version)] = None
        journal_ops[removed_key(versions[cut][0])] = None
        staged.versions = versions[cut:]

    def applied(self, staged: Staged) -> None:
        """Record that the batch holding ``staged`` is written: move head, cache the new
        nodes. Pruned nodes may linger in the cache until evicted; they are never wrong,
        only no longer guaranteed to be readable."""
        self._versions = staged.versions
        cache = self.cache
        born = (staged.version,)
        for node in staged.nodes:
            cache[node[3]] = node[5] + born
        if len(cache) > self._cache_limit:
            self._trim()

    def write(self, diff: TrieDiff, version: int | None = None, retain: int | None = None) -> None:
        """Stage ``diff`` in a batch of its own, write it (synced) and apply it."""
        batch = Batch()
        staged = self.stage(diff, batch, version, retain)
        self.store.write(batch)
        self.applied(staged)

    def prune(self, retain: int) -> int:
        """Prune to the last ``retain`` versions in one batch; return how many nodes went."""
        batch = Batch()
        staged = self.stage_prune(batch, retain)
        self.store.write(batch)
        self.applied(staged)
        return len(staged.deleted)

    def stage_rewind(self, batch: Batch, version: int) -> Staged:
        """Add, to ``batch``, making the retained ``version`` the head again (a dev chain's
        revert). Later versions are forgotten; the nodes only they used stay until
        ``sweep``. Pruning stays correct: it may only keep such nodes longer."""
        index = next((i for i, (v, _) in enumerate(self._versions) if v == version), None)
        if index is None:
            kept = [v for v, _ in self._versions]
            raise StateError(f"cannot rewind to version {version}: retained are {kept}")
        journal_ops = batch.column(JOURNAL_CF)
        for later, _ in self._versions[index + 1 :]:
            journal_ops[root_key(later)] = None
            journal_ops[removed_key(later)] = None
        return Staged(version, self._versions[index][1], self._versions[: index + 1])

    def rewind(self, version: int) -> None:
        """``stage_rewind`` in a batch of its own, written and applied."""
        batch = Batch()
        staged = self.stage_rewind(batch, version)
        self.store.write(batch)
        self.applied(staged)

    def sweep(self) -> int:
        """Delete every stored node that no retained root reaches; return how many went.
        Mark and sweep, O(state): commits and pruning never need it; it reclaims what
        ``rewind`` leaves behind."""
        marked: set[bytes] = set()
        for _, root in self._versions:
            stack = [] if root == EMPTY_ROOT else [root]
            while stack:
                node_hash = stack.pop()
                if node_hash in marked:
                    continue
                marked.add(node_hash)
                node = self.load(node_hash)
                if node[0] == BRANCH:
                    stack.extend(child for child in node[1] if child is not None)
                elif node[0] == EXTENSION:
                    stack.append(node[2])
        batch = Batch()
        node_ops = batch.column(NODES_CF)
        for key, _ in self._nodes_kv.items():
            if key not in marked:
                node_ops[key] = None
        self.store.write(batch)
        for key in node_ops:
            self.cache.pop(key, None)
        return len(node_ops)

    # -- cache ---------------------------------------------------------------------------

    def _trim(self) -> None:
        """Forget the oldest eighth of the cache (insertion order) once over the limit."""
        cache = self.cache
        excess = len(cache) - (self._cache_limit - self._cache_limit // 8)
        if excess > 0:
            for h in list(islice(cache, excess)):
                cache.pop(h, None)
