"""State family: storage, transfers, events and cross-contract calls (through the host).

Everything but SLOAD traps WRITE_IN_VIEW in a view call (a value-carrying XCALL too).
Storing b"" deletes the key, so "absent" and "empty" are one state.
"""

from __future__ import annotations

from typing import Any

from vmchain.encoding import abi
from vmchain.vm.context import ExecContext, host_bytes
from vmchain.vm.errors import (
    BadArgument,
    HostError,
    InsufficientFunds,
    OutOfBounds,
    WriteInView,
)
from vmchain.vm.limits import MAX_BYTES, MAX_XCALL_DEPTH, XCALL_KEEP_DIVISOR
from vmchain.vm.opcodes import ABI_VALUE_GAS
from vmchain.vm.ops.common import Effect, LightHandler, charge, per_word
from vmchain.vm.values import words

_SLOAD_WORD = per_word("SLOAD")
_SSTORE_WORD = per_word("SSTORE")
_EMIT_WORD = per_word("EMIT")
_XCALL_WORD = per_word("XCALL")
ADDRESS_SIZE = 20
SELECTOR_SIZE = 4


def _writable(ctx: ExecContext, name: str) -> None:
    if ctx.static:
        raise WriteInView(f"{name} in a view call")


def sload(ctx: ExecContext, gas: int, key: bytes) -> tuple[int, bytes]:
    value = host_bytes(ctx.host.storage_get(key), "storage value")
    return charge(gas, words(len(value)) * _SLOAD_WORD, "SLOAD"), value


def sstore(ctx: ExecContext, gas: int, key: bytes, value: bytes) -> tuple[int]:
    _writable(ctx, "SSTORE")
    gas = charge(gas, words(len(key) + len(value)) * _SSTORE_WORD, "SSTORE")
    if value:
        ctx.host.storage_set(key, value)
    else:
        ctx.host.storage_delete(key)
    return (gas,)


def sdel(ctx: ExecContext, gas: int, key: bytes) -> tuple[int]:
    _writable(ctx, "SDEL")
    ctx.host.storage_delete(key)
    return (gas,)


def transfer(ctx: ExecContext, gas: int, to: bytes, amount: int) -> tuple[int]:
    _writable(ctx, "TRANSFER")
    if len(to) != ADDRESS_SIZE:
        raise BadArgument(f"TRANSFER: address of {len(to)} bytes, expected 20")
    if amount < 0:
        raise BadArgument(f"TRANSFER: negative amount {amount}")
    if not ctx.host.transfer(to, amount):
        raise InsufficientFunds(f"TRANSFER: contract balance is below {amount}")
    return (gas,)


def emit(ctx: ExecContext, gas: int, count: int, name: bytes, *fields: Any) -> tuple[int]:
    _writable(ctx, "EMIT")
    data = abi.encode(fields)
    gas = charge(gas, words(len(name) + len(data)) * _EMIT_WORD + count * ABI_VALUE_GAS, "EMIT")
    ctx.host.emit(name, data)
    return (gas,)


def _xcall_args(sel: bytes, value: int) -> None:
    if len(sel) != SELECTOR_SIZE:
        raise BadArgument(f"XCALL: selector of {len(sel)} bytes, expected 4")
    if value < 0:
        raise BadArgument(f"XCALL: negative value {value}")


def xcall(
    ctx: ExecContext, gas: int, count: int, to: bytes, sel: bytes, value: int, *args: Any
) -> tuple[int, int, bytes]:
    _xcall_args(sel, value)
    if value and ctx.static:
        raise WriteInView("XCALL with value in a view call")
    data = abi.encode(args)
    gas = charge(gas, words(len(data)) * _XCALL_WORD + count * ABI_VALUE_GAS, "XCALL")
    if ctx.depth >= MAX_XCALL_DEPTH:
        return gas, 0, b"cross-contract call depth limit reached"
    allowance = gas - gas // XCALL_KEEP_DIVISOR
    outcome = ctx.host.call(to, sel, data, value, allowance, ctx.static, ctx.depth + 1)
    gas -= min(max(outcome.gas_used, 0), allowance)
    result = outcome.data
    if type(result) is not bytes:
        raise HostError(f"host call gave data of type {type(result).__name__}, not bytes")
    if len(result) > MAX_BYTES:
        if not outcome.ok:
            return gas, 0, result[:MAX_BYTES]
        raise OutOfBounds(f"XCALL: result of {len(result)} bytes is longer than {MAX_BYTES}")
    return gas, 1 if outcome.ok else 0, result


LIGHT: dict[str, LightHandler] = {}
EFFECTS: dict[str, Effect] = {
    "SLOAD": sload,
    "SSTORE": sstore,
    "SDEL": sdel,
    "TRANSFER": transfer,
    "EMIT": emit,
    "XCALL": xcall,
}
