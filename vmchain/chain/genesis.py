"""Genesis: load and validate genesis.json (DESIGN.md section 8a), and the fixed dev chain.

genesis.json is an object with `chain_id` (string), `timestamp_ms`, `authorities` (addresses
allowed to seal), `alloc` ({address: amount}), `block_gas_limit`, `block_max_txs`,
`max_validity_window` and `min_gas_price`. Amounts may be JSON integers or decimal strings (so
tools that read JSON numbers as doubles keep them exact); `to_json` writes strings. Every error
names the offending field. Unknown fields are rejected: a typo must not silently become a default.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vmchain.chain.errors import InvalidGenesis
from vmchain.chain.tx import intrinsic_gas
from vmchain.crypto import InvalidAddress, PrivateKey, Scheme, address_from_text, address_to_text
from vmchain.encoding.amount import MAX_AMOUNT

DEFAULT_TIMESTAMP_MS = 0
# 100M gas holds block_max_txs plain transfers (about 22.6k gas each) four times over, and leaves
# room for contract calls; a single tx may use it all.
DEFAULT_BLOCK_GAS_LIMIT = 100_000_000
# 2,000 txs per block: a 100 ms block can carry 20,000 transfers/s, well above what one node seals.
DEFAULT_BLOCK_MAX_TXS = 2_000
DEFAULT_MAX_VALIDITY_WINDOW = 1_000
DEFAULT_MIN_GAS_PRICE = 0

U64_MAX = 2**64 - 1
U32_MAX = 2**32 - 1
# The voucher digest carries len(chain_id) in one byte; keep ids short, printable and unambiguous.
CHAIN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

DEV_CHAIN_ID = "vmchain-dev"
DEV_ACCOUNT_COUNT = 10
DEV_BALANCE = 10**24
# The secp256k1 group order n (also vmchain.crypto.curves.ORDER; a test checks they agree).
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True, slots=True)
class ChainParams:
    """The genesis values that admission, the mempool and the sealer consult."""

    chain_id: str
    block_gas_limit: int = DEFAULT_BLOCK_GAS_LIMIT
    block_max_txs: int = DEFAULT_BLOCK_MAX_TXS
    max_validity_window: int = DEFAULT_MAX_VALIDITY_WINDOW
    min_gas_price: int = DEFAULT_MIN_GAS_PRICE


@dataclass(frozen=True, slots=True)
class Genesis:
    """A validated genesis. `alloc` is sorted by address, so iterating it is deterministic."""

    chain_id: str
    timestamp_ms: int
    authorities: tuple[bytes, ...]
    alloc: tuple[tuple[bytes, int], ...]
    block_gas_limit: int = DEFAULT_BLOCK_GAS_LIMIT
    block_max_txs: int = DEFAULT_BLOCK_MAX_TXS
    max_validity_window: int = DEFAULT_MAX_VALIDITY_WINDOW
    min_gas_price: int = DEFAULT_MIN_GAS_PRICE

    @property
    def params(self) -> ChainParams:
        return ChainParams(
            chain_id=self.chain_id,
            block_gas_limit=self.block_gas_limit,
            block_max_txs=self.block_max_txs,
            max_validity_window=self.max_validity_window,
            min_gas_price=self.min_gas_price,
        )

    @property
    def total_supply(self) -> int:
        return sum(amount for _, amount in self.alloc)

    def to_json(self) -> str:
        """genesis.json text (amounts as decimal strings), stable byte for byte."""
        document = {
            "chain_id": self.chain_id,
            "timestamp_ms": self.timestamp_ms,
            "authorities": [address_to_text(a) for a in self.authorities],
            "alloc": {address_to_text(a): str(amount) for a, amount in self.alloc},
            "block_gas_limit": self.block_gas_limit,
            "block_max_txs": self.block_max_txs,
            "max_validity_window": self.max_validity_window,
            "min_gas_price": self.min_gas_price,
        }
        return json.dumps(document, indent=2) + "\n"


# ---------------------------------------------------------------------------------------------
# Field parsers: each takes the raw JSON value and the field name, returns the checked value.


def _int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidGenesis(field, f"must be an integer, got {json.dumps(value)}")
    if not low <= value <= high:
        raise InvalidGenesis(field, f"must be between {low} and {high}, got {value}")
    return value


def _address(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidGenesis(field, f"address must be a string, got {json.dumps(value)}")
    try:
        return address_from_text(value)
    except InvalidAddress as exc:
        raise InvalidGenesis(field, str(exc)) from None


def _amount(value: Any, field: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value) > 1 and value[0] == "0":
            raise InvalidGenesis(field, f"amount {value!r} has a leading zero")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidGenesis(
            field, f"amount must be an integer or a decimal string, got {json.dumps(value)}"
        )
    if not 0 <= value <= MAX_AMOUNT:
        raise InvalidGenesis(field, f"amount {value} is outside 0..2**128-1")
    return value


def _chain_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not CHAIN_ID_PATTERN.fullmatch(value):
        raise InvalidGenesis(
            field,
            "must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a "
            f"letter or digit; got {json.dumps(value)}",
        )
    return value


def _authorities(value: Any, field: str) -> tuple[bytes, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidGenesis(field, "must be a non-empty list of addresses")
    found = tuple(_address(item, f"{field}[{i}]") for i, item in enumerate(value))
    if len(set(found)) != len(found):
        raise InvalidGenesis(field, "lists the same address twice")
    return found


def _alloc(value: Any, field: str) -> tuple[tuple[bytes, int], ...]:
    if not isinstance(value, dict):
        raise InvalidGenesis(field, "must be an object {address: amount}")
    entries = [
        (_address(text, f"{field}.{text}"), _amount(amount, f"{field}.{text}"))
        for text, amount in value.items()
    ]
    if len({a for a, _ in entries}) != len(entries):
        raise InvalidGenesis(field, "lists the same address twice")
    if sum(amount for _, amount in entries) > MAX_AMOUNT:
        raise InvalidGenesis(field, "total allocation exceeds 2**128-1")
    return tuple(sorted(entries))


def _gas_limit(value: Any, field: str) -> int:
    return _int(value, field, intrinsic_gas(0), U64_MAX)


_REQUIRED = object()

FIELDS: dict[str, tuple[Callable[[Any, str], Any], Any]] = {
    # name: (parser, default)
    "chain_id": (_chain_id, _REQUIRED),
    "timestamp_ms": (lambda v, f: _int(v, f, 0, U64_MAX), DEFAULT_TIMESTAMP_MS),
    "authorities": (_authorities, _REQUIRED),
    "alloc": (_alloc, {}),
    "block_gas_limit": (_gas_limit, DEFAULT_BLOCK_GAS_LIMIT),
    "block_max_txs": (lambda v, f: _int(v, f, 1, U32_MAX), DEFAULT_BLOCK_MAX_TXS),
    "max_validity_window": (lambda v, f: _int(v, f, 0, U64_MAX), DEFAULT_MAX_VALIDITY_WINDOW),
    "min_gas_price": (lambda v, f: _int(v, f, 0, U64_MAX), DEFAULT_MIN_GAS_PRICE),
}


def parse_genesis(document: Mapping[str, Any]) -> Genesis:
    """Validate a decoded genesis.json object."""
    if not isinstance(document, Mapping):
        raise InvalidGenesis("<root>", "genesis must be a JSON object")
    for name in document:
        if name not in FIELDS:
            raise InvalidGenesis(name, f"unknown field; expected one of {sorted(FIELDS)}")
    values: dict[str, Any] = {}
    for name, (parse, default) in FIELDS.items():
        if name in document:
            values[name] = parse(document[name], name)
        elif default is _REQUIRED:
            raise InvalidGenesis(name, "is required")
        else:
            values[name] = parse(default, name)
    return Genesis(**values)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidGenesis(key, "appears twice in the same JSON object")
        result[key] = value
    return result


def genesis_from_json(text: str) -> Genesis:
    """Parse genesis.json text; InvalidGenesis on bad JSON, duplicate keys or bad fields."""
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InvalidGenesis("<root>", f"not valid JSON: {exc}") from None
    return parse_genesis(document)


def load_genesis(path: str | Path) -> Genesis:
    """Read and validate a genesis.json file."""
    return genesis_from_json(Path(path).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# The dev chain


def dev_key(index: int) -> PrivateKey:
    """Dev account `index`: sha256(b"vmchain-dev" || index as 4 bytes) mod n, on secp256k1."""
    seed = hashlib.sha256(b"vmchain-dev" + index.to_bytes(4, "big")).digest()
    return PrivateKey.from_int(Scheme.SECP256K1, int.from_bytes(seed, "big") % SECP256K1_ORDER)


def dev_keys() -> tuple[PrivateKey, ...]:
    """The ten fixed dev accounts; account 0 is the sole authority of the dev chain."""
    return tuple(dev_key(i) for i in range(DEV_ACCOUNT_COUNT))


def dev_genesis(timestamp_ms: int = DEFAULT_TIMESTAMP_MS) -> Genesis:
    """The dev chain: chain id "vmchain-dev", ten accounts of 10**24 units, account 0 seals."""
    keys = dev_keys()
    return Genesis(
        chain_id=DEV_CHAIN_ID,
        timestamp_ms=timestamp_ms,
        authorities=(keys[0].address,),
        alloc=tuple(sorted((k.address, DEV_BALANCE) for k in keys)),
    )
