"""Node logs: text and JSON formats with structured fields; no key or passphrase ever logged.

The end-to-end test runs a real non-dev node whose key is an encrypted keystore, with
`--log-format json`, seals a transfer, and reads its stderr line by line.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from vmchain.chain.genesis import Genesis
from vmchain.cli.main import main
from vmchain.client import Wallet
from vmchain.crypto import PrivateKey, Scheme, address_to_text
from vmchain.crypto.keystore import LIGHT_SCRYPT
from vmchain.node.logs import JsonFormatter, TextFormatter, configure, fields

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
node_helpers: Any = importlib.import_module("node_helpers")

AUTHORITY = PrivateKey.from_int(Scheme.SECP256K1, 0xA11CE5)
PAYER = PrivateKey.from_int(Scheme.P256, 0xB0B5)
PASSPHRASE = "parking lot 7 night shift"
CHAIN_ID = "logs-test"


def record(message: str, *args: Any, extra: dict[str, Any] | None = None) -> logging.LogRecord:
    made = logging.LogRecord("vmchain.node.runtime", logging.INFO, "x.py", 1, message, args, None)
    made.created = 1_700_000_000.123
    for key, value in (extra or {}).items():
        setattr(made, key, value)
    return made


def test_json_lines_carry_the_fields() -> None:
    line = JsonFormatter().format(
        record("sealed block %d", 12, extra=fields(height=12, txs=3, gas_used=63_000))
    )
    assert json.loads(line) == {
        "ts": "2023-11-14T22:13:20.123Z",
        "level": "INFO",
        "logger": "vmchain.node.runtime",
        "msg": "sealed block 12",
        "height": 12,
        "txs": 3,
        "gas_used": 63_000,
    }
    tx = "0x" + "ab" * 32
    plain = JsonFormatter().format(record("dropped", extra=fields(tx_id=tx, msg="not mine")))
    assert json.loads(plain)["msg"] == "dropped" and json.loads(plain)["tx_id"] == tx


def test_text_lines_append_key_values() -> None:
    text = TextFormatter().format(record("sealed block %d", 5, extra=fields(height=5, txs=0)))
    assert text.endswith(" INFO vmchain.node.runtime: sealed block 5 height=5 txs=0")
    assert TextFormatter().format(record("node stopped")).endswith(": node stopped")


def test_configure_replaces_only_its_own_handler() -> None:
    root = logging.getLogger()
    # An earlier in-process test may have left its own "vmchain" handler: configure replaces it.
    level = root.level
    before = [h for h in root.handlers if h.get_name() != "vmchain"]
    out = io.StringIO()
    try:
        configure("INFO", "text")
        configure("WARNING", "json", out)
        ours = [h for h in root.handlers if h.get_name() == "vmchain"]
        assert len(ours) == 1 and [h for h in root.handlers if h not in ours] == before
        logging.getLogger("vmchain.test").warning("disk %s", "slow", extra=fields(height=9))
        logging.getLogger("vmchain.test").info("not shown")
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [(x["msg"], x["height"]) for x in lines] == [("disk slow", 9)]
        with pytest.raises(ValueError, match="log format 'xml' unknown"):
            configure("INFO", "xml")
    finally:
        for handler in [h for h in root.handlers if h.get_name() == "vmchain"]:
            root.removeHandler(handler)
        root.setLevel(level)


def _chain(tmp_path: Path) -> Path:
    genesis = Genesis(
        chain_id=CHAIN_ID,
        timestamp_ms=1_700_000_000_000,
        authorities=(AUTHORITY.address,),
        alloc=((AUTHORITY.address, 5), (PAYER.address, 10**12)),
    )
    (tmp_path / "genesis.json").write_text(genesis.to_json())
    data = tmp_path / "data"
    assert main(["init", "--genesis", str(tmp_path / "genesis.json"), "--data-dir", str(data)]) == 0
    return data


def _keystore(tmp_path: Path) -> tuple[Path, Path]:
    wallet = Wallet.from_private_key(AUTHORITY.to_bytes())
    keystore = wallet.save(tmp_path / "node.json", passphrase=PASSPHRASE, scrypt=LIGHT_SCRYPT)
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    return keystore, secret


@pytest.mark.e2e
def test_a_node_with_an_encrypted_key_logs_json_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMCHAIN_PASSPHRASE", raising=False)
    data = _chain(tmp_path)
    keystore, secret = _keystore(tmp_path)
    log_path = tmp_path / "node.log"
    args = ["--node-key", str(keystore), "--passphrase-file", str(secret), "--log-format", "json"]
    process = node_helpers.NodeProcess(data, dev=False, args=args, log_path=log_path).start()
    try:
        assert process.ready["sealer"] == address_to_text(AUTHORITY.address)
        tx = node_helpers.transfer(process.node, PAYER, AUTHORITY.address, 95, chain_id=CHAIN_ID)
        receipt = node_helpers.submit(process.node, tx).receipt
    finally:
        assert process.stop() == 0
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    sealed = [line for line in lines if line["msg"] == f"sealed block {receipt.height}"]
    assert len(sealed) == 1
    assert sealed[0]["height"] == receipt.height and sealed[0]["txs"] == 1
    assert sealed[0]["gas_used"] == receipt.gas_used
    assert sealed[0]["level"] == "INFO" and sealed[0]["seal_ms"] >= 0
    assert lines[-1]["msg"] == "node stopped"
    everything = log_path.read_text() + "\n".join(process.stdout_lines)
    secret_hex = AUTHORITY.to_bytes().hex()
    for forbidden in (secret_hex, secret_hex.upper(), PASSPHRASE, str(int(secret_hex, 16))):
        assert forbidden not in everything


def test_a_node_keystore_needs_the_right_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VMCHAIN_PASSPHRASE", raising=False)
    data = _chain(tmp_path)
    keystore, _ = _keystore(tmp_path)
    capsys.readouterr()
    node = ["node", "--grpc", "127.0.0.1:0", "--metrics", "off", "--data-dir", str(data)]
    node += ["--node-key", str(keystore)]
    assert main(node) == 1
    assert "needs a passphrase: use --passphrase-file FILE or set $VMCHAIN_PASSPHRASE" in (
        capsys.readouterr().err
    )
    monkeypatch.setenv("VMCHAIN_PASSPHRASE", "not it")
    assert main(node) == 1
    err = capsys.readouterr().err
    assert f"--node-key: wrong passphrase for {keystore}" in err and "not it" not in err
    keystore.chmod(0o644)
    assert main(node) == 1
    assert f"chmod 600 {keystore}" in capsys.readouterr().err
