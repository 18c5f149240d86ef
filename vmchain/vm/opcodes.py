"""The opcode table: one frozen row per opcode, the single source of truth.

The interpreter (static gas), the validator (stack effects and types), the assembler,
the translator and docs/contracts.md all read ``OPCODES``. Stack types in a row: ``i`` an
int, ``b`` bytes, ``x``/``y`` any type (the same letter is the same type); the deepest
operand comes first. Rows marked ``variadic`` have a stack effect that depends on the
immediate or on the module (a local's type, a constant, the called function); the
validator handles those by name and ``stack`` documents them.

Instruction encoding: one opcode byte, then the immediate, if any, big-endian with the
fixed width of its kind (``u8``, ``u16``, signed ``i16``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

IMM_BYTES: MappingProxyType[str, int] = MappingProxyType({"": 0, "u8": 1, "u16": 2, "i16": 2})
# EMIT and XCALL also pay this per value they ABI-encode (fields, arguments): encoding
# costs ~0.6-0.9 µs per value whatever its size.
ABI_VALUE_GAS = 10


@dataclass(frozen=True, slots=True)
class OpSpec:
    """One opcode: encoding, static gas, stack effect and dynamic (per-word) gas."""

    byte: int
    name: str
    family: str
    gas: int  # static gas, charged before the instruction runs
    ins: str  # types popped, deepest first
    outs: str  # types pushed, deepest first
    imm: str  # immediate kind: "", "u8", "u16", "i16"
    per_word_gas: int  # dynamic gas per 32-byte word of what `per_word_of` names
    per_word_of: str
    variadic: bool
    stack: str  # stack effect, for people
    doc: str

    @property
    def pops(self) -> int:
        return len(self.ins)

    @property
    def pushes(self) -> int:
        return len(self.outs)

    @property
    def imm_bytes(self) -> int:
        return IMM_BYTES[self.imm]

    @property
    def size(self) -> int:
        """Encoded instruction length in bytes."""
        return 1 + IMM_BYTES[self.imm]


def _op(
    byte: int,
    name: str,
    family: str,
    gas: int,
    sig: str,
    stack: str,
    doc: str,
    *,
    imm: str = "",
    per_word: tuple[int, str] = (0, ""),
    variadic: bool = False,
) -> OpSpec:
    ins, outs = sig.split(">")
    return OpSpec(
        byte, name, family, gas, ins, outs, imm, per_word[0], per_word[1], variadic, stack, doc
    )


# fmt: off
OPCODES: tuple[OpSpec, ...] = (
    # control
    _op(0x00, "INVALID", "control", 0, ">", "-", "trap INVALID_OPCODE"),
    _op(0x01, "JMP", "control", 2, ">", "-", "jump to offset imm", imm="u16"),
    _op(0x02, "JZ", "control", 3, "i>", "c -", "jump to offset imm if c == 0", imm="u16"),
    _op(0x03, "JNZ", "control", 3, "i>", "c -", "jump to offset imm if c != 0", imm="u16"),
    _op(0x04, "CALL", "control", 10, ">", "a1..an - r?",
        "call function imm with its n params; push its result, if any", imm="u16", variadic=True),
    _op(0x05, "RET", "control", 2, ">", "r? -",
        "return the function's result (0 or 1 values) from the top of the stack", variadic=True),
    _op(0x06, "REVERT", "control", 5, "b>", "msg -",
        "stop; undo this call's writes; status REVERTED with msg; unused gas is kept"),
    # stack and locals
    _op(0x10, "PUSHI", "stack", 1, ">i", "- n", "push the signed 16-bit immediate", imm="i16"),
    _op(0x11, "CONST", "stack", 1, ">", "- v", "push constant imm of the pool", imm="u16",
        variadic=True),
    _op(0x12, "POP", "stack", 1, "x>", "a -", "drop the top value"),
    _op(0x13, "DUP", "stack", 1, "x>xx", "a - a a", "duplicate the top value"),
    _op(0x14, "SWAP", "stack", 1, "xy>yx", "a b - b a", "swap the two top values"),
    _op(0x15, "LGET", "stack", 1, ">", "- v", "push local imm", imm="u8", variadic=True),
    _op(0x16, "LSET", "stack", 1, ">", "v -", "pop into local imm", imm="u8", variadic=True),
    # integer arithmetic (results outside -2**255..2**255-1 trap ARITHMETIC)
    _op(0x20, "ADD", "arith", 2, "ii>i", "a b - a+b", "add"),
    _op(0x21, "SUB", "arith", 2, "ii>i", "a b - a-b", "subtract"),
    _op(0x22, "MUL", "arith", 3, "ii>i", "a b - a*b", "multiply"),
    _op(0x23, "DIV", "arith", 5, "ii>i", "a b - a//b", "floor division; b == 0 traps"),
    _op(0x24, "MOD", "arith", 5, "ii>i", "a b - a%b",
        "floor modulo (sign of b); b == 0 traps"),
    _op(0x25, "NEG", "arith", 2, "i>i", "a - -a", "negate"),
    _op(0x26, "AND", "arith", 2, "ii>i", "a b - a&b", "bitwise and (two's complement)"),
    _op(0x27, "OR", "arith", 2, "ii>i", "a b - a|b", "bitwise or (two's complement)"),
    _op(0x28, "XOR", "arith", 2, "ii>i", "a b - a^b", "bitwise xor (two's complement)"),
    _op(0x29, "SHL", "arith", 3, "ii>i", "a n - a<<n", "shift left; n outside 0..255 traps"),
    _op(0x2A, "SHR", "arith", 3, "ii>i", "a n - a>>n",
        "arithmetic (floor) shift right; n outside 0..255 traps"),
    # comparison and logic (results are 0 or 1)
    _op(0x30, "LT", "compare", 2, "ii>i", "a b - a<b", "less than"),
    _op(0x31, "LE", "compare", 2, "ii>i", "a b - a<=b", "less or equal"),
    _op(0x32, "GT", "compare", 2, "ii>i", "a b - a>b", "greater than"),
    _op(0x33, "GE", "compare", 2, "ii>i", "a b - a>=b", "greater or equal"),
    _op(0x34, "EQ", "compare", 2, "xx>i", "a b - a==b", "equal (two ints or two byte strings)"),
    _op(0x35, "NE", "compare", 2, "xx>i", "a b - a!=b", "not equal (same types)"),
    _op(0x36, "LNOT", "compare", 2, "i>i", "a - a==0", "logical not"),
    # byte strings (at most 4096 bytes long)
    _op(0x40, "CONCAT", "bytes", 3, "bb>b", "a b - a||b", "concatenate", per_word=(1, "result")),
    _op(0x41, "LEN", "bytes", 2, "b>i", "a - len(a)", "length"),
    _op(0x42, "SLICE", "bytes", 3, "bii>b", "a s e - a[s:e]",
        "bytes s..e; needs 0 <= s <= e <= len(a) (else OUT_OF_BOUNDS)", per_word=(1, "result")),
    _op(0x43, "ITOB", "bytes", 3, "i>b", "n - b", "32-byte big-endian two's complement"),
    _op(0x44, "BTOI", "bytes", 3, "b>i", "b - n",
        "big-endian two's complement of 0..32 bytes (empty is 0; longer: OUT_OF_BOUNDS)"),
    _op(0x45, "UNPACKI", "bytes", 5, "bi>i", "abi k - n",
        "int at index k of a canonical ABI value list (else BAD_ARGUMENT)",
        per_word=(50, "input")),
    _op(0x46, "UNPACKB", "bytes", 5, "bi>b", "abi k - b",
        "bytes at index k of a canonical ABI value list (else BAD_ARGUMENT)",
        per_word=(50, "input")),
    # crypto
    _op(0x50, "SHA256", "crypto", 20, "b>b", "data - digest", "sha256", per_word=(5, "input")),
    _op(0x51, "VERIFY", "crypto", 2000, "bbb>i", "pubkey digest sig - ok",
        "1 if sig (64-byte r||s, low-S) signs digest under pubkey (either curve), else 0"),
    _op(0x52, "ADDROF", "crypto", 40, "b>b", "pubkey - addr",
        "address (20 bytes) of a 34-byte public key; a bad key is BAD_ARGUMENT"),
    # environment
    _op(0x60, "CALLER", "env", 2, ">b", "- addr", "address of the caller"),
    _op(0x61, "SELF", "env", 2, ">b", "- addr", "address of this contract"),
    _op(0x62, "CALLVALUE", "env", 2, ">i", "- n", "value sent with this call"),
    _op(0x63, "HEIGHT", "env", 2, ">i", "- n", "block height"),
    _op(0x64, "TIMESTAMP", "env", 2, ">i", "- n", "block timestamp, seconds"),
    _op(0x65, "TIMESTAMPMS", "env", 2, ">i", "- n", "block timestamp, milliseconds"),
    _op(0x66, "CHAINID", "env", 2, ">b", "- id", "chain id (UTF-8 bytes)"),
    _op(0x67, "BALANCE", "env", 100, "b>i", "addr - n", "balance of an address"),
    # state and effects (all trap WRITE_IN_VIEW in a view call, except SLOAD)
    _op(0x70, "SLOAD", "state", 200, "b>b", "key - value",
        "this contract's storage (empty when absent)", per_word=(2, "value")),
    _op(0x71, "SSTORE", "state", 1000, "bb>", "key value -", "write storage",
        per_word=(20, "key and value")),
    _op(0x72, "SDEL", "state", 500, "b>", "key -", "delete storage"),
    _op(0x73, "TRANSFER", "state", 1000, "bi>", "to amount -",
        "send amount from this contract (< 0: BAD_ARGUMENT; too little: INSUFFICIENT_FUNDS)"),
    _op(0x74, "EMIT", "state", 100, "b>", "name v1..vn -",
        "emit event name with the n = imm fields, ABI-encoded (+10 gas per field)", imm="u8",
        per_word=(5, "name and data"), variadic=True),
    _op(0x75, "XCALL", "state", 1000, "bbi>ib", "addr sel value a1..an - ok data",
        "call function sel of another contract with n = imm args (+10 gas each); ok 1 and its "
        "ABI result, or ok 0 and its error message (its writes undone)", imm="u8",
        per_word=(2, "args"),
        variadic=True),
)
# fmt: on

BY_BYTE: MappingProxyType[int, OpSpec] = MappingProxyType({op.byte: op for op in OPCODES})
BY_NAME: MappingProxyType[str, OpSpec] = MappingProxyType({op.name: op for op in OPCODES})
TERMINATORS = frozenset({"JMP", "RET", "REVERT", "INVALID"})
JUMPS = frozenset({"JMP", "JZ", "JNZ"})


def markdown_table() -> str:
    """The opcode table as Markdown; docs/contracts.md embeds exactly this text."""
    lines = [
        "| byte | name | gas | per word | imm | stack | what it does |",
        "|---|---|---:|---|---|---|---|",
    ]
    for op in OPCODES:
        per_word = f"{op.per_word_gas} per word of {op.per_word_of}" if op.per_word_gas else ""
        lines.append(
            f"| 0x{op.byte:02X} | `{op.name}` | {op.gas} | {per_word} | {op.imm} "
            f"| `{op.stack}` | {op.doc} |"
        )
    return "\n".join(lines) + "\n"
