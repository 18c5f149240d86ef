"""Node configuration: the values `vmchain node` runs with, their parsers and the node key file.

`NodeConfig` is a frozen record built by the CLI (or by tests) and handed to node/server.py.
Parsers turn flag text into values and raise ConfigError with a message naming the flag.
The node key file holds a private key: either the JSON key file `vmchain keys new` writes
(`{"curve": "secp256k1", "private_key": "<hex>", ...}`) or the bare hex (optionally `0x`,
optionally prefixed with the curve, `p256:` or `secp256k1:`). It must not be readable by group or
others (mode 0600), as ssh insists for its keys. Key material is never logged or put into an
error message.
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from vmchain.chain.mempool import MempoolLimits
from vmchain.chain.sealer import DEFAULT_BLOCK_TIME_MS
from vmchain.crypto import InvalidKey, PrivateKey, Scheme, scheme_from_name
from vmchain.node.errors import ConfigError

DEFAULT_GRPC = "127.0.0.1:50051"
DEFAULT_METRICS = "127.0.0.1:9464"
# A deploy body may be 128 KiB (chain/admission.py MAX_BODY_BYTES); a SubmitBatch of a few
# thousand transfers is well under 1 MiB. Anything larger is refused with RESOURCE_EXHAUSTED.
DEFAULT_MAX_RECEIVE_BYTES = 1024 * 1024
# A full block (2,000 txs with receipts) is about 1 MiB; leave room for large deploys.
DEFAULT_MAX_SEND_BYTES = 64 * 1024 * 1024
# Each open stream (StreamBlocks/StreamEvents) holds a worker thread while it waits for blocks,
# so streams get at most DEFAULT_MAX_STREAMS of the workers and unary calls always have the
# rest: 32 idle subscribers can no longer starve submissions and reads.
DEFAULT_WORKERS = 64
DEFAULT_MAX_STREAMS = 32
DEFAULT_MAX_CONCURRENT_RPCS = 256
DEFAULT_RETAIN_HEIGHTS = 256
# Gas a read-only Call may burn (like geth's --rpc.gascap): a Call costs the node CPU but no
# fee, so an infinite loop at the 100M block gas limit would hold a worker for ~2 s.
DEFAULT_CALL_GAS_CAP = 10_000_000
DB_SUBDIR = "db"

_DURATION = re.compile(r"(\d+)(ms|s|m)?")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, None: 1}
_ADDRESS = re.compile(r"(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})")


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """Everything a node process needs; defaults are the CLI's."""

    data_dir: Path | None = None  # None (dev only): a temporary dir removed on exit
    dev: bool = False
    grpc_address: str = DEFAULT_GRPC
    metrics_address: str | None = DEFAULT_METRICS  # None: no metrics endpoint
    block_time_ms: int = DEFAULT_BLOCK_TIME_MS
    heartbeat_ms: int | None = None
    node_key_path: Path | None = None
    mempool: MempoolLimits = field(default_factory=MempoolLimits)
    max_receive_bytes: int = DEFAULT_MAX_RECEIVE_BYTES
    max_send_bytes: int = DEFAULT_MAX_SEND_BYTES
    workers: int = DEFAULT_WORKERS
    max_streams: int = DEFAULT_MAX_STREAMS
    max_concurrent_rpcs: int = DEFAULT_MAX_CONCURRENT_RPCS
    retain_heights: int = DEFAULT_RETAIN_HEIGHTS
    call_gas_cap: int = DEFAULT_CALL_GAS_CAP
    reflection: bool = True
    shutdown_grace_s: float = 5.0
    tls: TlsFiles | None = None  # None: plaintext (keep it on loopback)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files for gRPC TLS; with `client_ca`, clients must present a certificate it signed."""

    cert: Path
    key: Path
    client_ca: Path | None = None


def parse_duration_ms(text: str, flag: str = "--block-time") -> int:
    """'100ms', '2s', '1m' or a bare number of ms -> milliseconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ConfigError(f"{flag}: {text!r} is not a duration like 100ms, 2s or 1m")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_address(text: str, flag: str) -> str:
    """'host:port' (port 0 picks a free port); returns it unchanged when well formed."""
    match = _ADDRESS.fullmatch(text.strip())
    if match is None or int(match.group("port")) > 65535:
        raise ConfigError(f"{flag}: {text!r} is not host:port (e.g. 127.0.0.1:50051)")
    return text.strip()


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def is_loopback(address: str) -> bool:
    host, _ = split_address(address)
    return host in ("localhost", "::1") or host.startswith("127.")


def check_key_file_mode(path: Path, flag: str = "--node-key") -> None:
    """Refuse a key file that group or others may read or write (like ssh)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ConfigError(f"{flag}: cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise ConfigError(f"{flag}: {path} is not a regular file")
    if mode & 0o077:
        raise ConfigError(
            f"{flag}: {path} has mode {stat.S_IMODE(mode):04o}; a key file must be "
            f"readable by its owner only. Fix it with: chmod 600 {path}"
        )


def parse_private_key(text: str, source: str) -> PrivateKey:
    """A private key from '[curve:][0x]<64 hex digits>'; the error never repeats the text."""
    scheme = Scheme.SECP256K1
    body = text.strip()
    if ":" in body:
        curve, _, body = body.partition(":")
        try:
            scheme = scheme_from_name(curve.strip())
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    body = body.strip().removeprefix("0x")
    if not re.fullmatch(r"[0-9a-fA-F]{64}", body):
        raise ConfigError(
            f"{source}: expected a private key as 64 hex digits (optionally 0x and a "
            "'p256:' or 'secp256k1:' prefix)"
        )
    try:
        return PrivateKey.from_bytes(scheme, bytes.fromhex(body))
    except InvalidKey as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_node_key(path: Path) -> PrivateKey:
    """Read the node key file, refusing one readable by group or others."""
    check_key_file_mode(path)
    try:
        text = path.read_text(encoding="ascii")
    except OSError as exc:
        raise ConfigError(f"--node-key: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--node-key: {path} is not ASCII text (expected key hex)") from None
    source = f"--node-key {path}"
    if text.lstrip().startswith("{"):
        return _json_key(text, source)
    return parse_private_key(text, source)


def _json_key(text: str, source: str) -> PrivateKey:
    """The key of a JSON key file ({"curve": ..., "private_key": ...})."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError(f"{source}: not a valid JSON key file") from None
    if not isinstance(document, dict) or not isinstance(document.get("private_key"), str):
        raise ConfigError(f'{source}: a JSON key file needs a "private_key" hex string')
    curve = document.get("curve", "secp256k1")
    if not isinstance(curve, str):
        raise ConfigError(f'{source}: "curve" must be "secp256k1" or "p256"')
    return parse_private_key(f"{curve}:{document['private_key']}", source)


def read_tls(files: TlsFiles) -> tuple[bytes, bytes, bytes | None]:
    """(certificate chain, private key, client CA) PEM bytes; the key file must be mode 0600."""
    check_key_file_mode(files.key, "--tls-key")
    cert, key = read_pem(files.cert, "--tls-cert"), read_pem(files.key, "--tls-key")
    client_ca = None if files.client_ca is None else read_pem(files.client_ca, "--client-ca")
    return cert, key, client_ca


def read_pem(path: Path, flag: str) -> bytes:
    """The bytes of a PEM file given by `flag`; ConfigError if unreadable or not PEM."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{flag}: cannot read {path}: {exc.strerror}") from None
    if b"-----BEGIN" not in data:
        raise ConfigError(f"{flag}: {path} is not a PEM file")
    return data


def db_path(data_dir: Path) -> Path:
    """Where the RocksDB database of a data dir lives."""
    return data_dir / DB_SUBDIR
