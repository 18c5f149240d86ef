"""End to end: one real `vmchain node --dev` process driven over gRPC with the generated stubs.

Every test here shares the session's dev node (tests/node/conftest.py) and stays correct
whatever the others did: balances are read at the receipt's height, txs carry unique notes.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from node_helpers import (
    KEYS,
    NodeProcess,
    assert_rpc_error,
    balance,
    call,
    deploy,
    head_height,
    mine,
    receipt_status,
    selector,
    submit,
    transfer,
)

from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.block import BlockHeader
from vmchain.chain.genesis import DEV_BALANCE, DEV_CHAIN_ID
from vmchain.chain.tx import TX_DOMAIN, build_transfer, encode_body, signed_message
from vmchain.crypto import PrivateKey, Scheme
from vmchain.encoding import abi
from vmchain.state.world import verify_account

pytestmark = pytest.mark.e2e

Code = grpc.StatusCode
SEALER = KEYS[0]


def fresh_address(seed: int) -> bytes:
    return PrivateKey.from_int(Scheme.SECP256K1, 10**20 + seed).address


# ---------------------------------------------------------------------------------------------
# Info, health, reflection


def test_node_info_health_and_reflection(dev_node: NodeProcess) -> None:
    info = dev_node.node.GetNodeInfo(npb.GetNodeInfoRequest())
    assert info.chain_id == DEV_CHAIN_ID
    assert list(info.authorities) == [SEALER.address]
    assert info.dev is True
    assert info.block_gas_limit == 100_000_000
    assert info.max_validity_window == 1000
    health = health_pb2_grpc.HealthStub(dev_node.channel)
    for service in ("", "vmchain.v1.Node", "vmchain.v1.Dev"):
        response = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(dev_node.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (response,) = list(stub.ServerReflectionInfo(iter([request])))
    names = {s.name for s in response.list_services_response.service}
    assert {"vmchain.v1.Node", "vmchain.v1.Dev", "grpc.health.v1.Health"} <= names


# ---------------------------------------------------------------------------------------------
# Transfers


def test_transfer_is_sealed_with_receipt_and_exact_balances(dev_node: NodeProcess) -> None:
    node = dev_node.node
    sender, to = KEYS[1], fresh_address(1)
    tx = transfer(node, sender, to, 1_234, gas_price=3, note=b"exact")
    response = submit(node, tx)
    receipt = response.receipt
    assert response.tx_id == tx.tx_id == receipt.tx_id
    assert receipt_status(receipt) == "SUCCESS"
    assert receipt.gas_used == tx.body.gas_limit  # a transfer uses exactly its intrinsic gas
    h = receipt.height
    fee = receipt.gas_used * 3
    assert balance(node, to, h) == 1_234
    assert balance(node, to, h - 1) == 0
    assert balance(node, sender.address, h - 1) - balance(node, sender.address, h) == 1_234 + fee
    assert balance(node, SEALER.address, h) - balance(node, SEALER.address, h - 1) == fee
    block = node.GetBlock(npb.GetBlockRequest(height=h, full=True))
    assert tx.encoded in [t.SerializeToString(deterministic=True) for t in block.transactions]
    assert list(block.receipts)[receipt.index] == receipt
    assert node.GetReceipt(npb.GetReceiptRequest(tx_id=tx.tx_id)) == receipt
    info = node.GetTransaction(npb.GetTransactionRequest(tx_id=tx.tx_id))
    assert (info.height, info.index) == (h, receipt.index)
    assert info.tx.SerializeToString(deterministic=True) == tx.encoded


def test_same_tx_submitted_five_times_concurrently_is_executed_once(
    dev_node: NodeProcess,
) -> None:
    node = dev_node.node
    sender, to = KEYS[2], fresh_address(2)
    tx = transfer(node, sender, to, 777, note=b"five-at-once")
    barrier = threading.Barrier(5)
    results: list[Any] = []

    def send() -> None:
        barrier.wait()
        results.append(submit(node, tx, wait_ms=10_000, timeout=15).receipt)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(results) == 5
    assert all(r == results[0] for r in results)
    h = results[0].height
    block = node.GetBlock(npb.GetBlockRequest(height=h, full=True))
    ids = [r.tx_id for r in block.receipts]
    assert ids.count(tx.tx_id) == 1
    assert balance(node, to) == 777


def test_sealed_duplicate_answers_already_exists_or_its_receipt(dev_node: NodeProcess) -> None:
    node = dev_node.node
    tx = transfer(node, KEYS[3], fresh_address(3), 5, note=b"dup")
    receipt = submit(node, tx).receipt
    message = assert_rpc_error(Code.ALREADY_EXISTS, tx.tx_id.hex(), submit, node, tx, wait_ms=0)
    assert f"block {receipt.height}" in message
    assert submit(node, tx, wait_ms=1_000).receipt == receipt
    assert node.GetReceipt(npb.GetReceiptRequest(tx_id=tx.tx_id, wait_ms=100)) == receipt


def test_pending_duplicate_without_wait_is_already_exists(dev_node: NodeProcess) -> None:
    node = dev_node.node
    tx = transfer(node, KEYS[3], fresh_address(33), 5, note=b"pending-dup")
    assert submit(node, tx, wait_ms=0).receipt.tx_id == b""  # admitted, no receipt yet
    assert_rpc_error(Code.ALREADY_EXISTS, tx.tx_id.hex(), submit, node, tx, wait_ms=0)
    receipt = node.GetReceipt(npb.GetReceiptRequest(tx_id=tx.tx_id, wait_ms=5_000))
    assert receipt.tx_id == tx.tx_id and receipt_status(receipt) == "SUCCESS"


def test_batches_get_one_response_each_with_a_result_per_tx(dev_node: NodeProcess) -> None:
    node = dev_node.node
    good = [transfer(node, KEYS[4], fresh_address(40 + i), 10 + i, note=b"batch") for i in range(3)]
    bad = transfer(node, KEYS[4], fresh_address(49), 1, note=b"bad-sig")
    bad_message = signed_message(bad)
    bad_message.signature = bytes(64)
    batches = [
        npb.SubmitBatch(txs=[signed_message(t) for t in good[:2]]),
        npb.SubmitBatch(txs=[signed_message(good[2]), signed_message(good[0]), bad_message]),
    ]
    responses = list(node.SubmitTransactions(iter(batches), timeout=10))
    assert len(responses) == 2
    assert [(r.tx_id, r.code) for r in responses[0].results] == [(t.tx_id, 0) for t in good[:2]]
    second = responses[1].results
    assert [r.code for r in second] == [
        0,
        Code.ALREADY_EXISTS.value[0],
        Code.INVALID_ARGUMENT.value[0],
    ]
    assert good[0].tx_id.hex() in second[1].error
    assert "bad_signature" in second[2].error and second[2].tx_id == bad.tx_id
    for i, tx in enumerate(good):
        receipt = node.GetReceipt(npb.GetReceiptRequest(tx_id=tx.tx_id, wait_ms=5_000))
        assert balance(node, fresh_address(40 + i), receipt.height) == 10 + i


# ---------------------------------------------------------------------------------------------
# Every error code, on purpose


def _resigned(key: PrivateKey, tx: Any, **changes: Any) -> Any:
    body = tx.body.__class__(**{**{f: getattr(tx.body, f) for f in tx.body.__slots__}, **changes})
    body_bytes = encode_body(body)
    return pb.SignedTransaction(
        body=body_bytes, public_key=key.public_key, signature=key.sign(TX_DOMAIN, body_bytes)
    )


def test_invalid_argument(dev_node: NodeProcess) -> None:
    node = dev_node.node
    key = KEYS[5]
    tx = transfer(node, key, fresh_address(5), 1, note=b"invalid")
    bad_sig = signed_message(tx)
    bad_sig.signature = bytes(reversed(bad_sig.signature))
    request = npb.SubmitRequest(tx=bad_sig)
    assert_rpc_error(Code.INVALID_ARGUMENT, "bad_signature", node.SubmitTransaction, request)
    other_chain = _resigned(key, tx, chain_id="other-chain")
    assert_rpc_error(
        Code.INVALID_ARGUMENT,
        "wrong_chain_id: tx is for chain 'other-chain', this is 'vmchain-dev'",
        node.SubmitTransaction,
        npb.SubmitRequest(tx=other_chain),
    )
    junk = pb.SignedTransaction(body=b"\xff\xff", public_key=key.public_key, signature=bytes(64))
    assert_rpc_error(
        Code.INVALID_ARGUMENT, "malformed", node.SubmitTransaction, npb.SubmitRequest(tx=junk)
    )
    assert_rpc_error(
        Code.INVALID_ARGUMENT,
        "address must be a 20-byte address, got 3 bytes",
        node.GetAccount,
        npb.GetAccountRequest(address=b"abc"),
    )
    assert_rpc_error(
        Code.INVALID_ARGUMENT, "tx is required", node.SubmitTransaction, npb.SubmitRequest()
    )


def test_failed_precondition(dev_node: NodeProcess) -> None:
    node = dev_node.node
    poor = PrivateKey.from_int(Scheme.SECP256K1, 4242)
    tx = transfer(node, poor, fresh_address(6), 1)
    assert_rpc_error(
        Code.FAILED_PRECONDITION,
        f"cannot_pay_gas: sender 0x{poor.address.hex()} has 0",
        submit,
        node,
        tx,
    )
    head = head_height(node)
    late = transfer(node, KEYS[6], fresh_address(6), 1, first_valid=head + 50)
    assert_rpc_error(
        Code.FAILED_PRECONDITION, f"not valid before height {head + 50}", submit, node, late
    )


def test_resource_exhausted(dev_node: NodeProcess) -> None:
    node = dev_node.node
    big_note = transfer(node, KEYS[6], fresh_address(7), 1, note=b"x" * 200_000)
    assert_rpc_error(Code.RESOURCE_EXHAUSTED, "too_large: body is", submit, node, big_note)
    huge = pb.SignedTransaction(body=b"\x00" * 2_000_000)
    assert_rpc_error(
        Code.RESOURCE_EXHAUSTED,
        "larger than max",
        node.SubmitTransaction,
        npb.SubmitRequest(tx=huge),
    )


def test_not_found(dev_node: NodeProcess) -> None:
    node = dev_node.node
    unknown = bytes(range(32))
    assert_rpc_error(
        Code.NOT_FOUND,
        f"tx 0x{unknown.hex()} is not known to this node",
        node.GetReceipt,
        npb.GetReceiptRequest(tx_id=unknown, wait_ms=100),
    )
    assert_rpc_error(
        Code.NOT_FOUND,
        "no block at height 1000000000",
        node.GetBlock,
        npb.GetBlockRequest(height=10**9),
    )
    assert_rpc_error(
        Code.NOT_FOUND,
        "no block with hash",
        node.GetBlock,
        npb.GetBlockRequest(hash=bytes(32)),
    )
    assert_rpc_error(
        Code.NOT_FOUND,
        "is not known",
        node.GetTransaction,
        npb.GetTransactionRequest(tx_id=unknown),
    )


def test_deadline_exceeded_says_the_tx_is_still_pending(dev_node: NodeProcess) -> None:
    node = dev_node.node
    tx = transfer(node, KEYS[7], fresh_address(8), 3, note=b"deadline")
    message = assert_rpc_error(Code.DEADLINE_EXCEEDED, "still pending", submit, node, tx, wait_ms=1)
    assert tx.tx_id.hex() in message
    receipt = node.GetReceipt(npb.GetReceiptRequest(tx_id=tx.tx_id, wait_ms=5_000))
    assert receipt_status(receipt) == "SUCCESS"  # the wait ran out, the tx did not


def test_dev_revert_of_an_unknown_snapshot_is_not_found(dev_node: NodeProcess) -> None:
    # Snapshot / Revert themselves: tests/node/test_e2e_dev_snapshot.py (a node of their own).
    assert_rpc_error(Code.NOT_FOUND, "no snapshot 0", dev_node.devc.Revert, dpb.RevertRequest())


# ---------------------------------------------------------------------------------------------
# Contracts, events and streams


def _deploy_ping(node: Any) -> bytes:
    receipt = submit(node, deploy(node, KEYS[8], note=b"ping")).receipt
    assert receipt_status(receipt) == "SUCCESS", receipt.error
    assert len(receipt.contract_address) == 20
    address: bytes = receipt.contract_address
    return address


def test_call_is_read_only_and_estimates_gas(dev_node: NodeProcess) -> None:
    node = dev_node.node
    contract = _deploy_ping(node)
    receipt = submit(node, call(node, KEYS[8], contract, "ping", abi.encode([41]), b"c1")).receipt
    assert receipt_status(receipt) == "SUCCESS"
    assert abi.decode(receipt.return_value) == (41,)
    request = npb.CallRequest(contract=contract, function=selector("last"))
    setattr(request, "from", KEYS[8].address)
    result = node.Call(request)
    assert pb.TxStatus.Name(result.status) == "SUCCESS"
    assert abi.decode(result.return_value) == ((41).to_bytes(32, "big"),)
    assert result.gas_used > 21_000
    dry = npb.CallRequest(contract=contract, function=selector("ping"), args=abi.encode([99]))
    setattr(dry, "from", KEYS[8].address)
    result = node.Call(dry)
    assert [e.name for e in result.events] == ["Ping"]
    assert abi.decode(node.Call(request).return_value) == ((41).to_bytes(32, "big"),)  # unchanged
    storage = node.GetStorage(npb.GetStorageRequest(contract=contract, key=b"last"))
    assert storage.exists and storage.value == (41).to_bytes(32, "big")


def test_stream_events_resumed_after_disconnect_has_no_gap_and_no_duplicate(
    dev_node: NodeProcess,
) -> None:
    node = dev_node.node
    contract = _deploy_ping(node)
    start = head_height(node)
    sent = []
    for round_ in range(3):  # three blocks, several events each
        txs = [
            call(node, KEYS[9], contract, "ping", abi.encode([10 * round_ + i]), b"ev%d" % i)
            for i in range(3)
        ]
        batch = npb.SubmitBatch(txs=[signed_message(t) for t in txs])
        assert all(r.code == 0 for r in next(node.SubmitTransactions(iter([batch]))).results)
        for tx in txs:
            node.GetReceipt(npb.GetReceiptRequest(tx_id=tx.tx_id, wait_ms=5_000))
        sent += [10 * round_ + i for i in range(3)]
    request = npb.StreamEventsRequest(from_height=start, contract=contract, event="Ping")
    seen: list[Any] = []
    stream = node.StreamEvents(request)
    for event in stream:  # read part of the history, then drop the connection
        seen.append(event)
        if len(seen) == 4:
            stream.cancel()
            break
    last = seen[-1]
    resumed = node.StreamEvents(npb.StreamEventsRequest(from_height=last.height, contract=contract))
    for event in resumed:  # the documented resume rule: skip (height, index) already seen
        if (event.height, event.event.index) <= (last.height, last.event.index):
            continue
        seen.append(event)
        if len(seen) == len(sent):
            resumed.cancel()
            break
    values = [abi.decode(e.event.data)[0] for e in seen]
    assert sorted(values) == sorted(sent)
    keys = [(e.height, e.event.index) for e in seen]
    assert keys == sorted(set(keys))  # strictly increasing: no duplicate, in order
    assert all(e.event.contract == contract and e.tx_id for e in seen)


def test_stream_blocks_resumed_after_disconnect_has_no_gap_and_no_duplicate(
    dev_node: NodeProcess,
) -> None:
    node, devc = dev_node.node, dev_node.devc
    start = head_height(node)
    mine(devc, 3)
    heights: list[int] = []
    stream = node.StreamBlocks(npb.StreamBlocksRequest(from_height=start))
    for info in stream:
        heights.append(info.header.height)
        assert info.hash == BlockHeader.from_bytes(info.sealed.header).hash
        if len(heights) == 2:
            stream.cancel()
            break
    done = threading.Event()

    def mine_later() -> None:  # live blocks arrive while the resumed stream waits
        time.sleep(0.2)
        mine(devc, 2)
        done.set()

    threading.Thread(target=mine_later, daemon=True).start()
    resumed = node.StreamBlocks(npb.StreamBlocksRequest(from_height=heights[-1] + 1), timeout=20)
    for info in resumed:
        heights.append(info.header.height)
        if len(heights) == 6:
            resumed.cancel()
            break
    assert heights == list(range(start, start + 6))
    assert done.wait(10)


# ---------------------------------------------------------------------------------------------
# Proofs and dev time


def test_account_proof_verifies_against_the_returned_header(dev_node: NodeProcess) -> None:
    node = dev_node.node
    info = node.GetAccount(npb.GetAccountRequest(address=KEYS[9].address, prove=True))
    header = BlockHeader.from_bytes(info.header.header)
    assert header.height == info.height
    account = verify_account(header.state_root, KEYS[9].address, list(info.proof.nodes))
    assert account.balance == int.from_bytes(info.balance, "big") <= DEV_BALANCE
    missing = fresh_address(999)
    info = node.GetAccount(npb.GetAccountRequest(address=missing, prove=True))
    header = BlockHeader.from_bytes(info.header.header)
    assert verify_account(header.state_root, missing, list(info.proof.nodes)).balance == 0


def test_dev_time_control_moves_block_timestamps_exactly(dev_node: NodeProcess) -> None:
    devc, node = dev_node.devc, dev_node.node
    head = node.GetLatestBlock(npb.GetLatestBlockRequest()).header
    target = head.timestamp_ms + 86_400_000  # a day ahead of the chain
    response = devc.SetNextBlockTime(dpb.SetNextBlockTimeRequest(timestamp_ms=target))
    assert response.timestamp_ms == target
    mined = mine(devc)
    assert (mined.height, mined.timestamp_ms) == (head.height + 1, target)
    block = node.GetBlock(npb.GetBlockRequest(height=mined.height)).header
    assert block.timestamp_ms == target
    assert_rpc_error(
        Code.INVALID_ARGUMENT,
        f"timestamp_ms {target - 1} is before the head block",
        devc.SetNextBlockTime,
        dpb.SetNextBlockTimeRequest(timestamp_ms=target - 1),
    )
    devc.IncreaseTime(dpb.IncreaseTimeRequest(seconds=3_600))
    later = mine(devc)
    assert target + 3_600_000 <= later.timestamp_ms < target + 3_600_000 + 10_000
    tx = transfer(node, KEYS[1], fresh_address(11), 1, note=b"after-time-travel")
    receipt = submit(node, tx).receipt
    stamped = node.GetBlock(npb.GetBlockRequest(height=receipt.height)).header.timestamp_ms
    assert stamped >= later.timestamp_ms


def test_transfer_of_a_p256_account(dev_node: NodeProcess) -> None:
    node = dev_node.node
    p256 = PrivateKey.from_int(Scheme.P256, 123_456_789)
    fund = submit(node, transfer(node, KEYS[1], p256.address, 50_000, note=b"fund-p256")).receipt
    assert receipt_status(fund) == "SUCCESS"
    start = head_height(node) + 1
    tx = build_transfer(
        p256,
        chain_id=DEV_CHAIN_ID,
        to=fresh_address(12),
        amount=1_000,
        first_valid=start,
        last_valid=start + 10,
    )
    receipt = submit(node, tx).receipt
    assert receipt_status(receipt) == "SUCCESS"
    assert balance(node, fresh_address(12), receipt.height) == 1_000


def test_the_api_doc_example_runs(dev_node: NodeProcess) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    code = code.split("# Follow events", 1)[0]  # the stream loop runs forever
    code = code.replace("127.0.0.1:50051", dev_node.ready["grpc"])
    exec(compile(code, "docs/api.md", "exec"), {})
