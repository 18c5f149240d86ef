"""Genesis: the dev chain's fixed accounts, genesis.json validation with errors naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vmchain.chain.errors import InvalidGenesis
from vmchain.chain.genesis import (
    DEFAULT_BLOCK_GAS_LIMIT,
    DEFAULT_BLOCK_MAX_TXS,
    SECP256K1_ORDER,
    ChainParams,
    dev_genesis,
    dev_keys,
    genesis_from_json,
    load_genesis,
    parse_genesis,
)
from vmchain.crypto import Scheme, address_to_text
from vmchain.crypto.curves import ORDER

A = "0x" + "11" * 20
B = "0x" + "22" * 20


def test_dev_accounts_are_fixed() -> None:
    keys = dev_keys()
    assert len(keys) == 10
    assert all(k.scheme is Scheme.SECP256K1 for k in keys)
    assert hex(keys[0].secret) == (
        "0x52e0867324cac509f7a852381e118dca661dbc3297db7978340b4d6615a0bb30"
    )
    assert address_to_text(keys[0].address) == "0x05bb3779f0f4c50d138b95162e524df299b71c91"
    assert address_to_text(keys[1].address) == "0x1487e7985da77f0541b705bb6991a18dd251ba63"
    assert address_to_text(keys[2].address) == "0xf7ce800275eb7e8500b12bf8e5b8d11f4ace89ff"
    assert ORDER[Scheme.SECP256K1] == SECP256K1_ORDER


def test_dev_genesis() -> None:
    genesis = dev_genesis(timestamp_ms=42)
    keys = dev_keys()
    assert genesis.chain_id == "vmchain-dev"
    assert genesis.timestamp_ms == 42
    assert genesis.authorities == (keys[0].address,)
    assert dict(genesis.alloc) == {k.address: 10**24 for k in keys}
    assert [a for a, _ in genesis.alloc] == sorted(k.address for k in keys)
    assert genesis.total_supply == 10**25
    assert genesis.params == ChainParams("vmchain-dev", 100_000_000, 2_000, 1_000, 0)
    assert genesis_from_json(genesis.to_json()) == genesis


def test_minimal_genesis_gets_the_defaults() -> None:
    genesis = parse_genesis({"chain_id": "lot-net", "authorities": [A]})
    assert genesis.timestamp_ms == 0
    assert genesis.alloc == ()
    assert genesis.block_gas_limit == DEFAULT_BLOCK_GAS_LIMIT == 100_000_000
    assert genesis.block_max_txs == DEFAULT_BLOCK_MAX_TXS == 2_000
    assert genesis.max_validity_window == 1_000
    assert genesis.min_gas_price == 0


def test_full_genesis_file(tmp_path: Path) -> None:
    document = {
        "chain_id": "city.parking-1",
        "timestamp_ms": 1_700_000_000_000,
        "authorities": [B, A],
        "alloc": {B: "1000", A: 2**100},
        "block_gas_limit": 50_000_000,
        "block_max_txs": 500,
        "max_validity_window": 20,
        "min_gas_price": 3,
    }
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(document))
    genesis = load_genesis(path)
    assert genesis.authorities == (bytes.fromhex("22" * 20), bytes.fromhex("11" * 20))
    assert genesis.alloc == ((bytes.fromhex("11" * 20), 2**100), (bytes.fromhex("22" * 20), 1000))
    assert genesis.params == ChainParams("city.parking-1", 50_000_000, 500, 20, 3)
    assert json.loads(genesis.to_json())["alloc"] == {A: str(2**100), B: "1000"}


BASE: dict[str, Any] = {"chain_id": "c", "authorities": [A]}


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"chain_id": None}, "chain_id", "is required"),
        ({"chain_id": ""}, "chain_id", "1-64 characters"),
        ({"chain_id": "has space"}, "chain_id", "1-64 characters"),
        ({"chain_id": "x" * 65}, "chain_id", "1-64 characters"),
        ({"chain_id": 5}, "chain_id", "got 5"),
        ({"authorities": None}, "authorities", "is required"),
        ({"authorities": []}, "authorities", "non-empty list"),
        ({"authorities": [A, A]}, "authorities", "same address twice"),
        ({"authorities": ["0x1234"]}, "authorities[0]", "40 lowercase hex"),
        ({"authorities": ["0x" + "AB" * 20]}, "authorities[0]", "lowercase"),
        ({"authorities": [7]}, "authorities[0]", "must be a string"),
        ({"alloc": []}, "alloc", "must be an object"),
        ({"alloc": {"bob": 1}}, "alloc.bob", "40 lowercase hex"),
        ({"alloc": {A: -1}}, f"alloc.{A}", "outside 0..2**128-1"),
        ({"alloc": {A: 2**128}}, f"alloc.{A}", "outside 0..2**128-1"),
        ({"alloc": {A: 1.5}}, f"alloc.{A}", "integer or a decimal string"),
        ({"alloc": {A: "0x10"}}, f"alloc.{A}", "integer or a decimal string"),
        ({"alloc": {A: "010"}}, f"alloc.{A}", "leading zero"),
        ({"alloc": {A: True}}, f"alloc.{A}", "integer or a decimal string"),
        ({"alloc": {A: 2**127, B: 2**127}}, "alloc", "total allocation exceeds"),
        ({"timestamp_ms": -1}, "timestamp_ms", "between 0 and"),
        ({"timestamp_ms": "now"}, "timestamp_ms", "must be an integer"),
        ({"block_gas_limit": 20_999}, "block_gas_limit", "between 21000 and"),
        ({"block_max_txs": 0}, "block_max_txs", "between 1 and"),
        ({"block_max_txs": 2**32}, "block_max_txs", "between 1 and"),
        ({"max_validity_window": 1.0}, "max_validity_window", "must be an integer"),
        ({"min_gas_price": False}, "min_gas_price", "must be an integer"),
        ({"gas_limit": 5}, "gas_limit", "unknown field"),
    ],
)
def test_bad_fields_are_named(change: dict[str, Any], field: str, text: str) -> None:
    document = {**BASE, **change}
    document = {k: v for k, v in document.items() if v is not None}
    with pytest.raises(InvalidGenesis) as info:
        parse_genesis(document)
    assert info.value.field == field
    assert text in info.value.message


def test_bad_json() -> None:
    with pytest.raises(InvalidGenesis, match="not valid JSON"):
        genesis_from_json("{")
    with pytest.raises(InvalidGenesis, match="must be a JSON object"):
        genesis_from_json("[]")
    with pytest.raises(InvalidGenesis, match="appears twice") as info:
        genesis_from_json('{"chain_id": "a", "chain_id": "b", "authorities": []}')
    assert info.value.field == "chain_id"
    with pytest.raises(InvalidGenesis, match=r"same address twice|appears twice"):
        genesis_from_json(json.dumps(BASE)[:-1] + f', "alloc": {{"{A}": 1, "{A}": 2}}}}')
