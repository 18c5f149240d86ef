"""The entry point: run one function of a program and map how it ended to a result.

``execute`` is the only place where traps become statuses: SUCCESS with the return
values, REVERTED (gas not used is kept, the contract's message is the error), or any
other trap, which consumes the whole gas limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from vmchain.encoding import abi
from vmchain.vm import fastpath, interpreter
from vmchain.vm.context import ExecContext
from vmchain.vm.errors import (
    BadArgument,
    NotPayable,
    Revert,
    Status,
    Trap,
    UnknownFunction,
)
from vmchain.vm.host import Host
from vmchain.vm.module import Function
from vmchain.vm.program import Program
from vmchain.vm.values import Value, is_value, type_of


class Engine(Enum):
    REFERENCE = "reference"  # interpreter.py: the definition
    FAST = "fast"  # fastpath.py: translated once per module, same results, gas and traps
    AUTO = "auto"  # reference until the program is hot (program.py), then fast


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    status: Status
    gas_used: int
    values: tuple[Value, ...]  # the function's results on SUCCESS, else ()
    error: str  # the revert message or what trapped; "" on SUCCESS

    @property
    def ok(self) -> bool:
        return self.status is Status.SUCCESS

    @property
    def return_value(self) -> bytes:
        """The results ABI-encoded (what receipts carry)."""
        return abi.encode(self.values)


def _entry(program: Program, selector: bytes, allow_init: bool) -> int:
    index = program.entries.get(selector)
    if index is not None:
        fn = program.module.functions[index]
        if fn.init if allow_init else fn.public:
            return index
    kind = "init function" if allow_init else "public function"
    raise UnknownFunction(f"no {kind} with selector {bytes(selector).hex()}")


def _arguments(fn: Function, args: bytes) -> list[Value]:
    try:
        values = abi.decode(args)
    except abi.AbiError as exc:
        raise BadArgument(f"arguments of {fn.name}: {exc}") from None
    if len(values) != len(fn.params):
        raise BadArgument(f"{fn.name} takes {len(fn.params)} arguments, got {len(values)}")
    for i, (value, want) in enumerate(zip(values, fn.params, strict=True)):
        if type_of(value) is not want or not is_value(value):
            raise BadArgument(f"{fn.name} argument {i} must be a VM {want.text}")
    return list(values)


def execute(
    program: Program,
    selector: bytes,
    args: bytes,
    host: Host,
    gas_limit: int,
    *,
    depth: int = 0,
    static: bool = False,
    allow_init: bool = False,
    engine: Engine = Engine.AUTO,
) -> ExecutionResult:
    """Run the public function ``selector`` (or, with allow_init, the init function).

    ``args`` is the ABI-encoded argument list. ``engine`` picks the reference
    interpreter, the translated form, or (AUTO, the default) the reference until the
    program is hot; all three give identical results, gas and traps. ``static`` makes
    the call a view call (a view function always is). ``depth`` is the cross-contract
    depth (0 outermost). Only host exceptions propagate; everything the VM itself
    detects is a status.
    """
    gas_limit = max(gas_limit, 0)
    if engine is Engine.AUTO:
        engine = Engine.FAST if program.hot else Engine.REFERENCE
        if engine is Engine.REFERENCE:
            result = _execute(
                program, selector, args, host, gas_limit, depth, static, allow_init, engine
            )
            program.reference_gas += result.gas_used
            return result
    return _execute(program, selector, args, host, gas_limit, depth, static, allow_init, engine)


def _execute(
    program: Program,
    selector: bytes,
    args: bytes,
    host: Host,
    gas_limit: int,
    depth: int,
    static: bool,
    allow_init: bool,
    engine: Engine,
) -> ExecutionResult:
    try:
        index = _entry(program, selector, allow_init)
        fn = program.module.functions[index]
        values = _arguments(fn, args)
        ctx = ExecContext(host, static or fn.view, depth)
        if ctx.value and not fn.payable:
            raise NotPayable(f"{fn.name} is not payable but was sent {ctx.value}")
        if engine is Engine.FAST:
            gas_left, results = fastpath.run(program, index, values, ctx, gas_limit)
        else:
            gas_left, results = interpreter.run(program.reference, index, values, ctx, gas_limit)
    except Revert as exc:
        return ExecutionResult(Status.REVERTED, gas_limit - exc.gas_left, (), str(exc))
    except Trap as exc:
        return ExecutionResult(exc.status, gas_limit, (), str(exc))
    return ExecutionResult(Status.SUCCESS, gas_limit - gas_left, results, "")
