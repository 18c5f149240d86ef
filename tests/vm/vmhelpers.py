"""Helpers for the VM tests: assemble and run snippets on an in-memory world."""

from __future__ import annotations

from collections.abc import Sequence

from vmchain.encoding import abi
from vmchain.vm.asm import assemble
from vmchain.vm.execution import Engine, ExecutionResult
from vmchain.vm.module import encode
from vmchain.vm.opcodes import BY_NAME
from vmchain.vm.testing_host import MemoryWorld
from vmchain.vm.values import Value

ENGINES = (Engine.REFERENCE, Engine.FAST)
ALICE = b"\xa1" * 20
BOB = b"\xb0" * 20


def world(engine: Engine) -> MemoryWorld:
    w = MemoryWorld(engine=engine)
    w.balances[ALICE] = 10**9
    return w


def run_source(
    source: str,
    name: str = "f",
    args: Sequence[Value] = (),
    engine: Engine = Engine.REFERENCE,
    gas: int = 1_000_000,
    value: int = 0,
    w: MemoryWorld | None = None,
) -> ExecutionResult:
    """Deploy ``source`` in a fresh (or the given) world and call ``name`` from ALICE."""
    w = w or world(engine)
    address, _ = w.deploy(encode(assemble(source)))
    return w.call(ALICE, address, name, abi.encode(list(args)), value, gas)


def run_body(
    body: str,
    result: str = "int",
    engine: Engine = Engine.REFERENCE,
    gas: int = 1_000_000,
    params: str = "",
    args: Sequence[Value] = (),
    flags: str = "public",
) -> ExecutionResult:
    """Run ``body`` as the body of ``f(params) -> result``; RET is appended."""
    arrow = f" -> {result}" if result else ""
    source = f".func f({params}){arrow} {flags}\n{body}\n    RET\n"
    return run_source(source, "f", args, engine, gas)


def static_gas(*names: str) -> int:
    """Sum of the table's static gas for the named opcodes."""
    return sum(BY_NAME[n].gas for n in names)
