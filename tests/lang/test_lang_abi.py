"""The typed ABI: JSON round trip, value conversions both ways, and their errors; the SDK's
Abi reading the compiler's JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from vmchain.client.abi import Abi
from vmchain.client.errors import ArgumentError
from vmchain.encoding import abi as vm_abi
from vmchain.lang import Address, Event, NotInContract, msg, require
from vmchain.lang.abi import AbiValueError, ContractAbi, from_vm, to_vm
from vmchain.lang.compiler import compile_file

CASES = Path(__file__).resolve().parent / "cases"
ADDR = "0x" + "ab" * 20


def test_json_round_trip() -> None:
    abi = compile_file(CASES / "arith.py").abi
    assert ContractAbi.from_json(abi.to_json()) == abi
    ops = abi.function("ops")
    assert (ops.returns, ops.view, ops.payable) == ("tuple[int, int, int, int, int]", True, False)
    assert abi.to_json()["functions"][1]["selector"] == "0x" + ops.selector.hex()


@pytest.mark.parametrize(
    ("type_text", "value", "vm"),
    [
        ("int", -5, -5),
        ("bool", True, 1),
        ("bytes", b"\x01", b"\x01"),
        ("Address", ADDR, bytes.fromhex("ab" * 20)),
        ("tuple[int, Address]", (3, ADDR), vm_abi.encode([3, bytes.fromhex("ab" * 20)])),
    ],
)
def test_values_convert_both_ways(type_text: str, value: Any, vm: Any) -> None:
    assert to_vm(type_text, value) == vm
    assert from_vm(type_text, vm) == (tuple(value) if isinstance(value, tuple) else value)


@pytest.mark.parametrize(
    ("type_text", "value", "message"),
    [
        ("int", True, "value must be an int, got bool"),
        ("int", 2**255, "outside -2**255..2**255-1"),
        ("bool", 1, "value must be a bool, got int"),
        ("bytes", "text", "value must be bytes, got str"),
        ("Address", "0x12", "address must be '0x' + 40 lowercase hex digits"),
        ("Address", b"short", "value must be an Address"),
        ("tuple[int, int]", (1,), "value must be a tuple[int, int] (2 items)"),
    ],
)
def test_bad_values_are_refused(type_text: str, value: Any, message: str) -> None:
    with pytest.raises(AbiValueError, match=re.escape(message)):
        to_vm(type_text, value)


def test_bad_data_is_refused() -> None:
    with pytest.raises(AbiValueError, match="a bool must be 0 or 1"):
        from_vm("bool", 2)
    with pytest.raises(AbiValueError, match="an Address is 20 bytes"):
        from_vm("Address", b"x")
    with pytest.raises(AbiValueError, match="does not decode"):
        from_vm("tuple[int, int]", b"\x09")
    with pytest.raises(AbiValueError, match="not a contract ABI document"):
        ContractAbi.from_json({"functions": []})
    with pytest.raises(AbiValueError, match="unknown ABI type 'float'"):
        ContractAbi.from_json(
            {"contract": "X", "functions": [{"name": "f", "inputs": [], "returns": "float"}]}
        )


def test_the_sdk_reads_the_compilers_json() -> None:
    artifact = compile_file(CASES / "counter.py")
    abi = Abi.from_dict(artifact.abi_json)
    assert abi.typed == artifact.abi and abi.events == {"Bumped": ("by", "amount", "total")}
    assert abi.encode_call("bump", [3]) == vm_abi.encode([3])
    assert abi.encode_call("unknown", [3]) is None
    with pytest.raises(ArgumentError, match="argument 'amount' of bump must be an int"):
        abi.encode_call("bump", ["3"])
    assert abi.decode_result("get", vm_abi.encode([7]), None) == 7
    args = abi.event_args("Bumped", (bytes.fromhex("ab" * 20), 1, 2))
    assert args == {"by": ADDR, "amount": 1, "total": 2}
    legacy = Abi.from_dict({"events": {"Ping": ["n"]}})
    assert legacy.typed is None and legacy.event_args("Ping", (1,)) == {"n": 1}


def test_the_names_contracts_import_are_real_objects() -> None:
    class Paid(Event):
        who: Address
        amount: int

    paid = Paid(Address(b"x" * 20), 5)
    assert (paid.who, paid.amount) == (b"x" * 20, 5)
    with pytest.raises(NotInContract, match=r"msg\.sender has a value only inside a compiled"):
        _ = msg.sender
    with pytest.raises(NotInContract, match="require"):
        require(True, "ok")
