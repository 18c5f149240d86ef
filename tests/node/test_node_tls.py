"""gRPC over TLS and mutual TLS (DESIGN.md section 13), with certificates made on the spot."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc
from vmchain.chain.genesis import dev_genesis, dev_keys
from vmchain.cli.main import main
from vmchain.node.config import NodeConfig, TlsFiles
from vmchain.node.errors import ConfigError
from vmchain.node.server import NodeServer

NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def _pem_key(key: Any) -> bytes:
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem


def _cert(name: str, key: Any, issuer: Any, issuer_key: Any, *, ca: bool) -> Any:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + datetime.timedelta(days=36500))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.DNSName("localhost")])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("vmchain test CA", ca_key, None, ca_key, ca=True)
    files: dict[str, Path] = {}
    for name in ("server", "gate"):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert("localhost" if name == "server" else "gate:7", key, ca, ca_key, ca=False)
        files[f"{name}.pem"] = base / f"{name}.pem"
        files[f"{name}.pem"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        files[f"{name}.key"] = base / f"{name}.key"
        files[f"{name}.key"].write_bytes(_pem_key(key))
        files[f"{name}.key"].chmod(0o600)
    files["ca.pem"] = base / "ca.pem"
    files["ca.pem"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return files


def serve(tmp_path: Path, tls: TlsFiles) -> tuple[NodeServer, int]:
    config = NodeConfig(
        data_dir=tmp_path / "d",
        dev=True,
        grpc_address="127.0.0.1:0",
        metrics_address=None,
        tls=tls,
    )
    server = NodeServer(config, genesis=dev_genesis(), key=dev_keys()[0])
    try:
        port = int(server.start().grpc.rpartition(":")[2])
    except BaseException:
        server.stop()
        raise
    return server, port


def info(port: int, credentials: Any) -> Any:
    options = [("grpc.ssl_target_name_override", "localhost")]
    with grpc.secure_channel(f"127.0.0.1:{port}", credentials, options) as channel:
        stub = npb_grpc.NodeStub(channel)  # type: ignore[no-untyped-call]
        return stub.GetNodeInfo(npb.GetNodeInfoRequest(), timeout=5)


def test_tls(tmp_path: Path, pki: dict[str, Path]) -> None:
    server, port = serve(tmp_path, TlsFiles(pki["server.pem"], pki["server.key"]))
    try:
        trusted = grpc.ssl_channel_credentials(pki["ca.pem"].read_bytes())
        assert info(port, trusted).chain_id == "vmchain-dev"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.RpcError) as caught:
                stub = npb_grpc.NodeStub(channel)  # type: ignore[no-untyped-call]
                stub.GetNodeInfo(npb.GetNodeInfoRequest(), timeout=2)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop()


def test_mutual_tls_requires_a_client_certificate(tmp_path: Path, pki: dict[str, Path]) -> None:
    tls = TlsFiles(pki["server.pem"], pki["server.key"], pki["ca.pem"])
    server, port = serve(tmp_path, tls)
    try:
        ca = pki["ca.pem"].read_bytes()
        gate = grpc.ssl_channel_credentials(
            ca, pki["gate.key"].read_bytes(), pki["gate.pem"].read_bytes()
        )
        assert info(port, gate).chain_id == "vmchain-dev"
        with pytest.raises(grpc.RpcError) as caught:
            info(port, grpc.ssl_channel_credentials(ca))
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop()


def test_tls_files_are_checked(tmp_path: Path, pki: dict[str, Path]) -> None:
    loose = tmp_path / "loose.key"
    loose.write_bytes(pki["server.key"].read_bytes())
    loose.chmod(0o644)
    with pytest.raises(ConfigError, match=r"--tls-key: .* has mode 0644"):
        serve(tmp_path, TlsFiles(pki["server.pem"], loose))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigError, match=r"--tls-cert: .* is not a PEM file"):
        serve(tmp_path, TlsFiles(junk, pki["server.key"]))
    with pytest.raises(ConfigError, match=r"--client-ca: cannot read .*missing.pem"):
        serve(tmp_path, TlsFiles(pki["server.pem"], pki["server.key"], tmp_path / "missing.pem"))


def test_tls_flags_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["node", "--dev", "--tls-cert", "c.pem"]) == 2
    assert "--tls-cert and --tls-key go together" in capsys.readouterr().err
    assert main(["node", "--dev", "--client-ca", "ca.pem"]) == 2
    assert "--client-ca needs --tls-cert and --tls-key" in capsys.readouterr().err
