"""Hard limits of the VM: sizes checked at deploy and bounds enforced while running.

Every number here is consensus: changing one changes which modules deploy and how
executions end. docs/contracts.md lists them.
"""

from __future__ import annotations

INT_BITS = 256
INT_MIN = -(1 << (INT_BITS - 1))  # smallest VM integer, -2**255
INT_MAX = (1 << (INT_BITS - 1)) - 1  # largest VM integer, 2**255 - 1

MAX_BYTES = 4096  # longest byte string a value may be
MAX_MODULE_SIZE = 64 * 1024  # encoded module, bytes
MAX_FUNCTIONS = 256
MAX_CONSTANTS = 1024
MAX_FUNCTION_CODE = 16 * 1024  # code bytes of one function (jump targets are u16)
MAX_PARAMS = 16
MAX_RESULTS = 1
MAX_LOCALS = 64  # parameters plus declared locals
MAX_STACK = 128  # operand stack slots one function may use (computed at deploy)
MAX_NAME = 64  # function name length, ASCII identifier
MAX_CALL_DEPTH = 64  # internal call frames in one contract execution, the entry included
MAX_XCALL_DEPTH = 4  # nested cross-contract calls below the outermost one
MAX_SHIFT = 255  # SHL/SHR shift amounts are 0..MAX_SHIFT

WORD = 32  # per-word gas counts ceil(len / WORD)
XCALL_KEEP_DIVISOR = 64  # a cross-contract call forwards all but gas // 64
