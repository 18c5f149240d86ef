"""The trie against a dict model (hypothesis): contents, roots independent of history,
proofs for present and absent keys, tampered proofs rejected, and pruning that frees
exactly the unreachable nodes."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vmchain.state.errors import InvalidProof
from vmchain.state.node import BRANCH, EXTENSION, LEAF
from vmchain.state.nodestore import NodeStore
from vmchain.state.proof import verify_proof
from vmchain.state.prune import NODES_CF
from vmchain.state.trie import Trie

# Few distinct bytes and short keys: prefixes, shared paths, branch values, collisions.
small_keys = st.lists(st.sampled_from([0x00, 0x01, 0x10, 0x11, 0xFF]), max_size=4).map(bytes)
keys = st.one_of(small_keys, st.binary(min_size=32, max_size=32))
values = st.binary(min_size=1, max_size=40)

put = st.tuples(st.just("put"), keys, values)
delete = st.tuples(st.just("delete"), keys, st.just(b""))
control = st.tuples(
    st.sampled_from(["commit", "snapshot", "revert", "root"]), st.just(b""), st.just(b"")
)
operations = st.lists(st.one_of(put, put, delete, control), max_size=40)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def apply(
    trie: Trie,
    ops: list[tuple[str, bytes, bytes]],
    retain: int | None = None,
    start: dict[bytes, bytes] | None = None,
) -> dict[bytes, bytes]:
    """Run ``ops`` on ``trie`` and on a copy of the dict ``start``; return the dict."""
    model = dict(start or {})
    saved: list[tuple[int, dict[bytes, bytes]]] = []
    for op, key, value in ops:
        if op == "put":
            trie.put(key, value)
            model[key] = value
        elif op == "delete":
            trie.delete(key)
            model.pop(key, None)
        elif op == "commit":
            trie.commit(retain=retain)
            saved.clear()
        elif op == "snapshot":
            saved.append((trie.snapshot(), dict(model)))
        elif op == "revert" and saved:
            token, model = saved.pop()
            trie.revert(token)
        elif op == "root":
            trie.root()
    return model


def model_root(model: dict[bytes, bytes], order: list[bytes]) -> bytes:
    trie = Trie(NodeStore.memory())
    for key in order:
        trie.put(key, model[key])
    return trie.root()


@SETTINGS
@given(operations, st.randoms(use_true_random=False))
@example([("put", b"\x01", b"a"), ("put", b"\x01\x10", b"b"), ("delete", b"\x01", b"")], None)
@example(
    [("put", b"", b"a"), ("commit", b"", b""), ("put", b"\x00", b"b"), ("delete", b"", b"")], None
)
def test_matches_the_model_and_history_does_not_matter(
    ops: list[tuple[str, bytes, bytes]], rnd: Any
) -> None:
    trie = Trie(NodeStore.memory())
    model = apply(trie, ops)
    assert dict(trie.items()) == model
    for _, key, _ in ops:
        assert trie.get(key) == model.get(key)
    order = sorted(model)
    if rnd is not None:
        rnd.shuffle(order)
    assert trie.root() == model_root(model, order)
    assert trie.root() == model_root(model, sorted(model, reverse=True))
    committed = trie.commit()
    assert dict(Trie(NodeStore(trie.nodes.store), committed).items()) == model


@SETTINGS
@given(operations, st.lists(keys, max_size=5))
def test_proofs_of_presence_and_absence(
    ops: list[tuple[str, bytes, bytes]], probes: list[bytes]
) -> None:
    trie = Trie(NodeStore.memory())
    model = apply(trie, ops)
    root = trie.root()
    for key in [k for _, k, _ in ops] + probes:
        assert verify_proof(root, key, trie.prove(key)) == model.get(key)


def tampered(proof: list[bytes], choice: int, index: int, position: int) -> list[bytes]:
    """One way of breaking ``proof``: flip a byte, drop a node, append a node, or swap
    the value at the end of the last node."""
    proof = list(proof)
    index %= len(proof)
    if choice == 0:
        node = bytearray(proof[index])
        node[position % len(node)] ^= 0x01
        proof[index] = bytes(node)
    elif choice == 1:
        del proof[index]
    elif choice == 2:
        proof.append(proof[index])
    else:
        proof[-1] = proof[-1][:-1] + bytes([proof[-1][-1] ^ 0xFF])
    return proof


@SETTINGS
@given(
    st.dictionaries(keys, values, min_size=1, max_size=30),
    st.data(),
    st.integers(0, 3),
    st.integers(0, 1000),
    st.integers(0, 1000),
)
def test_tampered_proofs_fail(
    contents: dict[bytes, bytes], data: Any, choice: int, index: int, position: int
) -> None:
    trie = Trie(NodeStore.memory())
    for key, value in contents.items():
        trie.put(key, value)
    root = trie.root()
    key = data.draw(st.one_of(st.sampled_from(sorted(contents)), keys))
    proof = trie.prove(key)
    bad = tampered(proof, choice, index, position)
    try:
        result = verify_proof(root, key, bad)
    except InvalidProof:
        return
    raise AssertionError(f"tampered proof accepted, gave {result!r}")


def reachable(nodes: NodeStore, root: bytes) -> set[bytes]:
    """Hashes of every node of the trie at ``root``, read through a cold node store."""
    cold = NodeStore(nodes.store)
    seen: set[bytes] = set()
    stack = [] if root == Trie(cold).root() else [root]
    while stack:
        node_hash = stack.pop()
        seen.add(node_hash)
        node = cold.load(node_hash)
        if node[0] == BRANCH:
            stack.extend(c for c in node[1] if c is not None)
        elif node[0] == EXTENSION:
            stack.append(node[2])
        else:
            assert node[0] == LEAF
    return seen


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations, min_size=1, max_size=6), st.integers(1, 3))
def test_pruning_keeps_exactly_the_retained_tries(
    blocks: list[list[tuple[str, bytes, bytes]]], retain: int
) -> None:
    nodes = NodeStore.memory()
    trie = Trie(nodes)
    contents: list[tuple[bytes, dict[bytes, bytes]]] = []
    model: dict[bytes, bytes] = {}
    for block in blocks:
        model = apply(trie, [op for op in block if op[0] != "commit"], start=model)
        root = trie.commit(retain=retain)
        contents.append((root, dict(model)))
        kept = contents[-retain:]
        stored = {k for k, _ in nodes.store.cf(NODES_CF).items()}
        assert stored == set().union(*(reachable(nodes, r) for r, _ in kept))
        for old_root, old_model in kept:
            assert dict(Trie(NodeStore(nodes.store), old_root).items()) == old_model
