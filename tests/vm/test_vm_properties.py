"""Properties: arithmetic against Python ints with the 256-bit trap rules; random
well-formed programs stop within their gas and repeat exactly, across processes and hash
seeds; random bytes never make anything but a VM error escape."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import vmprogs
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from vmhelpers import ALICE, ENGINES, run_body

from vmchain.encoding import abi
from vmchain.vm.asm import assemble
from vmchain.vm.errors import ModuleError, Status
from vmchain.vm.execution import Engine, execute
from vmchain.vm.module import encode, selector
from vmchain.vm.program import load
from vmchain.vm.testing_host import MemoryHost, MemoryWorld

MIN, MAX = -(2**255), 2**255 - 1
INTS = st.one_of(
    st.integers(min_value=MIN, max_value=MAX),
    st.integers(min_value=-300, max_value=300),
    st.sampled_from([MIN, MIN + 1, MAX, MAX - 1, 0, 1, -1, 2**128, -(2**128)]),
)


def _model(op: str, a: int, b: int) -> int | None:
    """Python-int reference with the VM's trap rules; None means ARITHMETIC."""
    if op in ("DIV", "MOD") and b == 0:
        return None
    if op in ("SHL", "SHR") and not 0 <= b <= 255:
        return None
    result = {
        "ADD": lambda: a + b,
        "SUB": lambda: a - b,
        "MUL": lambda: a * b,
        "DIV": lambda: a // b,
        "MOD": lambda: a % b,
        "AND": lambda: a & b,
        "OR": lambda: a | b,
        "XOR": lambda: a ^ b,
        "SHL": lambda: a << b,
        "SHR": lambda: a >> b,
        "LT": lambda: int(a < b),
        "GE": lambda: int(a >= b),
    }[op]()
    return result if MIN <= result <= MAX else None


ARITH_OPS = ["ADD", "SUB", "MUL", "DIV", "MOD", "AND", "OR", "XOR", "SHL", "SHR", "LT", "GE"]
_SOURCE = "".join(
    f".func {op.lower()}(a: int, b: int) -> int public\n    LGET a\n    LGET b\n    {op}\n    RET\n"
    for op in ARITH_OPS
)
_PROGRAM = load(encode(assemble(_SOURCE)))
_WORLD = MemoryWorld()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("op", ARITH_OPS)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=INTS, b=INTS)
@example(a=MIN, b=-1)
@example(a=MAX, b=1)
@example(a=1, b=255)
def test_arithmetic_matches_python(engine: Engine, op: str, a: int, b: int) -> None:
    host = MemoryHost(_WORLD, ALICE, b"\x01" * 20, 0)
    result = execute(_PROGRAM, selector(op.lower()), abi.encode([a, b]), host, 100, engine=engine)
    expected = _model(op, a, b)
    if expected is None:
        assert (result.status, result.gas_used) == (Status.ARITHMETIC, 100)
    else:
        assert (result.status, result.values) == (Status.SUCCESS, (expected,))


@pytest.mark.parametrize("op", [*ARITH_OPS, "NEG"])
@pytest.mark.parametrize("shape", ["a literal", "b literal", "both literal"])
@settings(max_examples=25, deadline=None)
@given(a=INTS, b=INTS)
@example(a=MIN, b=-1)
@example(a=MAX, b=1)
@example(a=-5, b=0)
def test_arithmetic_with_literal_operands(op: str, shape: str, a: int, b: int) -> None:
    """The translator specialises ops on literal operands; the model still holds."""
    left = f"CONST {a}" if shape != "b literal" else "LGET a"
    right = f"CONST {b}" if shape != "a literal" else "LGET b"
    code = f"{left}\n{right}\n{op}" if op != "NEG" else f"{left}\nNEG"
    expected = _model(op, a, b) if op != "NEG" else (-a if -a <= MAX else None)
    for engine in ENGINES:
        result = run_body(code, engine=engine, params="a: int, b: int", args=[a, b])
        if expected is None:
            assert result.status is Status.ARITHMETIC, (engine, code)
        else:
            assert result.values == (expected,), (engine, code)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_random_programs_stop_within_gas_and_repeat(engine: Engine, seed: int) -> None:
    first = vmprogs.run(seed, engine)
    status, gas_used, gas_limit = first[0], first[1], first[2]
    assert Status(str(status)) in Status
    assert isinstance(gas_used, int) and isinstance(gas_limit, int)
    assert 0 <= gas_used <= gas_limit
    assert vmprogs.run(seed, engine) == first


def test_identical_across_processes_and_hash_seeds() -> None:
    here = Path(__file__).parent
    root = here.parents[1]
    expected = vmprogs.digest(range(30), Engine.FAST)
    for hash_seed in ("0", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=f"{root}{os.pathsep}{here}")
        out = subprocess.run(
            [sys.executable, str(here / "vmprogs.py"), "0", "30", "fast"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert out.stdout.strip() == expected
    assert vmprogs.digest(range(30), Engine.REFERENCE) == expected
    assert vmprogs.digest(range(30), Engine.REFERENCE) == expected


def _exercise(code: bytes) -> None:
    """Load arbitrary bytes; if they load, call every function on both engines."""
    try:
        program = load(code)
    except ModuleError:
        return
    for fn in program.module.functions:
        args = abi.encode([0 if t == 1 else b"" for t in fn.params])
        for engine in ENGINES:
            world = MemoryWorld(engine=engine)
            host = MemoryHost(world, ALICE, b"\x02" * 20, 0)
            result = execute(program, fn.selector, args, host, 5_000, engine=engine)
            assert result.status in Status


@settings(max_examples=300)
@given(st.binary(max_size=120))
def test_random_bytes_never_escape(data: bytes) -> None:
    _exercise(b"\x00VMC\x01" + data)
    _exercise(data)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4),
)
def test_mutated_modules_never_escape(seed: int, edits: list[tuple[int, int]]) -> None:
    data = bytearray(encode(vmprogs.generate(seed)))
    for position, value in edits:
        data[position % len(data)] = value
    _exercise(bytes(data))
