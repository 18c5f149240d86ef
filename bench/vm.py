"""Benchmark: vmchain's VM against py-evm on the same tight loop, side by side.

The workload is the sum of 1..N (N = 100,000) with a down-counting loop:
- vmchain: tests/vm/golden/sum.asm (locals, 11 ops per iteration), on the fast path (the
  translated form, the node's default) and on the reference interpreter;
- py-evm: the hand-assembled EVM loop of research/peers.md (14 ops per iteration),
  ``PUSH1 0 PUSH3 N`` then ``JUMPDEST DUP1 ISZERO PUSH1 end JUMPI DUP1 SWAP2 ADD SWAP1
  PUSH1 1 SWAP1 SUB PUSH1 loop JUMP JUMPDEST STOP``, run through the latest fork's
  computation class (``apply_computation``) with a message and a transaction context.

Executed ops are counted exactly, once, by instrumented runs (every handler wrapped with
a counter); the timed runs are not instrumented. Runs interleave (vmchain, py-evm,
vmchain reference, ...) and each pair gives a ratio. Prints, with medians over the runs:

    RESULT vm_ops_per_s=<n> pyevm_ops_per_s=<n> ratio=<n>
    RESULT_REFERENCE vm_ref_ops_per_s=<n> ratio=<n>

Usage: .venv/bin/python bench/vm.py [--n 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, bench/ is first on sys.path, and a sibling bench/trie.py would shadow
# the `trie` package py-evm imports; look modules up from the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from eth.db.atomic import AtomicDB  # noqa: E402
from eth.vm.execution_context import ExecutionContext  # noqa: E402
from eth.vm.forks.prague import PragueVM  # noqa: E402
from eth.vm.message import Message  # noqa: E402

from vmchain.encoding import abi  # noqa: E402
from vmchain.vm import interpreter  # noqa: E402
from vmchain.vm.asm import assemble  # noqa: E402
from vmchain.vm.context import ExecContext  # noqa: E402
from vmchain.vm.execution import Engine, execute  # noqa: E402
from vmchain.vm.module import encode  # noqa: E402
from vmchain.vm.program import Program, load  # noqa: E402
from vmchain.vm.testing_host import MemoryHost, MemoryWorld  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SUM_ASM = ROOT / "tests" / "vm" / "golden" / "sum.asm"
EMPTY_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
CONTRACT = b"\x10" * 20
SENDER = b"\x20" * 20
EVM_GAS = 10**9


# -- vmchain -----------------------------------------------------------------------


def vm_program() -> Program:
    return load(encode(assemble(SUM_ASM.read_text())))


def vm_runner(program: Program, n: int, engine: Engine) -> Callable[[], object]:
    host = MemoryHost(MemoryWorld(), SENDER, CONTRACT, 0)
    selector = program.module.functions[0].selector
    args = abi.encode([n])

    def run() -> object:
        result = execute(program, selector, args, host, 10**9, engine=engine)
        assert result.values == (n * (n + 1) // 2,), result
        return result

    return run


def vm_count_ops(program: Program, n: int) -> int:
    """Executed VM instructions, counted by a reference run with every step wrapped."""
    count = [0]
    funcs = interpreter.prepare(program.module, program.info)
    for func in funcs:
        func.code[:] = [_counting_step(step, count) for step in func.code]
    host = MemoryHost(MemoryWorld(), SENDER, CONTRACT, 0)
    _, results = interpreter.run(funcs, 0, [n], ExecContext(host, False, 0), 10**9)
    assert results == (n * (n + 1) // 2,)
    return count[0]


def _counting_step(step: interpreter.Step, count: list[int]) -> interpreter.Step:
    handler, arg, gas = step
    if handler is None:
        machine_op = arg

        def counted_machine(m: interpreter.Machine) -> None:
            count[0] += 1
            machine_op(m)

        return (None, counted_machine, gas)
    light = handler

    def counted(s: list[Any], loc: list[Any], a: Any, pc: int) -> int:
        count[0] += 1
        return light(s, loc, a, pc)

    return (counted, arg, gas)


# -- py-evm ------------------------------------------------------------------------


def evm_code(n: int) -> bytes:
    loop, end = 6, 23
    code = bytes([0x60, 0x00, 0x62]) + n.to_bytes(3, "big")  # PUSH1 0, PUSH3 n
    code += bytes([0x5B, 0x80, 0x15, 0x60, end, 0x57])  # JUMPDEST DUP1 ISZERO PUSH1 end JUMPI
    code += bytes([0x80, 0x91, 0x01, 0x90])  # DUP1 SWAP2 ADD SWAP1
    code += bytes([0x60, 0x01, 0x90, 0x03])  # PUSH1 1 SWAP1 SUB
    code += bytes([0x60, loop, 0x56, 0x5B, 0x00])  # PUSH1 loop JUMP JUMPDEST STOP
    assert code[loop] == 0x5B and code[end] == 0x5B
    return code


def evm_setup(n: int) -> tuple[Any, Any, Any, Any]:
    state_class: Any = PragueVM.get_state_class()
    make_context: Any = ExecutionContext
    context = make_context(
        coinbase=b"\x00" * 20,
        timestamp=1,
        block_number=1,
        difficulty=0,
        mix_hash=b"\x00" * 32,
        gas_limit=EVM_GAS,
        prev_hashes=(),
        chain_id=1,
        base_fee_per_gas=0,
        excess_blob_gas=0,
    )
    state = state_class(AtomicDB(), context, EMPTY_ROOT)
    make_message: Any = Message
    message = make_message(
        gas=EVM_GAS, to=CONTRACT, sender=SENDER, value=0, data=b"", code=evm_code(n)
    )
    tx_context = state_class.get_transaction_context_class()(gas_price=0, origin=SENDER)
    return state, message, tx_context, state_class.computation_class


def evm_runner(n: int) -> Callable[[], object]:
    state, message, tx_context, computation_class = evm_setup(n)
    expected = n * (n + 1) // 2

    def run() -> object:
        computation = computation_class.apply_computation(state, message, tx_context)
        assert computation.is_success, computation.error
        assert computation._stack.values == [expected, 0], computation._stack.values
        return computation

    return run


def evm_count_ops(n: int) -> int:
    state, message, tx_context, computation_class = evm_setup(n)
    count = [0]

    def wrap(fn: Any) -> Any:
        def counted(computation: Any) -> Any:
            count[0] += 1
            return fn(computation=computation)

        return counted

    counting: Any = type(
        "CountingComputation",
        (computation_class,),
        {"opcodes": {k: wrap(v) for k, v in computation_class.opcodes.items()}},
    )
    computation = counting.apply_computation(state, message, tx_context)
    assert computation.is_success, computation.error
    return count[0]


# -- driver ------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    n = opts.n

    program = vm_program()
    start = time.perf_counter()
    program.fast.compile(0)  # translate once per code hash (the node: when it gets hot)
    translate_ms = (time.perf_counter() - start) * 1000
    vm_ops, evm_ops = vm_count_ops(program, n), evm_count_ops(n)
    runners = {
        "vm": vm_runner(program, n, Engine.FAST),
        "pyevm": evm_runner(n),
        "vm_ref": vm_runner(program, n, Engine.REFERENCE),
    }
    for run in runners.values():
        run()  # warm up
    times: dict[str, list[float]] = {name: [] for name in runners}
    for i in range(opts.runs):
        for name, run in runners.items():  # interleaved: vm, pyevm, vm_ref, vm, ...
            times[name].append(timed(run))
        print(
            f"run {i + 1}: vm {vm_ops / times['vm'][-1]:,.0f} ops/s, "
            f"py-evm {evm_ops / times['pyevm'][-1]:,.0f} ops/s, "
            f"vm reference {vm_ops / times['vm_ref'][-1]:,.0f} ops/s, "
            f"ratio {(vm_ops / times['vm'][-1]) / (evm_ops / times['pyevm'][-1]):.1f}"
        )
    vm_rate = vm_ops / statistics.median(times["vm"])
    evm_rate = evm_ops / statistics.median(times["pyevm"])
    ref_rate = vm_ops / statistics.median(times["vm_ref"])
    pairs = zip(times["vm"], times["pyevm"], strict=True)
    pair_ratios = [(vm_ops / a) / (evm_ops / b) for a, b in pairs]
    same_work = statistics.median(times["pyevm"]) / statistics.median(times["vm"])
    print(f"executed ops: vmchain {vm_ops:,} (11/iteration), py-evm {evm_ops:,} (14/iteration)")
    print(f"translation of the function: {translate_ms:.2f} ms (once per code hash)")
    print(f"per-pair ratios: {', '.join(f'{r:.1f}' for r in pair_ratios)}")
    print(f"same work (sum 1..{n}): py-evm time / vmchain time = {same_work:.1f}")
    ratio = vm_rate / evm_rate
    print(f"RESULT vm_ops_per_s={vm_rate:.0f} pyevm_ops_per_s={evm_rate:.0f} ratio={ratio:.2f}")
    print(f"RESULT_REFERENCE vm_ref_ops_per_s={ref_rate:.0f} ratio={ref_rate / evm_rate:.2f}")


if __name__ == "__main__":
    main()
