"""The builtins and environment attributes, as tables: types and the opcodes they lower to.

A row says what a name takes and gives and which VM instructions implement it, so the
checker, the lowering and docs/contracts.md read one truth. Builtins with control flow
(require, emit, min, max, Address) have `ops == ()` and a rule of their own in lower.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmchain.lang.model import ADDRESS, BOOL, BYTES, INT, NONE, Type


@dataclass(frozen=True, slots=True)
class Builtin:
    params: tuple[Type, ...]
    result: Type
    ops: tuple[str, ...]
    effect: str = ""  # what it does that a view may not ("" for none)
    doc: str = ""


BUILTINS: dict[str, Builtin] = {
    "sha256": Builtin((BYTES,), BYTES, ("SHA256",), doc="SHA-256 digest (32 bytes)"),
    "verify": Builtin(
        (BYTES, BYTES, BYTES),
        BOOL,
        ("VERIFY",),
        doc="verify(pubkey, digest, sig): a 64-byte r||s low-S signature over digest",
    ),
    "address_of": Builtin(
        (BYTES,), ADDRESS, ("ADDROF",), doc="address of a 34-byte public key (bad key: trap)"
    ),
    "transfer": Builtin(
        (ADDRESS, INT),
        NONE,
        ("TRANSFER",),
        effect="transfers value",
        doc="transfer(to, amount) from this contract's balance",
    ),
    "len": Builtin((BYTES,), INT, ("LEN",), doc="length of bytes"),
    "bytes": Builtin((ADDRESS,), BYTES, (), doc="an Address as plain bytes"),
    "require": Builtin((BOOL,), NONE, (), doc='require(cond, "message"): revert unless cond'),
    "emit": Builtin((), NONE, (), effect="emits an event", doc="emit(Event(...))"),
    "min": Builtin((INT, INT), INT, (), doc="the smaller of two ints"),
    "max": Builtin((INT, INT), INT, (), doc="the larger of two ints"),
    "Address": Builtin((BYTES,), ADDRESS, (), doc="bytes as an Address (reverts unless 20 long)"),
}

# (object, attribute) -> (type, ops)
ATTRIBUTES: dict[tuple[str, str], tuple[Type, tuple[str, ...]]] = {
    ("msg", "sender"): (ADDRESS, ("CALLER",)),
    ("msg", "value"): (INT, ("CALLVALUE",)),
    ("block", "timestamp"): (INT, ("TIMESTAMP",)),
    ("block", "timestamp_ms"): (INT, ("TIMESTAMPMS",)),
    ("block", "height"): (INT, ("HEIGHT",)),
    ("block", "chain_id"): (BYTES, ("CHAINID",)),
    ("self", "balance"): (INT, ("SELF", "BALANCE")),
    ("self", "address"): (ADDRESS, ("SELF",)),
}

# Builtins that need an import from vmchain.lang (len, min, max, bytes are Python's own).
IMPORTED = frozenset({"sha256", "verify", "address_of", "transfer", "require", "emit", "Address"})
PYTHON_BUILTINS_HINTS: dict[str, str] = {
    "print": "a contract has no output: emit an event instead",
    "abs": "write it out: x if x >= 0 else -x",
    "float": "use integers in minor units",
    "str": "use bytes literals b'...'",
    "list": "use a Map[int, V] storage field",
    "dict": "declare a Map[K, V] storage field",
    "set": "use a Map[K, bool] storage field",
    "open": "a contract cannot reach files",
    "input": "a contract cannot reach the outside world",
    "hash": "use sha256(data)",
    "int": "values keep their type: there are no int(...) conversions",
    "bool": "compare explicitly: x != 0",
    "range": "range(...) is allowed only in a for loop",
}
