"""`vmchain certs DIR`: a test CA, a node server certificate and gate client certificates.

For trying TLS and mutual TLS (`vmchain node --tls-cert --tls-key --client-ca`) without openssl.
In DIR it writes, with P-256 keys and `cryptography`'s x509 builder:

    ca.pem  ca.key            the CA (kept: a second run reuses it to issue more certificates)
    server.pem  server.key    SAN localhost, 127.0.0.1, ::1 and every --host; serverAuth
    gate-ID.pem  gate-ID.key  one per --gate ID, common name `gate:ID`; clientAuth

Private keys are written with mode 0600 (never over an existing file unless --force); the
certificates 0644. An existing server certificate is kept unless --force. For production, use the
operator's own CA; this one is for tests and trials.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from vmchain.cli.commands import Command, CommandError
from vmchain.cli.commands.sdk_args import add_output_arguments, emit

KEY_MODE = 0o600
CERT_MODE = 0o644
CA_DAYS = 3650
_GATE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class Issuer:
    """A CA able to sign: its certificate and private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="DIR", help="where to write the PEM files")
    parser.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="NAME|IP",
        help="another name or address of the node for the server certificate (repeatable)",
    )
    parser.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="ID",
        help="issue a client certificate gate-ID.pem for gate ID (repeatable)",
    )
    parser.add_argument("--days", type=int, default=825, help="validity of the leaf certificates")
    parser.add_argument(
        "--force", action="store_true", help="replace an existing server or gate certificate"
    )
    add_output_arguments(parser)


def _write(path: Path, data: bytes, mode: int, overwrite: bool) -> None:
    """Write atomically with `mode` from the first byte; never over a file unless `overwrite`."""
    if path.exists() and not overwrite:
        raise CommandError(f"{path} already exists; not overwriting it (use --force)")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vmchain"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, days: int
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _new_ca(out: Path) -> Issuer:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name("vmchain test CA")
    cert = (
        _builder(subject, key, subject, CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write(out / "ca.key", _key_pem(key), KEY_MODE, overwrite=False)
    _write(out / "ca.pem", cert.public_bytes(serialization.Encoding.PEM), CERT_MODE, False)
    return Issuer(cert, key)


def _load_ca(out: Path) -> Issuer:
    try:
        cert = x509.load_pem_x509_certificate((out / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((out / "ca.key").read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot reuse the CA in {out}: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CommandError(f"{out / 'ca.key'} is not an EC private key")
    return Issuer(cert, key)


def _leaf(
    issuer: Issuer,
    common_name: str,
    san: list[x509.GeneralName],
    usage: x509.ObjectIdentifier,
    days: int,
) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) of a new leaf signed by `issuer`."""
    key = ec.generate_private_key(ec.SECP256R1())
    authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())
    cert = (
        _builder(_name(common_name), key, issuer.cert.subject, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(authority, critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _host_name(text: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        return x509.DNSName(text)


def _server_san(hosts: list[str]) -> list[x509.GeneralName]:
    names = ["localhost", "127.0.0.1", "::1"]
    names += [host for host in hosts if host not in names]
    return [_host_name(name) for name in names]


def _issue(out: Path, stem: str, pem: tuple[bytes, bytes], force: bool) -> dict[str, str]:
    cert, key = pem
    _write(out / f"{stem}.key", key, KEY_MODE, force)
    _write(out / f"{stem}.pem", cert, CERT_MODE, force)
    return {f"{stem}_cert": str(out / f"{stem}.pem"), f"{stem}_key": str(out / f"{stem}.key")}


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    bad = [gate for gate in args.gate if not _GATE_ID.fullmatch(gate)]
    if bad:
        raise CommandError(f"--gate {bad[0]!r}: use letters, digits, '.', '_' or '-'")
    if not 1 <= args.days <= CA_DAYS:
        raise CommandError(f"--days must be 1-{CA_DAYS}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create {out}: {exc.strerror}") from None
    reuse = (out / "ca.pem").exists() and (out / "ca.key").exists()
    issuer = _load_ca(out) if reuse else _new_ca(out)
    report: dict[str, Any] = {"ca_cert": str(out / "ca.pem"), "ca_reused": reuse}
    if args.force or not (out / "server.pem").exists():
        hosts = _server_san(args.host)
        pem = _leaf(issuer, "vmchain node", hosts, ExtendedKeyUsageOID.SERVER_AUTH, args.days)
        report |= _issue(out, "server", pem, args.force)
    for gate in args.gate:
        names: list[x509.GeneralName] = [x509.DNSName(f"gate.{gate}.vmchain")]
        pem = _leaf(issuer, f"gate:{gate}", names, ExtendedKeyUsageOID.CLIENT_AUTH, args.days)
        report |= _issue(out, f"gate-{gate}", pem, args.force)
    emit(args, report)
    return 0


COMMAND = Command(
    "certs", "create a test CA, a server and gate client certificates", add_arguments, run
)
