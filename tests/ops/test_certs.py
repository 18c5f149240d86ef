"""`vmchain certs`, mutual TLS with its certificates on a real node, loopback defaults.

A node with `--client-ca` accepts a gate whose certificate the CA signed and refuses a client with
no certificate or one from another CA. The Dev service and the metrics endpoint listen on
loopback unless told otherwise: checked on the flags and on a running node's sockets.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from vmchain.chain.genesis import dev_genesis, dev_keys
from vmchain.cli.main import build_parser, main
from vmchain.client import NodeClient, RpcError, tls_credentials
from vmchain.client.retry import RetryPolicy
from vmchain.node.config import DEFAULT_GRPC, DEFAULT_METRICS, NodeConfig, TlsFiles, is_loopback
from vmchain.node.server import NodeServer


def certs(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(["certs", *argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if code == 0 else out


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pki")
    argv = ["certs", str(out), "--gate", "7", "--host", "node.example", "--host", "10.0.0.5"]
    assert main(argv) == 0
    return out


def test_certs_writes_a_ca_a_server_and_a_gate(pki: Path) -> None:
    files = sorted(path.name for path in pki.iterdir())
    assert files == ["ca.key", "ca.pem", "gate-7.key", "gate-7.pem", "server.key", "server.pem"]
    for name in files:
        mode = stat.S_IMODE((pki / name).stat().st_mode)
        assert mode == (0o600 if name.endswith(".key") else 0o644), name
    ca, server, gate = load(pki / "ca.pem"), load(pki / "server.pem"), load(pki / "gate-7.pem")
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    for leaf in (server, gate):
        leaf.verify_directly_issued_by(ca)
        assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "node.example"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
        ipaddress.ip_address("10.0.0.5"),
    ]
    assert list(server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH
    ]
    assert list(gate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    names = gate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert [name.value for name in names] == ["gate:7"]


def test_a_second_run_reuses_the_ca(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, first = certs(capsys, str(tmp_path))
    assert code == 0 and first["ca_reused"] is False and "server_cert" in first
    ca, server = (tmp_path / "ca.pem").read_bytes(), (tmp_path / "server.pem").read_bytes()
    code, second = certs(capsys, str(tmp_path), "--gate", "8")
    assert code == 0 and second == {
        "ca_cert": str(tmp_path / "ca.pem"),
        "ca_reused": True,
        "gate-8_cert": str(tmp_path / "gate-8.pem"),
        "gate-8_key": str(tmp_path / "gate-8.key"),
    }
    assert (tmp_path / "ca.pem").read_bytes() == ca
    assert (tmp_path / "server.pem").read_bytes() == server
    load(tmp_path / "gate-8.pem").verify_directly_issued_by(load(tmp_path / "ca.pem"))
    assert main(["certs", str(tmp_path), "--gate", "8"]) == 1
    assert "gate-8.key already exists; not overwriting it (use --force)" in capsys.readouterr().err
    assert main(["certs", str(tmp_path), "--gate", "8", "--force"]) == 0
    assert (tmp_path / "server.pem").read_bytes() != server  # --force re-issues the server's
    capsys.readouterr()
    assert main(["certs", str(tmp_path), "--gate", "../x"]) == 1
    assert "--gate '../x': use letters, digits" in capsys.readouterr().err


# -- a real node ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mutual_tls_node(pki: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    config = NodeConfig(
        data_dir=tmp_path_factory.mktemp("node") / "d",
        dev=True,
        grpc_address="127.0.0.1:0",
        metrics_address=None,
        tls=TlsFiles(pki / "server.pem", pki / "server.key", pki / "ca.pem"),
    )
    server = NodeServer(config, genesis=dev_genesis(), key=dev_keys()[0])
    try:
        yield int(server.start().grpc.rpartition(":")[2])
    finally:
        server.stop()


def client(target: str, credentials: Any) -> NodeClient:
    return NodeClient(target, tls=credentials, timeout=3, retry=RetryPolicy(deadline=1))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_mutual_tls_accepts_a_gate_signed_by_the_ca(
    pki: Path, mutual_tls_node: int, host: str
) -> None:
    gate = tls_credentials(pki / "ca.pem", pki / "gate-7.pem", pki / "gate-7.key")
    with client(f"{host}:{mutual_tls_node}", gate) as node:
        assert node.info().chain_id == "vmchain-dev"


def test_mutual_tls_refuses_clients_without_a_valid_certificate(
    pki: Path, mutual_tls_node: int, tmp_path: Path
) -> None:
    assert main(["certs", str(tmp_path), "--gate", "9"]) == 0  # another CA
    target = f"127.0.0.1:{mutual_tls_node}"
    strangers = [
        tls_credentials(pki / "ca.pem"),
        tls_credentials(pki / "ca.pem", tmp_path / "gate-9.pem", tmp_path / "gate-9.key"),
    ]
    for credentials in strangers:
        with client(target, credentials) as node, pytest.raises(RpcError) as refused:
            node.info()
        assert refused.value.code_name == "UNAVAILABLE"
    plaintext = NodeClient(target, timeout=3, retry=RetryPolicy(deadline=1))
    with plaintext, pytest.raises(RpcError):
        plaintext.info()


# -- loopback unless told otherwise -----------------------------------------------------------


def test_grpc_dev_and_metrics_default_to_loopback() -> None:
    args = build_parser().parse_args(["node", "--dev"])
    assert (args.grpc, args.metrics) == ("127.0.0.1:50051", "127.0.0.1:9464")
    config = NodeConfig()
    assert (config.grpc_address, config.metrics_address) == (DEFAULT_GRPC, DEFAULT_METRICS)
    assert is_loopback(DEFAULT_GRPC) and is_loopback(DEFAULT_METRICS)
    assert not is_loopback("0.0.0.0:9464")


def _outside_address() -> str | None:
    """An address of this host other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for UDP connect
            address: str = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_a_dev_node_on_loopback_is_not_reachable_from_outside(tmp_path: Path) -> None:
    outside = _outside_address()
    if outside is None:
        pytest.skip("this host has no non-loopback IPv4 address to test from")
    config = NodeConfig(
        data_dir=tmp_path / "d", dev=True, grpc_address="127.0.0.1:0", metrics_address="127.0.0.1:0"
    )
    server = NodeServer(config, genesis=dev_genesis(), key=dev_keys()[0])
    try:
        endpoints = server.start()
        assert endpoints.metrics is not None
        ports = [int(endpoints.grpc.rpartition(":")[2]), int(endpoints.metrics.rpartition(":")[2])]
        assert [_reachable("127.0.0.1", port) for port in ports] == [True, True]
        assert [_reachable(outside, port) for port in ports] == [False, False]
    finally:
        server.stop()
