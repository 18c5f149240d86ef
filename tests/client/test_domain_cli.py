"""`vmchain receipt --bundle FILE` writes a proof of payment; `vmchain verify-receipt FILE`
checks it offline against the authorities named on the command line (fake node: no process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from client_fakenode import SEALER, running

from vmchain.chain.genesis import dev_genesis, dev_key
from vmchain.cli.main import main
from vmchain.client import NodeClient, Wallet
from vmchain.crypto import address_to_text

DEV0 = address_to_text(SEALER.address)
BOB = address_to_text(dev_key(1).address)


@pytest.fixture
def bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[Path, Any]]:
    """A transfer's bundle written by `vmchain receipt --bundle`, and the receipt printed."""
    with running() as fake:
        with NodeClient(fake.target) as node:
            tx_id = node.transfer(Wallet(SEALER), BOB, 1_500).tx_id
        path = tmp_path / "paid.vmrb"
        args = ["receipt", tx_id, "--bundle", str(path), "--node", fake.target, "--json"]
        assert main(args) == 0
        printed = json.loads(capsys.readouterr().out)
        yield path, printed


def verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["verify-receipt", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_bundle_verifies_offline(
    bundle: tuple[Path, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path, printed = bundle
    assert printed["bundle"] == f"{path} ({path.stat().st_size} bytes)"
    assert printed["status"] == "SUCCESS" and printed["height"] == 1
    code, out = verify(capsys, str(path), "--dev", "--json")
    assert code == 0, out
    document = json.loads(out)
    assert document["verified"] is True
    assert (document["chain_id"], document["block"], document["sealed_by"]) == (
        "vmchain-dev",
        1,
        DEV0,
    )
    assert {k: document[k] for k in ("tx_id", "status", "height", "index", "gas_used")} == {
        k: printed[k] for k in ("tx_id", "status", "height", "index", "gas_used")
    }
    code, out = verify(capsys, str(path), "--authority", DEV0, "--chain-id", "vmchain-dev")
    assert code == 0 and "verified:" in out and "sealed_by:" in out


def test_trust_from_a_genesis_file(
    bundle: tuple[Path, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = bundle
    genesis = tmp_path / "genesis.json"
    genesis.write_text(dev_genesis().to_json())
    assert verify(capsys, str(path), "--genesis", str(genesis))[0] == 0
    code, out = verify(capsys, str(path), "--genesis", str(tmp_path / "none.json"))
    assert code == 1 and "cannot use genesis" in out


def test_what_does_not_hold_fails_with_exit_1(
    bundle: tuple[Path, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = bundle
    code, out = verify(capsys, str(path), "--authority", BOB)
    assert code == 1 and "does not verify" in out and "authorit" in out
    code, out = verify(capsys, str(path), "--dev", "--chain-id", "vmchain-prod")
    assert code == 1 and "expected 'vmchain-prod'" in out
    data = path.read_bytes()
    for i in (0, 4, 10, len(data) // 2, len(data) - 1):
        touched = tmp_path / f"touched{i}"
        touched.write_bytes(data[:i] + bytes([data[i] ^ 0x80]) + data[i + 1 :])
        code, out = verify(capsys, str(touched), "--dev")
        assert code == 1 and "does not verify" in out, i
    code, out = verify(capsys, str(tmp_path / "missing.vmrb"), "--dev")
    assert code == 1 and "cannot read" in out


def test_usage_errors_exit_2(bundle: tuple[Path, Any], capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = bundle
    code, out = verify(capsys, str(path))
    assert code == 2 and "say whose seals to trust" in out
    with pytest.raises(SystemExit) as exited:
        main(["verify-receipt", str(path), "--authority", "0x12"])
    assert exited.value.code == 2
