"""Compiled contracts on a real `vmchain node --dev`, through the SDK and the CLI."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vmchain.chain.genesis import dev_key
from vmchain.cli.main import main
from vmchain.client import CallFailed, NodeClient, TransactionFailed, Wallet
from vmchain.lang.compiler import compile_file

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
running_node: Any = importlib.import_module("node_helpers").running_node

pytestmark = pytest.mark.e2e
CASES = Path(__file__).resolve().parent / "cases"
OWNER, BOB = Wallet(dev_key(0)), Wallet(dev_key(1))


@pytest.fixture(scope="module")
def dev_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running_node(tmp_path_factory.mktemp("lang-node")) as process:
        yield process


@pytest.fixture
def node(dev_node: Any) -> Iterator[NodeClient]:
    with NodeClient(dev_node.ready["grpc"], timeout=10.0) as client:
        yield client


def test_sdk_deploys_source_and_speaks_the_typed_abi(node: NodeClient) -> None:
    counter = node.deploy(OWNER, str(CASES / "counter.py"), 5)
    assert counter.call("get") == 5
    receipt = counter.transact(BOB, "bump", 3)
    assert receipt.return_value == 8
    assert [(e.name, e.args) for e in receipt.events] == [
        ("Bumped", {"by": BOB.address, "amount": 3, "total": 8})
    ]
    with pytest.raises(TransactionFailed) as failed:
        counter.transact(BOB, "bump", 0)
    assert failed.value.message == "amount must be positive"
    assert failed.value.receipt.status == "REVERTED"
    assert failed.value.receipt.error == "amount must be positive"
    with pytest.raises(TransactionFailed, match="only the owner may reset"):
        counter.transact(BOB, "reset")
    assert counter.call("get") == 8


def test_sdk_payable_views_and_cross_contract_calls(node: NodeClient) -> None:
    wallet = node.deploy(OWNER, compile_file(CASES / "wallet.py"))
    caller = node.deploy(OWNER, CASES / "caller.py")
    receipt = caller.transact(BOB, "forward", wallet.address, value=40)
    assert receipt.return_value == 40
    assert [e.args for e in receipt.events] == [{"who": caller.address, "amount": 40}]
    assert wallet.call("deposit_of", caller.address) == 40
    not_payable = wallet.transact(BOB, "withdraw", BOB.address, 1, value=3, check=False)
    assert not_payable.status == "NOT_PAYABLE"
    counter = node.deploy(OWNER, CASES / "counter.py", 1)
    with pytest.raises(CallFailed) as sneaky:
        caller.call("sneaky", counter.address)
    assert sneaky.value.message == "SSTORE in a view call"
    assert caller.call("read", counter.address) == 1


def test_cli_compile_deploy_call_send(
    dev_node: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = ["--node", dev_node.ready["grpc"]]
    assert main(["contract", "compile", str(CASES / "counter.py"), "-o", str(tmp_path)]) == 0
    module, abi = tmp_path / "Counter.vmc", tmp_path / "Counter.abi.json"
    assert module.read_bytes() == compile_file(CASES / "counter.py").code
    capsys.readouterr()
    assert main(["contract", "deploy", str(module), "7", "--dev-account", "0", *target]) == 0
    out = capsys.readouterr().out
    address = next(line.split()[1] for line in out.splitlines() if line.startswith("address:"))
    call = ["contract", "call", address, "get", "--abi", str(abi), *target]
    assert main(call) == 0
    assert capsys.readouterr().out.strip() == "return_value: 7"
    send = ["contract", "send", address, "bump", "2", "--abi", str(abi), "--dev-account", "1"]
    assert main([*send, *target, "--json"]) == 0
    assert '"return_value": 9' in capsys.readouterr().out
    assert (
        main(
            [
                "contract",
                "send",
                address,
                "bump",
                "0",
                "--abi",
                str(abi),
                "--dev-account",
                "1",
                *target,
            ]
        )
        == 1
    )
    assert "bump ended REVERTED: amount must be positive" in capsys.readouterr().err
