"""VM errors. The class of a trap decides the receipt status; one table maps it outward.

Two kinds:
- ``ModuleError`` (and its ``ValidationError``): code that cannot be deployed. Raised by
  ``module.decode`` and ``validate.validate``; such a module never runs.
- ``Trap``: an execution that ends without success. ``Revert`` keeps the gas that was
  left (the contract chose to stop); every other trap consumes the whole gas limit.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """The outcome of an execution, as receipts carry it."""

    SUCCESS = "SUCCESS"
    REVERTED = "REVERTED"
    OUT_OF_GAS = "OUT_OF_GAS"
    INVALID_OPCODE = "INVALID_OPCODE"
    STACK_OVERFLOW = "STACK_OVERFLOW"
    ARITHMETIC = "ARITHMETIC"
    OUT_OF_BOUNDS = "OUT_OF_BOUNDS"
    BAD_ARGUMENT = "BAD_ARGUMENT"
    UNKNOWN_FUNCTION = "UNKNOWN_FUNCTION"
    NOT_PAYABLE = "NOT_PAYABLE"
    WRITE_IN_VIEW = "WRITE_IN_VIEW"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    INVALID_MODULE = "INVALID_MODULE"


class VMError(Exception):
    """Base of every error the VM raises on purpose."""

    status: Status = Status.INVALID_MODULE


class ModuleError(VMError, ValueError):
    """Bytes that are not a well-formed module (bad magic, truncated, non-canonical...)."""

    status = Status.INVALID_MODULE


class ValidationError(ModuleError):
    """A decoded module that breaks a deploy-time rule; names function, offset and rule."""

    def __init__(self, function: str, offset: int, rule: str, detail: str) -> None:
        self.function = function
        self.offset = offset
        self.rule = rule
        self.detail = detail
        where = f"function {function!r} at offset {offset}" if function else "module"
        super().__init__(f"{where}: {rule}: {detail}")


class UnknownOpcode(ValidationError):
    """A byte that is no opcode, where an instruction starts."""

    status = Status.INVALID_OPCODE


class HostError(VMError, ValueError):
    """The host broke its side of the interface (e.g. gave a value the VM cannot hold).

    Not a contract's fault, so not a status: it propagates out of ``execute``.
    """


class Trap(VMError):
    """An execution that stops without success. Consumes all gas unless it is a Revert."""

    status = Status.INVALID_OPCODE


class Revert(Trap):
    """The contract reverted with a message; the gas it had left is returned."""

    status = Status.REVERTED

    def __init__(self, message: bytes, gas_left: int) -> None:
        self.message = message
        self.gas_left = gas_left
        super().__init__(message.decode("utf-8", "replace"))


class OutOfGas(Trap):
    status = Status.OUT_OF_GAS


class InvalidOpcode(Trap):
    status = Status.INVALID_OPCODE


class StackOverflow(Trap):
    status = Status.STACK_OVERFLOW


class ArithmeticTrap(Trap):
    status = Status.ARITHMETIC


class OutOfBounds(Trap):
    status = Status.OUT_OF_BOUNDS


class BadArgument(Trap):
    status = Status.BAD_ARGUMENT


class UnknownFunction(Trap):
    status = Status.UNKNOWN_FUNCTION


class NotPayable(Trap):
    status = Status.NOT_PAYABLE


class WriteInView(Trap):
    status = Status.WRITE_IN_VIEW


class InsufficientFunds(Trap):
    status = Status.INSUFFICIENT_FUNDS
