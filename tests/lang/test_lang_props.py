"""Random int expressions compiled and run on the VM agree with Python ints bounded to 256
bits: the same value, or a trap exactly where Python's result (or an intermediate) leaves
-2**255..2**255-1 or divides by zero. Literal subexpressions are folded by the compiler,
so folding is checked against run-time evaluation too."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.encoding import abi
from vmchain.lang.compiler import compile_source
from vmchain.vm import Status
from vmchain.vm.testing_host import MemoryWorld

LOW, HIGH = -(2**255), 2**255 - 1
OPS = ["+", "-", "*", "//", "%"]


class Trap(Exception):
    pass


@dataclass(frozen=True)
class Node:
    text: str
    value: int | None  # None: it traps


def _bounded(value: int) -> int:
    if not LOW <= value <= HIGH:
        raise Trap
    return value


def _apply(op: str, a: int, b: int) -> int:
    if op in ("//", "%") and b == 0:
        raise Trap
    table = {
        "+": a + b,
        "-": a - b,
        "*": a * b,
        "//": a // b if b else 0,
        "%": a % b if b else 0,
    }
    return _bounded(table[op])


def _combine(op: str, left: Node, right: Node) -> Node:
    text = f"({left.text} {op} {right.text})"
    if left.value is None or right.value is None:
        return Node(text, None)
    try:
        return Node(text, _apply(op, left.value, right.value))
    except Trap:
        return Node(text, None)


def leaves(env: dict[str, int]) -> st.SearchStrategy[Node]:
    names = st.sampled_from(sorted(env)).map(lambda n: Node(n, env[n]))
    small = st.integers(-300, 300).map(lambda v: Node(f"({v})", v))
    big = st.sampled_from([2**64, 2**128 + 1, HIGH, -(2**200)]).map(lambda v: Node(f"({v})", v))
    return st.one_of(names, small, big)


def trees(env: dict[str, int]) -> st.SearchStrategy[Node]:
    return st.recursive(
        leaves(env),
        lambda inner: st.builds(_combine, st.sampled_from(OPS), inner, inner),
        max_leaves=8,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, int], Node]:
    values = st.one_of(st.integers(-1000, 1000), st.integers(LOW, HIGH))
    env = {"a": draw(values), "b": draw(values), "c": draw(st.integers(-5, 5))}
    return env, draw(trees(env))


@settings(max_examples=60, deadline=None)
@given(cases())
def test_expressions_match_python(case: tuple[dict[str, int], Node]) -> None:
    env, node = case
    source = (
        "from vmchain.lang import Contract, view\n\n\nclass E(Contract):\n    @view\n"
        f"    def f(self, a: int, b: int, c: int) -> int:\n        return {node.text}\n"
    )
    world = MemoryWorld()
    address, _ = world.deploy(compile_source("e.py", source).code)
    args = abi.encode([env["a"], env["b"], env["c"]])
    result = world.call(b"\x01" * 20, address, "f", args, gas_limit=100_000)
    if node.value is None:
        assert result.status is Status.ARITHMETIC, (node.text, result)
    else:
        assert (result.status, result.values) == (Status.SUCCESS, (node.value,)), node.text
