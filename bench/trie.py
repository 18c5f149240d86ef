"""Benchmark: vmchain's state trie against Ethereum's py-trie (HexaryTrie), both on RocksDB.

One process, one run, the same workload through both: insert ``--keys`` random 32-byte
keys with 40-byte values (one commit), then ``--updates`` updates committed in batches of
``--batch`` (one synced RocksDB WriteBatch per batch, as a block would), then ``--proofs``
proof generations and verifications. py-trie gets a dict-like adapter over the same
RocksStore code, collecting each ``squash_changes()`` batch into one WriteBatch.

    .venv/bin/python bench/trie.py [--keys 100000] [--updates 20000] [--retain 16]

vmchain runs twice: as an archive (nothing pruned, the same work py-trie does: the RESULT
figures) and pruning to the last ``--retain`` versions in every commit (how the chain runs
it; printed on its own line). The last line is ``RESULT trie_updates_per_s=<n>
pytrie_updates_per_s=<n> ratio=<n> proofs_verified_per_s=<n>``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vmchain.state.kv import Batch
from vmchain.state.nodestore import NodeStore
from vmchain.state.proof import verify_proof
from vmchain.state.prune import TRIE_COLUMN_FAMILIES
from vmchain.state.rocks import DEFAULT_WRITE_BUFFER_BYTES, RocksStore
from vmchain.state.trie import Trie

PYTRIE_CF = "pytrie"


def load_hexary_trie() -> Any:
    """py-trie's HexaryTrie. This file is also named trie.py, so its own directory (first on
    sys.path when run as a script) must not shadow the ``trie`` package."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    return importlib.import_module("trie").HexaryTrie


@dataclass(frozen=True)
class Workload:
    inserts: list[tuple[bytes, bytes]]
    batches: list[list[tuple[bytes, bytes]]]
    proof_keys: list[bytes]


@dataclass(frozen=True)
class Figures:
    insert_per_s: float
    insert_commit_s: float
    updates_per_s: float
    proofs_generated_per_s: float
    proofs_verified_per_s: float


def make_workload(args: argparse.Namespace) -> Workload:
    rng = random.Random(args.seed)
    inserts = [(rng.randbytes(32), rng.randbytes(args.value_size)) for _ in range(args.keys)]
    keys = [k for k, _ in inserts]
    updates = [
        (keys[rng.randrange(len(keys))], rng.randbytes(args.value_size))
        for _ in range(args.updates)
    ]
    batches = [updates[i : i + args.batch] for i in range(0, len(updates), args.batch)]
    proof_keys = [keys[rng.randrange(len(keys))] for _ in range(args.proofs)]
    return Workload(inserts, batches, proof_keys)


def final_contents(work: Workload) -> dict[bytes, bytes]:
    contents = dict(work.inserts)
    for batch in work.batches:
        contents.update(batch)
    return contents


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- vmchain ---------------------------------------------------------------------------------


def run_vmchain(
    work: Workload, path: Path, args: argparse.Namespace, retain: int | None
) -> Figures:
    store = RocksStore(str(path), TRIE_COLUMN_FAMILIES, args.write_buffer_mb << 20)
    nodes = NodeStore(store, cache_nodes=args.cache_nodes)
    trie = Trie(nodes)

    def insert() -> None:
        for key, value in work.inserts:
            trie.put(key, value)

    insert_s = timed(insert)

    def commit() -> None:
        trie.commit(retain=retain)

    commit_s = timed(commit)

    def update() -> None:
        for batch in work.batches:
            for key, value in batch:
                trie.put(key, value)
            trie.commit(retain=retain)

    update_s = timed(update)
    root = trie.root()
    proofs: list[list[bytes]] = []
    prove_s = timed(lambda: proofs.extend(trie.prove(k) for k in work.proof_keys))
    expected = final_contents(work)
    values: list[bytes | None] = []

    def verify() -> None:
        for key, proof in zip(work.proof_keys, proofs, strict=True):
            values.append(verify_proof(root, key, proof))

    verify_s = timed(verify)
    check(values, [expected[k] for k in work.proof_keys], "vmchain proofs")
    check([trie.get(k) for k in work.proof_keys], [expected[k] for k in work.proof_keys], "get")
    print(f"vmchain: {nodes.stored_nodes()} nodes stored (pruning to last {retain or 'all'})")
    store.close()
    return figures(work, insert_s, commit_s, update_s, prove_s, verify_s)


# -- py-trie ---------------------------------------------------------------------------------


class BatchingDB:
    """A dict-like view of one RocksStore column family whose writes wait for ``flush``."""

    def __init__(self, store: RocksStore, cf: str) -> None:
        self._store = store
        self._cf = cf
        self._kv = store.cf(cf)
        self._pending: dict[bytes, bytes | None] = {}

    def __getitem__(self, key: bytes) -> bytes:
        value = self._pending.get(key) if key in self._pending else self._kv.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._pending[key] = value

    def __delitem__(self, key: bytes) -> None:
        self._pending[key] = None

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def flush(self) -> None:
        batch = Batch()
        batch.ops[self._cf] = self._pending
        self._store.write(batch)
        self._pending = {}


def run_pytrie(work: Workload, path: Path, args: argparse.Namespace) -> Figures:
    hexary_trie = load_hexary_trie()
    clear = getattr(hexary_trie._cached_create_node_to_db_mapping, "cache_clear", None)
    if clear is not None:
        clear()
    store = RocksStore(str(path), [PYTRIE_CF], args.write_buffer_mb << 20)
    db = BatchingDB(store, PYTRIE_CF)
    trie = hexary_trie(db)

    def insert() -> None:
        with trie.squash_changes() as scratch:
            for key, value in work.inserts:
                scratch[key] = value

    insert_s = timed(insert)
    commit_s = timed(db.flush)

    def update() -> None:
        for batch in work.batches:
            with trie.squash_changes() as scratch:
                for key, value in batch:
                    scratch[key] = value
            db.flush()

    update_s = timed(update)
    root = trie.root_hash
    proofs: list[object] = []
    prove_s = timed(lambda: proofs.extend(trie.get_proof(k) for k in work.proof_keys))
    expected = final_contents(work)
    values: list[bytes] = []

    def verify() -> None:
        for key, proof in zip(work.proof_keys, proofs, strict=True):
            values.append(hexary_trie.get_from_proof(root, key, proof))

    verify_s = timed(verify)
    check(values, [expected[k] for k in work.proof_keys], "py-trie proofs")
    store.close()
    return figures(work, insert_s, commit_s, update_s, prove_s, verify_s)


# -- reporting -------------------------------------------------------------------------------


def figures(
    work: Workload,
    insert_s: float,
    commit_s: float,
    update_s: float,
    prove_s: float,
    verify_s: float,
) -> Figures:
    updates = sum(len(b) for b in work.batches)
    return Figures(
        insert_per_s=len(work.inserts) / (insert_s + commit_s),
        insert_commit_s=commit_s,
        updates_per_s=updates / update_s,
        proofs_generated_per_s=len(work.proof_keys) / prove_s,
        proofs_verified_per_s=len(work.proof_keys) / verify_s,
    )


def check(got: list[bytes | None] | list[bytes], want: list[bytes], what: str) -> None:
    if got != want:
        sys.exit(f"{what}: results differ from the expected values")


def show(name: str, f: Figures) -> None:
    print(
        f"{name}: insert_per_s={f.insert_per_s:.0f} (final commit {f.insert_commit_s:.2f}s) "
        f"updates_per_s={f.updates_per_s:.0f} proofs_generated_per_s="
        f"{f.proofs_generated_per_s:.0f} proofs_verified_per_s={f.proofs_verified_per_s:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--proofs", type=int, default=10_000)
    parser.add_argument("--value-size", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--retain", type=int, default=16, help="versions kept in the pruning run (0: no such run)"
    )
    parser.add_argument("--cache-nodes", type=int, default=250_000)
    parser.add_argument(
        "--write-buffer-mb",
        type=int,
        default=DEFAULT_WRITE_BUFFER_BYTES >> 20,
        help="RocksDB memtable size, for both tries",
    )
    parser.add_argument("--dir", default=None, help="where the databases go (default: a tmp dir)")
    args = parser.parse_args()
    work = make_workload(args)
    print(
        f"workload: {args.keys} keys, {args.updates} updates in batches of {args.batch}, "
        f"{args.proofs} proofs; node cache {args.cache_nodes} nodes; "
        f"memtables {args.write_buffer_mb} MiB"
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        ours = run_vmchain(work, Path(tmp) / "vmchain", args, None)
        show("vmchain", ours)
        gc.collect()
        theirs = run_pytrie(work, Path(tmp) / "pytrie", args)
        show("py-trie", theirs)
        gc.collect()
        if args.retain:
            pruned = run_vmchain(work, Path(tmp) / "vmchain-pruned", args, args.retain)
            show(f"vmchain pruning to the last {args.retain} versions", pruned)
            print(
                f"pruned_trie_updates_per_s={pruned.updates_per_s:.0f} "
                f"pruned_ratio={pruned.updates_per_s / theirs.updates_per_s:.2f}"
            )
    ratio = ours.updates_per_s / theirs.updates_per_s
    proof_ratio = ours.proofs_verified_per_s / theirs.proofs_verified_per_s
    print(
        f"pytrie_proofs_verified_per_s={theirs.proofs_verified_per_s:.0f} "
        f"proof_ratio={proof_ratio:.2f}"
    )
    print(
        f"RESULT trie_updates_per_s={ours.updates_per_s:.0f} "
        f"pytrie_updates_per_s={theirs.updates_per_s:.0f} ratio={ratio:.2f} "
        f"proofs_verified_per_s={ours.proofs_verified_per_s:.0f}"
    )


if __name__ == "__main__":
    main()
