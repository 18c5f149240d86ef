"""Functions the compiler adds to a module when a contract needs them.

- `__abi_int(n) -> bytes`: the ABI value encoding of an int (01, width, minimal two's
  complement), used to build tuple values.
- `__abi_bytes(b) -> bytes`: the ABI value encoding of bytes (02, 4-byte length, data).
- `__pow(base, exp) -> int`: exponentiation by squaring; a negative exponent reverts, an
  overflow traps like any multiplication.
"""

from __future__ import annotations

from collections.abc import Callable

from vmchain.lang.ir import FnBuilder, FunctionIR
from vmchain.vm.values import ValueType

INT, BYTES = ValueType.INT, ValueType.BYTES


def _finish(name: str, fb: FnBuilder, result: ValueType) -> FunctionIR:
    return FunctionIR(name, 0, fb.params, (result,), tuple(fb.local_types), tuple(fb.code))


def abi_int() -> FunctionIR:
    fb = FnBuilder((INT,))
    n, mag, width = 0, fb.new_local(INT), fb.new_local(INT)
    nonzero, positive, loop, done = fb.label(), fb.label(), fb.label(), fb.label()
    fb.op("LGET", n)
    fb.op("JNZ", nonzero)
    fb.op("CONST", b"\x01\x00")
    fb.op("RET")
    fb.place(nonzero)
    fb.op("LGET", n)
    fb.op("LSET", mag)
    fb.op("LGET", n)
    fb.op("PUSHI", 0)
    fb.op("LT")
    fb.op("JZ", positive)
    fb.op("LGET", n)
    fb.op("PUSHI", -1)
    fb.op("XOR")
    fb.op("LSET", mag)  # ~n: same byte width as n
    fb.place(positive)
    fb.op("PUSHI", 1)
    fb.op("LSET", width)
    fb.place(loop)
    fb.op("LGET", mag)
    fb.op("PUSHI", 128)
    fb.op("GE")
    fb.op("JZ", done)
    fb.op("LGET", mag)
    fb.op("PUSHI", 8)
    fb.op("SHR")
    fb.op("LSET", mag)
    fb.op("LGET", width)
    fb.op("PUSHI", 1)
    fb.op("ADD")
    fb.op("LSET", width)
    fb.op("JMP", loop)
    fb.place(done)
    fb.op("CONST", b"\x01")
    fb.op("LGET", width)
    _low_bytes(fb, 1)
    fb.op("CONCAT")
    fb.op("LGET", n)
    fb.op("ITOB")
    fb.op("PUSHI", 32)
    fb.op("LGET", width)
    fb.op("SUB")
    fb.op("PUSHI", 32)
    fb.op("SLICE")
    fb.op("CONCAT")
    fb.op("RET")
    return _finish("__abi_int", fb, BYTES)


def _low_bytes(fb: FnBuilder, count: int) -> None:
    """int on the stack -> its low `count` bytes, big-endian."""
    fb.op("ITOB")
    fb.op("PUSHI", 32 - count)
    fb.op("PUSHI", 32)
    fb.op("SLICE")


def abi_bytes() -> FunctionIR:
    fb = FnBuilder((BYTES,))
    fb.op("CONST", b"\x02")
    fb.op("LGET", 0)
    fb.op("LEN")
    _low_bytes(fb, 4)
    fb.op("CONCAT")
    fb.op("LGET", 0)
    fb.op("CONCAT")
    fb.op("RET")
    return _finish("__abi_bytes", fb, BYTES)


def power() -> FunctionIR:
    fb = FnBuilder((INT, INT))
    base, exp, result = 0, 1, fb.new_local(INT)
    ok, loop, skip, done = fb.label(), fb.label(), fb.label(), fb.label()
    fb.op("LGET", exp)
    fb.op("PUSHI", 0)
    fb.op("LT")
    fb.op("JZ", ok)
    fb.op("CONST", b"negative exponent")
    fb.op("REVERT")
    fb.place(ok)
    fb.op("PUSHI", 1)
    fb.op("LSET", result)
    fb.place(loop)
    fb.op("LGET", exp)
    fb.op("JZ", done)
    fb.op("LGET", exp)
    fb.op("PUSHI", 1)
    fb.op("AND")
    fb.op("JZ", skip)
    fb.op("LGET", result)
    fb.op("LGET", base)
    fb.op("MUL")
    fb.op("LSET", result)
    fb.place(skip)
    fb.op("LGET", exp)
    fb.op("PUSHI", 1)
    fb.op("SHR")
    fb.op("LSET", exp)
    fb.op("LGET", exp)
    fb.op("JZ", done)  # square only while bits remain: no needless overflow
    fb.op("LGET", base)
    fb.op("LGET", base)
    fb.op("MUL")
    fb.op("LSET", base)
    fb.op("JMP", loop)
    fb.place(done)
    fb.op("LGET", result)
    fb.op("RET")
    return _finish("__pow", fb, INT)


HELPERS: dict[str, Callable[[], FunctionIR]] = {
    "__abi_bytes": abi_bytes,
    "__abi_int": abi_int,
    "__pow": power,
}
