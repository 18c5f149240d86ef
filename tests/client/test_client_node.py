"""NodeClient and Contract against the in-process fake node: exact transaction fields, receipts,
blocks, streams that resume without gaps or repeats, contract calls and failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import grpc
import pytest
from client_fakenode import SEALER, T0_MS, Scripted, Served, running

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.genesis import dev_key
from vmchain.chain.tx import (
    Call,
    Transfer,
    Tx,
    build_transfer,
    decode_signed,
    encode_body,
    intrinsic_gas,
)
from vmchain.client import (
    Abi,
    ArgumentError,
    CallFailed,
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    NodeClient,
    NotFound,
    RetryPolicy,
    TransactionFailed,
    Wallet,
)
from vmchain.client.node_client import CALL_GAS_MARGIN
from vmchain.vm.module import selector

ALICE = Wallet(SEALER)
BOB = Wallet(dev_key(1))
FAST = RetryPolicy(deadline=3.0, initial_backoff=0.01, max_backoff=0.05, jitter=0.0)
CONTRACT = "0x" + "c0" * 20


@pytest.fixture
def fake() -> Iterator[Served]:
    with running() as served:
        yield served


@pytest.fixture
def node(fake: Served) -> Iterator[NodeClient]:
    with NodeClient(fake.target, timeout=2.0, retry=FAST) as client:
        yield client


# -- building --------------------------------------------------------------------------------


def test_build_transfer_fills_every_field(fake: Served, node: NodeClient) -> None:
    fake.chain.seal()
    fake.chain.seal()  # head is 2
    tx = node.build_transfer(ALICE, BOB.address, 25)
    body = decode_signed(tx.encoded).body
    assert body.chain_id == "vmchain-dev"
    assert body.sender == ALICE.address_bytes
    assert (body.first_valid, body.last_valid) == (3, 3 + 1000 - 1)
    assert body.gas_limit == intrinsic_gas(len(tx.body_bytes))
    assert body.gas_price == 0
    assert body.payload == Transfer(to=BOB.address_bytes, amount=25)
    assert len(body.note) == 8
    again = node.build_transfer(ALICE, BOB.address, 25)
    assert again.body.note != body.note and again.tx_id != tx.tx_id  # equal payments differ
    exact = node.build_transfer(ALICE, BOB.address, 25, note=b"", window=1, gas_price=3)
    assert (exact.body.first_valid, exact.body.last_valid) == (3, 3)
    assert (exact.body.note, exact.body.gas_price) == (b"", 3)
    with pytest.raises(ValueError, match=r"window must be 1\.\.1001"):
        node.build_transfer(ALICE, BOB.address, 1, window=1002)


def test_build_call_estimates_gas_with_a_margin(fake: Served, node: NodeClient) -> None:
    tx = node.build_call(ALICE, CONTRACT, "pay", [BOB.address, 7, b"x"])
    body = tx.body
    assert isinstance(body.payload, Call)
    assert body.payload.function == selector("pay")
    # The address text went as its 20 bytes.
    assert body.payload.args == (
        b"\x02\x00\x00\x00\x14" + BOB.address_bytes + b"\x01\x01\x07" + b"\x02\x00\x00\x00\x01x"
    )
    # The fake's Call reports CALL_GAS (less than the body's intrinsic gas): the floor applies.
    limit_body = encode_body(replace(body, gas_limit=100_000_000))
    assert body.gas_limit == intrinsic_gas(len(limit_body)) + CALL_GAS_MARGIN
    fake.chain.scripts[selector("pay")] = Scripted(gas_used=80_000)
    assert node.build_call(ALICE, CONTRACT, "pay").body.gas_limit == 100_000 + CALL_GAS_MARGIN
    assert fake.node.calls["Call"] == 2  # one read-only Call per estimate


def test_arguments_must_be_vm_values(node: NodeClient) -> None:
    contract = node.contract(CONTRACT)
    with pytest.raises(ArgumentError, match="argument 1 is the text 'hello'"):
        contract.call("f", 1, "hello")
    with pytest.raises(ArgumentError, match="argument 0 is a float"):
        contract.call("f", 1.5)
    with pytest.raises(ArgumentError, match="a selector is 4 bytes"):
        contract.call(b"\x01\x02", 1)


# -- sending and reading -------------------------------------------------------------------


def test_transfer_receipt_block_and_transaction(fake: Served, node: NodeClient) -> None:
    receipt = node.transfer(ALICE, BOB.address, 1_000)
    tx = fake.chain.blocks[1].txs[0]
    assert receipt.tx_id == "0x" + tx.tx_id.hex()
    assert (receipt.height, receipt.index, receipt.status) == (1, 0, "SUCCESS")
    assert receipt.gas_used == intrinsic_gas(len(tx.body_bytes))
    assert (receipt.return_value, receipt.events, receipt.error) == (None, (), "")
    assert receipt.contract_address is None
    assert node.balance(BOB.address) == 10**24 + 1_000
    assert node.receipt(receipt.tx_id) == receipt
    assert node.receipt(tx.tx_id.hex(), wait=1.0) == receipt
    info = node.transaction(receipt.tx_id)
    assert (info.tx, info.height, info.index, info.tx_id) == (tx, 1, 0, receipt.tx_id)

    block = node.block(1, full=True)
    assert block.hash == "0x" + fake.chain.blocks[1].sealed.hash.hex()
    assert (block.height, block.tx_count, block.proposer) == (1, 1, ALICE.address)
    assert block.timestamp_ms == T0_MS + 1000
    assert block.transactions == (tx,)
    assert block.receipts == (receipt,)
    assert node.block(block.hash) == node.block(1)
    assert node.latest_block().hash == block.hash


def test_errors_carry_code_and_message(fake: Served, node: NodeClient) -> None:
    with pytest.raises(NotFound, match="no receipt for tx"):
        node.receipt("0x" + "00" * 32)
    with pytest.raises(NotFound, match="no block at height 9"):
        node.block(9)
    with pytest.raises(ValueError, match="64 hex digits"):
        node.receipt("0x1234")
    stale = node.build_transfer(ALICE, BOB.address, 1, window=1)
    fake.chain.seal()
    with pytest.raises(FailedPrecondition, match="outside its validity window") as caught:
        node.submit(stale)
    assert caught.value.tx_id == stale.tx_id
    assert caught.value.code == grpc.StatusCode.FAILED_PRECONDITION
    forged = pb.SignedTransaction(body=stale.body_bytes, public_key=stale.public_key, signature=b"")
    with pytest.raises(InvalidArgument, match="bad_signature"):
        node.submit(forged.SerializeToString(), wait=False)


def test_wait_false_then_receipt_with_wait(fake: Served, node: NodeClient) -> None:
    fake.node.hold = True
    tx_id = node.transfer(ALICE, BOB.address, 3, wait=False)
    with pytest.raises(NotFound):
        node.receipt(tx_id)
    waiter: list[object] = []
    thread = threading.Thread(target=lambda: waiter.append(node.receipt(tx_id, wait=5.0)))
    thread.start()
    node.dev.mine()
    thread.join(5)
    assert [r.tx_id for r in waiter] == [tx_id]  # type: ignore[attr-defined]


def test_a_wait_that_runs_out_is_deadline_exceeded_with_the_tx_id(
    fake: Served, node: NodeClient
) -> None:
    fake.node.hold = True
    tx = node.build_transfer(ALICE, BOB.address, 3)
    with pytest.raises(DeadlineExceeded) as caught:
        node.submit(tx, wait=0.2)
    assert caught.value.tx_id == tx.tx_id
    node.dev.mine()
    assert node.receipt(tx.tx_id).height == 1


def test_concurrent_submits_of_one_tx_share_one_receipt(fake: Served, node: NodeClient) -> None:
    fake.node.hold = True
    tx = node.build_transfer(ALICE, BOB.address, 11)
    receipts: list[object] = []
    threads = [
        threading.Thread(target=lambda: receipts.append(node.submit(tx, wait=5.0)))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    while fake.node.calls["SubmitTransaction"] < 5:
        threading.Event().wait(0.01)
    node.dev.mine()
    for thread in threads:
        thread.join(5)
    assert len(receipts) == 5 and len(set(map(repr, receipts))) == 1
    assert node.balance(BOB.address) == 10**24 + 11


def test_submit_many_reports_each_transaction(fake: Served, node: NodeClient) -> None:
    good = [node.build_transfer(ALICE, BOB.address, i + 1) for i in range(4)]
    wrong_chain = build_transfer(
        SEALER, chain_id="other", to=BOB.address, amount=1, first_valid=1, last_valid=9
    )
    outcomes = node.submit_many([*good[:2], wrong_chain, *good[2:]], batch_size=3)
    assert [o.code for o in outcomes] == ["OK", "OK", "INVALID_ARGUMENT", "OK", "OK"]
    assert outcomes[2].error == "wrong chain id 'other'"
    assert not outcomes[2].accepted
    assert node.balance(BOB.address) == 10**24 + 10
    assert node.submit_many([]) == []


# -- streams ---------------------------------------------------------------------------------


def _seal_event_blocks(fake: Served) -> list[tuple[int, int]]:
    """Blocks 1-3 with 3, 0 and 2 events; returns every (height, index) in order."""
    expected = []
    for count in (3, 0, 2):
        block = fake.chain.seal(
            _transfers(1), extra_events=[[("Paid", (i, b"lot")) for i in range(count)]]
        )
        expected += [(block.sealed.header.height, i) for i in range(count)]
    return expected


_notes = iter(range(10**6))


def _transfers(n: int) -> list[Tx]:
    return [
        build_transfer(
            SEALER,
            chain_id="vmchain-dev",
            to=BOB.address,
            amount=1,
            first_valid=1,
            last_valid=1000,
            note=next(_notes).to_bytes(4, "big"),
        )
        for _ in range(n)
    ]


def test_events_resume_mid_block_without_gaps_or_repeats(fake: Served, node: NodeClient) -> None:
    expected = _seal_event_blocks(fake)
    # The stream is cut after 2 events (in the middle of block 2), then after 1 more.
    fake.node.cut_streams_after = [2, 1]
    seen = []
    for event in node.events(0, timeout=5.0):
        seen.append((event.height, event.index))
        if len(seen) == len(expected):
            break
    assert seen == expected
    assert fake.node.calls["StreamEvents"] == 3


def test_events_live_and_decoded_with_an_abi(fake: Served, node: NodeClient) -> None:
    fake.chain.seal()
    node.register_abi(bytes(20), Abi.from_dict({"events": {"Paid": ["lot", "memo"]}}))
    stream = node.events(2, event="Paid", timeout=5.0)
    fake.chain.seal(_transfers(1), extra_events=[[("Other", (1,)), ("Paid", (5, b"m"))]])
    event = next(stream)
    assert (event.name, event.args, event.height, event.index) == (
        "Paid",
        {"lot": 5, "memo": b"m"},
        2,
        1,
    )
    assert event.contract == "0x" + "00" * 20
    assert event.timestamp_ms == fake.chain.blocks[2].sealed.header.timestamp_ms
    assert event.tx_id == "0x" + fake.chain.blocks[2].txs[0].tx_id.hex()
    stream.close()


def test_blocks_stream_resumes(fake: Served, node: NodeClient) -> None:
    for _ in range(4):
        fake.chain.seal()
    fake.node.cut_streams_after = [2]
    heights = []
    for block in node.blocks(1, timeout=5.0):
        heights.append(block.height)
        if block.height == 4:
            break
    assert heights == [1, 2, 3, 4]


def test_a_stream_ends_at_its_timeout(node: NodeClient) -> None:
    assert list(node.events(0, timeout=0.2)) == []


# -- contracts -------------------------------------------------------------------------------


def test_contract_call_transact_and_failures(fake: Served, node: NodeClient) -> None:
    fake.chain.scripts[selector("balance_of")] = Scripted(return_values=(42,), gas_used=300)
    fake.chain.scripts[selector("pay")] = Scripted(
        return_values=(1, b"ok"), events=(("Paid", (BOB.address_bytes, 7)),)
    )
    fake.chain.scripts[selector("refund")] = Scripted(
        status=pb.REVERTED, error="only the operator may refund"
    )
    contract = node.contract(CONTRACT, Abi.from_dict({"events": {"Paid": ["to", "amount"]}}))
    assert contract.call("balance_of", ALICE.address) == 42
    assert contract.simulate("balance_of").gas_used == 300
    with pytest.raises(CallFailed, match="call of refund ended REVERTED: only the operator"):
        contract.call("refund")

    receipt = contract.transact(ALICE, "pay", BOB.address, 7)
    assert receipt.status == "SUCCESS"
    assert receipt.return_value == (1, b"ok")
    assert [(e.name, e.args, e.contract) for e in receipt.events] == [
        ("Paid", {"to": BOB.address_bytes, "amount": 7}, CONTRACT)
    ]
    with pytest.raises(TransactionFailed) as caught:
        contract.transact(ALICE, "refund")
    assert caught.value.message == "only the operator may refund"
    assert caught.value.receipt.status == "REVERTED"
    assert caught.value.receipt.height == 2
    unchecked = contract.transact(ALICE, "refund", check=False)
    assert (unchecked.status, unchecked.error) == ("REVERTED", "only the operator may refund")
    built = contract.build(ALICE, "pay", 1, gas_limit=50_000, note=b"")
    assert (built.body.gas_limit, built.body.note) == (50_000, b"")
    assert isinstance(contract.transact(ALICE, "pay", 1, wait=False), str)


def test_dev_time_control_moves_the_next_timestamp(fake: Served, node: NodeClient) -> None:
    node.dev.set_next_block_time(1_800_000_000)
    assert node.dev.mine().timestamp_ms == 1_800_000_000_000
    node.dev.increase_time(3600)
    state = node.dev.mine()
    assert (state.height, state.timestamp_ms) == (2, 1_800_003_600_000)
