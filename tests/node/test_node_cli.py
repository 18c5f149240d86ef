"""`vmchain init` and `vmchain node`: arguments, refusals, exit codes (0 ok, 1 failure, 2 usage),
and one real non-dev node started from `init` and a mode-0600 key file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node_helpers import NodeProcess, submit, transfer

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.genesis import Genesis
from vmchain.cli.main import COMMANDS, main
from vmchain.crypto import PrivateKey, Scheme, address_to_text

AUTHORITY = PrivateKey.from_int(Scheme.SECP256K1, 0xA11CE)
PAYER = PrivateKey.from_int(Scheme.P256, 0xB0B)


def write_genesis(path: Path, chain_id: str = "parking-test") -> Path:
    genesis = Genesis(
        chain_id=chain_id,
        timestamp_ms=1_700_000_000_000,
        authorities=(AUTHORITY.address,),
        alloc=tuple(sorted([(PAYER.address, 10**12), (AUTHORITY.address, 5)])),
    )
    path.write_text(genesis.to_json())
    return path


def write_key(path: Path, key: PrivateKey, mode: int = 0o600) -> Path:
    prefix = "p256:" if key.scheme is Scheme.P256 else ""
    path.write_text(prefix + key.to_bytes().hex() + "\n")
    path.chmod(mode)
    return path


def test_no_command_is_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "init" in capsys.readouterr().err


def test_the_table_holds_every_subcommand() -> None:
    names = [command.name for command in COMMANDS]
    assert names == [
        "demo",
        "init",
        "node",
        "keys",
        "certs",
        "transfer",
        "balance",
        "block",
        "receipt",
        "verify-receipt",
        "contract",
        "verify",
        "bench",
    ]
    assert len(set(names)) == len(names)


def test_init_creates_the_chain_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    genesis, data = write_genesis(tmp_path / "genesis.json"), tmp_path / "data"
    assert main(["init", "--genesis", str(genesis), "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "initialized chain 'parking-test': genesis block 0x" in out
    assert "1 authorities, 2 funded accounts" in out
    assert main(["init", "--genesis", str(genesis), "--data-dir", str(data)]) == 0
    assert "already holds chain 'parking-test'" in capsys.readouterr().out
    other = write_genesis(tmp_path / "other.json", chain_id="other")
    assert main(["init", "--genesis", str(other), "--data-dir", str(data)]) == 1
    assert "does not match the genesis this store was created with" in capsys.readouterr().err


def test_init_refuses_bad_genesis_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "data")
    assert main(["init", "--genesis", str(tmp_path / "none.json"), "--data-dir", data]) == 1
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"chain_id": "x", "authorities": [], "alloc": {}}))
    assert main(["init", "--genesis", str(bad), "--data-dir", data]) == 1
    assert "genesis field 'authorities': must be a non-empty list" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["init", "--genesis", str(bad)])
    assert usage.value.code == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["node"], "--data-dir is required without --dev"),
        (["node", "--data-dir", "D"], "--node-key is required without --dev"),
        (["node", "--dev", "--node-key", "k"], "--node-key is not used with --dev"),
    ],
)
def test_node_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--block-time", "fast"), ("--grpc", "nowhere"), ("--mempool-max-txs", "0")],
)
def test_bad_flag_values_are_usage_errors(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["node", "--dev", flag, value])
    assert usage.value.code == 2
    assert flag in capsys.readouterr().err


def test_node_refuses_a_key_file_others_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = write_key(tmp_path / "node.key", AUTHORITY, mode=0o640)
    assert main(["node", "--data-dir", str(tmp_path), "--node-key", str(key)]) == 1
    err = capsys.readouterr().err
    assert "has mode 0640; a key file must be readable by its owner only" in err
    assert f"chmod 600 {key}" in err
    assert AUTHORITY.to_bytes().hex() not in err


def test_node_refuses_missing_chain_and_non_authority_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    key = write_key(tmp_path / "node.key", AUTHORITY)
    assert main(["node", "--data-dir", str(data), "--node-key", str(key)]) == 1
    assert "holds no chain; create one first" in capsys.readouterr().err
    genesis = write_genesis(tmp_path / "genesis.json")
    assert main(["init", "--genesis", str(genesis), "--data-dir", str(data)]) == 0
    stranger = write_key(tmp_path / "stranger.key", PAYER)
    assert main(["node", "--data-dir", str(data), "--node-key", str(stranger)]) == 1
    err = capsys.readouterr().err
    assert f"the node key's address {address_to_text(PAYER.address)} is not an authority" in err


@pytest.mark.e2e
def test_a_node_runs_from_init_and_a_key_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    genesis = write_genesis(tmp_path / "genesis.json")
    assert main(["init", "--genesis", str(genesis), "--data-dir", str(data)]) == 0
    key = write_key(tmp_path / "node.key", AUTHORITY)
    process = NodeProcess(
        data, dev=False, args=["--node-key", str(key)], log_path=tmp_path / "node.log"
    ).start()
    try:
        info = process.node.GetNodeInfo(npb.GetNodeInfoRequest())
        assert (info.chain_id, info.dev, list(info.authorities)) == (
            "parking-test",
            False,
            [AUTHORITY.address],
        )
        assert process.ready["sealer"] == address_to_text(AUTHORITY.address)
        tx = transfer(process.node, PAYER, AUTHORITY.address, 95, chain_id="parking-test")
        receipt = submit(process.node, tx).receipt
        block = process.node.GetBlock(npb.GetBlockRequest(height=receipt.height)).header
        assert block.proposer == AUTHORITY.address and block.timestamp_ms > 1_700_000_000_000
        log = (tmp_path / "node.log").read_text()
        assert AUTHORITY.to_bytes().hex() not in log
    finally:
        assert process.stop() == 0
    assert "accounts" not in "\n".join(process.stdout_lines[:-1])  # no dev accounts printed
