"""End to end: the SDK drives a real `vmchain node --dev` process over gRPC, as a gate would.

The node is started with the node tests' NodeProcess (tests/node/node_helpers.py): port 0, a
temporary data dir, ready when GetNodeInfo answers. One node serves most tests; the
disconnect test runs its own on a fixed port so it can be restarted under a live client.
"""

from __future__ import annotations

import importlib
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from vmchain.chain.genesis import dev_key
from vmchain.chain.tx import build_transfer, intrinsic_gas
from vmchain.cli.commands.balance import COMMAND as BALANCE
from vmchain.cli.commands.transfer import COMMAND as TRANSFER
from vmchain.client import (
    Abi,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NodeClient,
    NotFound,
    RetryPolicy,
    TransactionFailed,
    Wallet,
    verify_receipt_bundle,
)
from vmchain.vm.asm import assemble
from vmchain.vm.module import encode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
node_helpers: Any = importlib.import_module("node_helpers")
NodeProcess: Any = node_helpers.NodeProcess
PING_CODE: bytes = node_helpers.PING_CODE

pytestmark = pytest.mark.e2e

ALICE = Wallet(dev_key(0))
BOB = Wallet(dev_key(1))
CAROL = Wallet(dev_key(2))
DEV_BALANCE = 10**24

# A parking-gate guard: admits a car while the lot has room, reverts with a message otherwise.
GATE_CODE = encode(
    assemble(
        """
.func enter(free: int) -> int public
    LGET free
    JNZ ok
    CONST "lot is full"
    REVERT
ok:
    CONST "Entered"
    LGET free
    EMIT 1
    LGET free
    RET
"""
    )
)


@pytest.fixture(scope="module")
def dev_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with node_helpers.running_node(
        tmp_path_factory.mktemp("sdk-node"), no_traceback=True
    ) as process:
        yield process


@pytest.fixture
def node(dev_node: Any) -> Iterator[NodeClient]:
    with NodeClient(dev_node.ready["grpc"], timeout=10.0) as client:
        yield client


def test_a_gate_pays_and_checks(node: NodeClient) -> None:
    gate = Wallet.generate("p256")
    before = node.balance(BOB.address)
    funded = node.transfer(ALICE, gate.address, 50_000)
    assert funded.status == "SUCCESS"
    receipt = node.transfer(gate, BOB.address, 1_250)
    tx = node.transaction(receipt.tx_id).tx
    assert (receipt.status, receipt.index, receipt.error) == ("SUCCESS", 0, "")
    assert receipt.gas_used == intrinsic_gas(len(tx.body_bytes))
    assert tx.body.sender == gate.address_bytes and tx.public_key[0] == 2  # a P-256 gate
    assert node.balance(gate.address) == 50_000 - 1_250
    assert node.balance(BOB.address) == before + 1_250
    account = node.account(BOB.address, height=receipt.height)
    assert (account.verified, account.height) == (True, receipt.height)
    block = node.block(receipt.height, full=True)  # seal, tx_root and receipts_root checked
    assert [r.tx_id for r in block.receipts] == [receipt.tx_id]
    assert node.receipt(receipt.tx_id) == receipt
    assert node.block(block.hash).height == receipt.height
    # A proof of payment the gate can hand over and anyone can check without a node.
    bundle = node.receipt_bundle(receipt.tx_id)
    assert verify_receipt_bundle(bundle, [ALICE.address_bytes], chain_id="vmchain-dev") == receipt


def test_the_same_tx_submitted_five_times_concurrently_runs_once(node: NodeClient) -> None:
    before = node.balance(CAROL.address)
    tx = node.build_transfer(ALICE, CAROL.address, 777)
    receipts: list[Any] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            receipts.append(node.submit(tx))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(receipts) == 5 and all(r == receipts[0] for r in receipts)
    assert node.balance(CAROL.address) == before + 777
    # Resubmitting after it is sealed: with wait, the same receipt; without, ALREADY_EXISTS.
    assert node.submit(tx) == receipts[0]
    with pytest.raises(AlreadyExists) as caught:
        node.submit(tx, wait=False)
    assert caught.value.tx_id == tx.tx_id


def test_contracts_deploy_call_transact_events_and_storage(node: NodeClient) -> None:
    ping = node.deploy(ALICE, PING_CODE, abi=Abi.from_dict({"events": {"Ping": ["n"]}}))
    assert ping.deploy_receipt is not None and ping.deploy_receipt.status == "SUCCESS"
    receipt = ping.transact(ALICE, "ping", 41)
    assert receipt.return_value == 41
    assert [(e.name, e.args, e.contract) for e in receipt.events] == [
        ("Ping", {"n": 41}, ping.address)
    ]
    assert ping.call("last") == (41).to_bytes(32, "big")
    assert ping.storage(b"last") == (41).to_bytes(32, "big")  # proof-checked
    assert ping.simulate("ping", 5).gas_used <= ping.build(ALICE, "ping", 5).body.gas_limit
    events = list(ping.events(receipt.height, "Ping", timeout=1.0))
    assert [(e.height, e.tx_id, e.args) for e in events] == [
        (receipt.height, receipt.tx_id, {"n": 41})
    ]


def test_a_failing_call_is_included_and_raises_with_the_contract_message(
    node: NodeClient,
) -> None:
    gate = node.deploy(ALICE, GATE_CODE)
    assert gate.transact(ALICE, "enter", 3).return_value == 3
    with pytest.raises(TransactionFailed) as caught:
        gate.transact(ALICE, "enter", 0)
    failed = caught.value.receipt
    assert (failed.status, caught.value.message) == ("REVERTED", "lot is full")
    assert failed.gas_used > 0 and node.receipt(failed.tx_id) == failed  # included, paid gas
    unchecked = gate.transact(ALICE, "enter", 0, check=False)
    assert unchecked.status == "REVERTED"


def test_error_codes_reach_the_caller_with_useful_messages(node: NodeClient) -> None:
    info = node.info()
    wrong_chain = build_transfer(
        ALICE.key,
        chain_id="other-chain",
        to=BOB.address,
        amount=1,
        first_valid=info.height + 1,
        last_valid=info.height + 10,
    )
    with pytest.raises(InvalidArgument, match="chain") as caught:
        node.submit(wrong_chain)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(FailedPrecondition, match=r"cannot_pay_gas: sender 0x[0-9a-f]{40} has 0"):
        node.transfer(Wallet.generate(), BOB.address, 1)
    stale = node.build_transfer(ALICE, BOB.address, 1, window=1)
    node.dev.mine()
    with pytest.raises(FailedPrecondition, match="window"):
        node.submit(stale)
    with pytest.raises(NotFound):
        node.receipt("0x" + "ab" * 32)


def test_dev_time_control_moves_block_timestamps_exactly(node: NodeClient) -> None:
    head = node.latest_block().timestamp_ms
    target = max(head // 1000 + 86_400, 2_000_000_000)
    node.dev.set_next_block_time(target)
    mined = node.dev.mine()
    assert mined.timestamp_ms == target * 1000
    # The dev clock runs on from the set time; an increase moves it forward by exactly that.
    node.dev.increase_time(3_600)
    receipt = node.transfer(ALICE, BOB.address, 1)
    stamped = node.block(receipt.height).timestamp_ms
    assert (target + 3_600) * 1000 <= stamped < (target + 3_600 + 5) * 1000


def test_streamed_batches(node: NodeClient) -> None:
    before = node.balance(CAROL.address)
    txs = [node.build_transfer(BOB, CAROL.address, i + 1) for i in range(20)]
    outcomes = node.submit_many([*txs, txs[0]], batch_size=8)
    assert [o.code for o in outcomes] == ["OK"] * 20 + ["ALREADY_EXISTS"]
    receipts = [node.receipt(tx.tx_id, wait=10.0) for tx in txs]
    assert all(r.status == "SUCCESS" for r in receipts)
    assert node.balance(CAROL.address) == before + sum(range(1, 21))


def test_cli_transfer_and_balance_against_the_node(
    dev_node: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse
    import json

    target = dev_node.ready["grpc"]

    def cli(command: Any, *argv: str) -> int:
        parser = argparse.ArgumentParser()
        command.add_arguments(parser)
        args = parser.parse_args(argv)
        return int(command.run(args))

    before = NodeClient(target).balance(CAROL.address)
    to = ("--to", CAROL.address, "--amount", "5", "--dev-account", "3")
    assert cli(TRANSFER, *to, "--node", target, "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] == "SUCCESS"
    assert cli(BALANCE, CAROL.address, "--node", target, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["balance"], shown["verified"]) == (str(before + 5), True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_events_resume_across_a_node_restart_without_gaps_or_repeats(tmp_path: Path) -> None:
    port = _free_port()
    args = ["--grpc", f"127.0.0.1:{port}"]
    data = tmp_path / "data"
    process = NodeProcess(data, args=args, log_path=tmp_path / "node.log").start()
    policy = RetryPolicy(deadline=20.0, initial_backoff=0.05, max_backoff=0.5)
    try:
        with NodeClient(f"127.0.0.1:{port}", retry=policy) as node:
            ping = node.deploy(ALICE, PING_CODE)
            first = [ping.transact(ALICE, "ping", n) for n in range(3)]
            stream = node.events(0, ping.address, "Ping", timeout=30.0)
            seen = [next(stream) for _ in range(2)]
            assert process.stop() == 0  # the stream breaks here
            process = NodeProcess(data, args=args, log_path=tmp_path / "node.log").start()
            later = [ping.transact(ALICE, "ping", n) for n in range(3, 5)]
            seen += [next(stream) for _ in range(3)]
            stream.close()
            assert [e.args["data"] for e in seen] == [(n,) for n in range(5)]
            assert [e.tx_id for e in seen] == [r.tx_id for r in first + later]
            keys = [(e.height, e.index) for e in seen]
            assert keys == sorted(set(keys))
    finally:
        assert process.stop() == 0
