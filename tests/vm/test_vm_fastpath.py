"""The translator against the reference interpreter: same results, gas and traps."""

from __future__ import annotations

import random

import pytest
import vmprogs
from hypothesis import given, settings
from hypothesis import strategies as st
from vmhelpers import run_body, run_source

from vmchain.encoding import abi
from vmchain.vm.asm import assemble
from vmchain.vm.errors import Status
from vmchain.vm.execution import Engine, execute
from vmchain.vm.program import from_module
from vmchain.vm.testing_host import MemoryHost, MemoryWorld

REF, FAST = Engine.REFERENCE, Engine.FAST


@settings(max_examples=250, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_random_programs_agree(seed: int) -> None:
    assert vmprogs.run(seed, FAST) == vmprogs.run(seed, REF)


@pytest.mark.parametrize("seed", range(0, 400, 7))
def test_agree_at_every_gas_limit(seed: int) -> None:
    """Cut the gas everywhere along a run: out-of-gas lands at the same instruction."""
    full = vmprogs.run(seed, REF, gas_limit=200_000)
    used = full[1]
    assert isinstance(used, int)
    step = max(1, used // 40)
    for limit in [*range(0, used + 2, step), used - 1, used, used + 1]:
        if limit >= 0:
            assert vmprogs.run(seed, FAST, limit) == vmprogs.run(seed, REF, limit), limit


TRAP_THEN_MORE = """
    CONST 57896044618658097711785492504343953926634992332820282019728792003956564819967
    PUSHI 1
    ADD
    PUSHI 1
    PUSHI 2
    MUL
    ADD
"""


@pytest.mark.parametrize("gas", range(0, 14))
def test_trap_before_gas_runs_out_inside_a_segment(gas: int) -> None:
    ref = run_body(TRAP_THEN_MORE, engine=REF, gas=gas)
    fast = run_body(TRAP_THEN_MORE, engine=FAST, gas=gas)
    assert (fast.status, fast.gas_used, fast.error) == (ref.status, ref.gas_used, ref.error)
    # CONST PUSHI ADD costs 4: with at least 4 gas the ADD runs and overflows first
    assert ref.status is (Status.ARITHMETIC if gas >= 4 else Status.OUT_OF_GAS)


def test_loop_is_straight_python() -> None:
    source = vmprogs_sum()
    fast = from_module(assemble(source)).fast
    assert fast.sources == {}  # nothing is translated before it runs
    fast.compile(0)
    assert "append" not in fast.sources[0] and "pop" not in fast.sources[0]
    assert "t1 = l2 + l1" in fast.sources[0]


def vmprogs_sum() -> str:
    from pathlib import Path

    return (Path(__file__).parent / "golden" / "sum.asm").read_text()


def test_stack_values_cross_blocks() -> None:
    # a value on the stack across a loop: 3 nested joins carrying [int, bytes]
    source = """
.func f(n: int) -> int public
    PUSHI 0
    CONST "ab"
loop:
    LGET n
    JZ done
    SWAP
    PUSHI 3
    ADD
    SWAP
    DUP
    CONCAT
    PUSHI 0
    PUSHI 2
    SLICE
    LGET n
    PUSHI 1
    SUB
    LSET n
    JMP loop
done:
    LEN
    ADD
    RET
"""
    for engine in (REF, FAST):
        result = run_source(source, "f", [5], engine)
        assert (result.status, result.values) == (Status.SUCCESS, (17,))
    assert run_source(source, "f", [5], REF).gas_used == run_source(source, "f", [5], FAST).gas_used


_OPS = ["ADD", "SUB", "MUL", "DIV", "MOD", "AND", "OR", "XOR", "SHL", "SHR", "LT", "LE", "GT"]
_OPS += ["GE", "EQ", "NE", "ADD", "SUB", "MUL", "ADD", "SUB", "NEG"]
_EDGES = [0, 1, -1, 2, -2, 3, 255, 256, 2**255 - 1, -(2**255), 2**254, -(2**254), 2**128]


def _arith_expr(rnd: random.Random, depth: int) -> list[str]:
    """Pure integer code over params a, b, c: literals, hidden literals, every int op."""
    if depth == 0 or rnd.random() < 0.25:
        kind = rnd.randint(-2, 3)
        if kind <= 0:
            return [f"LGET {rnd.choice('abc')}"]
        if kind == 1:
            return [f"PUSHI {rnd.randint(-3, 300)}"]
        return [f"CONST {rnd.choice(_EDGES)}"] + (["PUSHI 0", "OR"] if kind == 3 else [])
    shape = rnd.randint(0, 7)
    if shape == 0:
        return [*_arith_expr(rnd, depth - 1), rnd.choice(["NEG", "LNOT"])]
    if shape == 1:
        return [*_arith_expr(rnd, depth - 1), "DUP", rnd.choice(_OPS[:-1])]
    left, right = _arith_expr(rnd, depth - 1), _arith_expr(rnd, depth - 1)
    if shape == 2:
        return [*right, *left, "SWAP", rnd.choice(_OPS[:-1])]
    return [*left, *right, rnd.choice(_OPS[:-1])]


@settings(max_examples=400, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_arithmetic_expressions_agree(seed: int) -> None:
    rnd = random.Random(seed)
    body = "\n".join(_arith_expr(rnd, 4))
    args = [rnd.choice([*_EDGES, rnd.randint(-(2**255), 2**255 - 1)]) for _ in range(3)]
    ref = run_body(body, engine=REF, params="a: int, b: int, c: int", args=args)
    fast = run_body(body, engine=FAST, params="a: int, b: int, c: int", args=args)
    assert fast == ref, body


def test_auto_engine_tiers_up_with_identical_results() -> None:
    program = from_module(assemble(vmprogs_sum() + "\n; tiering test\n"))
    world = MemoryWorld()  # Engine.AUTO
    host = MemoryHost(world, b"\x01" * 20, b"\x02" * 20, 0)
    selector = program.module.functions[0].selector
    assert program.hot_after == 100 * len(program.module.functions[0].code)
    results = []
    while not program.hot:
        results.append(execute(program, selector, abi.encode([50]), host, 10_000))
        assert not program.translated
    results.append(execute(program, selector, abi.encode([50]), host, 10_000))
    assert len(results) == 1 + -(-program.hot_after // results[0].gas_used)
    assert program.fast.sources.keys() == {0}
    assert len({(r.status, r.gas_used, r.values) for r in results}) == 1


def test_many_blocks_use_grouped_dispatch() -> None:
    skips = "".join(
        f"    LGET n\n    JZ s{i}\n    PUSHI {i}\n    LSET acc\ns{i}:\n" for i in range(20)
    )
    loop = "loop:\n    LGET n\n    JZ end\n    LGET acc\n    LGET n\n    ADD\n    LSET acc\n"
    loop += (
        "    LGET n\n    PUSHI 1\n    SUB\n    LSET n\n    JMP loop\nend:\n    LGET acc\n    RET\n"
    )
    source = f".func f(n: int) -> int public\n.local acc: int\n{skips}{loop}"
    ref = run_source(source, "f", [30], REF)
    fast = run_source(source, "f", [30], FAST)
    assert (
        (fast.values, fast.gas_used)
        == (ref.values, ref.gas_used)
        == ((19 + 465,), 20 * 6 + 30 * 16 + 7)
    )
    program = from_module(assemble(source))
    program.fast.compile(0)
    assert "        if b < 32:" in program.fast.sources[0]  # 3 groups of 8 arms


@pytest.mark.parametrize("engine", [REF, FAST])
def test_old_value_of_a_local_stays_on_the_stack(engine: Engine) -> None:
    body = "LGET x\nDUP\nPUSHI 5\nLSET x\nLGET x\nADD\nADD"
    result = run_body(body, engine=engine, params="x: int", args=[100])
    assert result.values == (205,)
