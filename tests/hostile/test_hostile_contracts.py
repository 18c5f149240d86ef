"""Abusive contracts on a real dev node: infinite loops, deep recursion, huge storage writes,
byte strings grown past the limit, and junk bytecode. Each ends in a receipt with its trap status
(nothing of the failed execution persists) and the node keeps sealing normal transfers.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_helpers import (
    KEYS,
    NodeProcess,
    balance,
    deploy,
    head_height,
    receipt_status,
    selector,
    submit,
    transfer,
)

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.genesis import DEV_CHAIN_ID
from vmchain.chain.tx import build_call, build_deploy
from vmchain.encoding import abi
from vmchain.node.config import DEFAULT_CALL_GAS_CAP
from vmchain.vm.asm import assemble
from vmchain.vm.limits import MAX_BYTES
from vmchain.vm.module import encode

from .hostile_helpers import COUNTS

pytestmark = pytest.mark.e2e

BIG = "0x" + "ab" * MAX_BYTES
HOSTILE_ASM = f"""
.const big bytes {BIG}
.func spin() public
top:
    JMP top
.func down(n: int) -> int public
    LGET n
    CALL down
    RET
.func fill() public
.local i: int
again:
    LGET i
    ITOB
    CONST big
    SSTORE
    LGET i
    PUSHI 1
    ADD
    LSET i
    JMP again
.func grow() public
    CONST "x"
more:
    DUP
    CONCAT
    JMP more
"""
HOSTILE_CODE = encode(assemble(HOSTILE_ASM))

# function -> (gas limit, receipt status); every one of them ends in a trap
TRAPS: dict[str, tuple[int, str]] = {
    "spin": (2_000_000, "OUT_OF_GAS"),
    "down": (2_000_000, "STACK_OVERFLOW"),
    "fill": (5_000_000, "OUT_OF_GAS"),
    "grow": (2_000_000, "OUT_OF_BOUNDS"),
}


@pytest.fixture(scope="module")
def contract(hostile_node: NodeProcess) -> bytes:
    receipt = submit(hostile_node.node, deploy(hostile_node.node, KEYS[0], HOSTILE_CODE)).receipt
    assert receipt_status(receipt) == "SUCCESS", receipt.error
    address: bytes = receipt.contract_address
    return address


def _call_tx(node: Any, name: str, contract: bytes, gas_limit: int, note: bytes) -> Any:
    start = head_height(node) + 1
    args = abi.encode([1]) if name == "down" else abi.encode([])
    return build_call(
        KEYS[1],
        chain_id=DEV_CHAIN_ID,
        contract=contract,
        function=selector(name),
        args=args,
        first_valid=start,
        last_valid=start + 100,
        gas_limit=gas_limit,
        note=note,
    )


@pytest.mark.parametrize("name", sorted(TRAPS))
def test_trap_receipts(hostile_node: NodeProcess, contract: bytes, name: str) -> None:
    node = hostile_node.node
    gas_limit, status = TRAPS[name]
    for round_ in range(3):
        COUNTS[f"contract:{name}"] += 1
        tx = _call_tx(node, name, contract, gas_limit, b"%d" % round_)
        receipt = submit(node, tx, wait_ms=10_000, timeout=15).receipt
        assert (receipt_status(receipt), receipt.tx_id) == (status, tx.tx_id), receipt.error
        assert receipt.error, name
        assert 0 < receipt.gas_used <= gas_limit
        if status == "OUT_OF_GAS":
            assert receipt.gas_used == gas_limit
    # nothing of a trapped execution persists
    for key in (b"", b"\x00", b"\x01", b"\x02"):
        stored = node.GetStorage(npb.GetStorageRequest(contract=contract, key=key), timeout=5)
        assert stored.value == b"", key


def test_read_only_calls_trap_quickly(hostile_node: NodeProcess, contract: bytes) -> None:
    node = hostile_node.node
    for name, (gas_limit, status) in sorted(TRAPS.items()):
        COUNTS[f"readonly_call:{name}"] += 1
        args = abi.encode([1]) if name == "down" else abi.encode([])
        request = npb.CallRequest(
            contract=contract, function=selector(name), args=args, gas_limit=gas_limit
        )
        setattr(request, "from", KEYS[1].address)
        result = node.Call(request, timeout=10)
        assert pb_status(result) == status, result.error


def test_read_only_call_gas_is_capped(hostile_node: NodeProcess, contract: bytes) -> None:
    # A Call pays no fee, so an infinite loop may burn at most the node's call gas cap (10M by
    # default, --call-gas-cap), whether the request names no limit or a larger one.
    node = hostile_node.node
    for asked in (0, 50_000_000):
        COUNTS["readonly_call:over_cap"] += 1
        request = npb.CallRequest(contract=contract, function=selector("spin"), gas_limit=asked)
        setattr(request, "from", KEYS[1].address)
        result = node.Call(request, timeout=30)
        assert (pb_status(result), result.gas_used) == ("OUT_OF_GAS", DEFAULT_CALL_GAS_CAP)


def pb_status(result: Any) -> str:
    name: str = pb.TxStatus.Name(result.status)
    return name


def test_junk_bytecode_deploys(hostile_node: NodeProcess) -> None:
    node = hostile_node.node
    seen: list[str] = []

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(code=st.binary(min_size=0, max_size=300))
    def run(code: bytes) -> None:
        COUNTS["junk_bytecode"] += 1
        start = head_height(node) + 1
        tx = build_deploy(
            KEYS[2],
            chain_id=DEV_CHAIN_ID,
            code=code,
            first_valid=start,
            last_valid=start + 100,
            gas_limit=1_000_000,
            note=code[:8] + b"%d" % len(seen),
        )
        receipt = submit(node, tx, wait_ms=0)
        assert receipt.tx_id == tx.tx_id
        sealed = node.GetReceipt(npb.GetReceiptRequest(tx_id=tx.tx_id, wait_ms=5_000), timeout=10)
        seen.append(receipt_status(sealed))
        assert receipt_status(sealed) == "INVALID_MODULE", sealed.error
        assert sealed.contract_address == b""

    run()
    assert set(seen) == {"INVALID_MODULE"}


def test_node_keeps_sealing(hostile_node: NodeProcess, contract: bytes) -> None:
    node = hostile_node.node
    before = balance(node, b"\x71" * 20)
    receipt = submit(node, transfer(node, KEYS[3], b"\x71" * 20, 13, note=b"after")).receipt
    assert receipt_status(receipt) == "SUCCESS"
    assert balance(node, b"\x71" * 20, receipt.height) == before + 13
