"""The SDK-backed CLI commands (keys, transfer, balance, block, receipt) against the fake node,
through the same Command rows and exit-code rules cli/main.py uses."""

from __future__ import annotations

import argparse
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from client_fakenode import SEALER, Served, running

from vmchain.chain.genesis import dev_key
from vmchain.cli.commands import Command, CommandError, UsageError
from vmchain.cli.commands.balance import COMMAND as BALANCE
from vmchain.cli.commands.block import COMMAND as BLOCK
from vmchain.cli.commands.keys import COMMAND as KEYS
from vmchain.cli.commands.receipt import COMMAND as RECEIPT
from vmchain.cli.commands.transfer import COMMAND as TRANSFER
from vmchain.client import Wallet
from vmchain.crypto import address_to_text

COMMANDS: tuple[Command, ...] = (KEYS, TRANSFER, BALANCE, BLOCK, RECEIPT)
BOB = address_to_text(dev_key(1).address)


def cli(*argv: str) -> int:
    """Parse and run like cli/main.py: 0 ok, 1 failure, 2 usage."""
    parser = argparse.ArgumentParser(prog="vmchain")
    subparsers = parser.add_subparsers(dest="command")
    for command in COMMANDS:
        sub = subparsers.add_parser(command.name)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"error: {exc}")
        return 2
    except CommandError as exc:
        print(f"error: {exc}")
        return 1


def output(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def fake() -> Iterator[Served]:
    with running() as served:
        yield served


def test_keys_new_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gate.key"
    assert cli("keys", "new", str(path), "--curve", "p256", "--json") == 0
    created = output(capsys)
    wallet = Wallet.load(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert created == {
        "file": str(path),
        "address": wallet.address,
        "curve": "p256",
        "public_key": "0x" + wallet.public_key.hex(),
    }
    assert wallet.private_key_hex() not in json.dumps(created)
    assert cli("keys", "show", str(path), "--json") == 0
    assert output(capsys) == created
    assert cli("keys", "show", str(path), "--private", "--json") == 0
    assert output(capsys)["private_key"] == wallet.private_key_hex()
    assert cli("keys", "new", str(path)) == 1
    assert "already exists" in capsys.readouterr().out
    os.chmod(path, 0o644)
    assert cli("keys", "show", str(path)) == 1
    assert "chmod 600" in capsys.readouterr().out
    assert cli("keys") == 2
    assert cli("keys", "new", str(tmp_path / "x"), "--curve", "ed25519") == 2


def test_text_output_is_aligned_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "k"
    assert cli("keys", "new", str(path)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["file", "address", "curve", "public_key"]
    assert lines[1] == f"address:    {Wallet.load(path).address}"


def test_transfer_balance_block_receipt(
    fake: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = ("--node", fake.target, "--timeout", "2", "--json")
    assert cli("transfer", "--to", BOB, "--amount", "1500", "--dev-account", "0", *node) == 0
    receipt = output(capsys)
    tx = fake.chain.blocks[1].txs[0]
    assert receipt == {
        "tx_id": "0x" + tx.tx_id.hex(),
        "status": "SUCCESS",
        "height": 1,
        "index": 0,
        "gas_used": 21_000 + 16 * len(tx.body_bytes),
    }
    assert tx.sender == SEALER.address

    assert cli("balance", BOB, *node) == 0
    assert output(capsys) == {
        "address": BOB,
        "balance": str(10**24 + 1500),
        "height": 1,
        "verified": True,
    }
    assert cli("balance", BOB, "--height", "0", *node) == 0
    assert output(capsys)["balance"] == str(10**24)

    assert cli("receipt", receipt["tx_id"], *node) == 0
    assert output(capsys) == receipt

    assert cli("block", "1", "--full", *node) == 0
    block = output(capsys)
    assert block["hash"] == "0x" + fake.chain.blocks[1].sealed.hash.hex()
    assert block["transactions"] == [receipt["tx_id"]]
    assert block["receipts"] == [receipt]
    assert cli("block", *node) == 0
    assert output(capsys)["height"] == 1
    assert cli("block", block["hash"], *node) == 0
    assert output(capsys)["height"] == 1

    key = tmp_path / "bob.key"
    Wallet(dev_key(1)).save(key)
    assert cli("transfer", "--to", BOB, "--amount", "1", "--key", str(key), "--no-wait", *node) == 0
    pending = output(capsys)
    assert pending["status"] == "PENDING" and len(pending["tx_id"]) == 66


def test_cli_errors_and_exit_codes(fake: Served, capsys: pytest.CaptureFixture[str]) -> None:
    node = ("--node", fake.target, "--timeout", "2")
    assert cli("receipt", "0x" + "00" * 32, *node) == 1
    assert "NOT_FOUND in GetReceipt: no receipt for tx" in capsys.readouterr().out
    assert cli("receipt", "0x12", *node) == 2
    assert cli("block", "nope", *node) == 2
    assert cli("balance", "0xABC", *node) == 2
    assert cli("transfer", "--to", BOB, "--amount", "-1", "--dev-account", "0", *node) == 2
    assert cli("transfer", "--to", BOB, "--amount", "1", *node) == 2  # no signer
    capsys.readouterr()
    unreachable = ("--node", "127.0.0.1:1", "--timeout", "0.3")
    assert cli("balance", BOB, *unreachable) == 1
    assert "UNAVAILABLE in GetAccount" in capsys.readouterr().out
