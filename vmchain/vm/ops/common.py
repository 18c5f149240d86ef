"""Shared pieces of the handlers: their types and the dynamic-gas charge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vmchain.vm.errors import OutOfGas
from vmchain.vm.opcodes import BY_NAME

# Operand stacks and locals hold VM values; the validator proved their types, so
# handlers treat them as Any rather than re-checking at run time.
Stack = list[Any]
Locals = list[Any]
LightHandler = Callable[[Stack, Locals, Any, int], int]
Effect = Callable[..., tuple[Any, ...]]


def per_word(name: str) -> int:
    """The table's per-word gas for an opcode."""
    return BY_NAME[name].per_word_gas


def charge(gas: int, amount: int, what: str) -> int:
    """Take dynamic gas; trap OUT_OF_GAS when there is not enough."""
    gas -= amount
    if gas < 0:
        raise OutOfGas(f"out of gas: {what} needs {amount} more gas than is left")
    return gas
