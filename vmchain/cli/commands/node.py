"""`vmchain node`: run a node until SIGTERM or SIGINT (DESIGN.md section 11).

`vmchain node --dev` runs the dev chain (chain id vmchain-dev, ten funded accounts, account 0
seals) on a temporary data dir removed on exit, or on --data-dir to keep it across restarts, and
serves the Dev service. Without --dev, --data-dir (made by `vmchain init`) and --node-key (a
mode-0600 file with the private key of an authority: hex, a JSON key file, or an encrypted
keystore opened with --passphrase-file FILE, $VMCHAIN_PASSPHRASE or a prompt) are required.

When listening, the node prints the dev accounts (with --dev) and then ONE line of JSON to
stdout, `{"event": "ready", "grpc": "host:port", "metrics": "host:port", ...}`, with the ports
it really bound (port 0 picks free ones). Logs go to stderr, as text or with --log-format json
one JSON object a line (node/logs.py); keys and passphrases are never logged.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TypeVar

from prometheus_client import disable_created_metrics

from vmchain.chain.errors import ChainError, CorruptStore
from vmchain.chain.genesis import DEV_BALANCE, DEV_CHAIN_ID, dev_genesis, dev_keys
from vmchain.chain.mempool import DEFAULT_MAX_PER_SENDER, MempoolLimits
from vmchain.chain.verify import DEFAULT_CHECK_BLOCKS
from vmchain.cli.commands import Command, CommandError, UsageError
from vmchain.cli.commands.passphrase import add_passphrase_argument, require_passphrase
from vmchain.client import Wallet, WalletError
from vmchain.crypto import PrivateKey, address_to_text
from vmchain.crypto.keystore import is_keystore
from vmchain.node.config import (
    DEFAULT_CALL_GAS_CAP,
    DEFAULT_GRPC,
    DEFAULT_MAX_STREAMS,
    DEFAULT_METRICS,
    DEFAULT_WORKERS,
    NodeConfig,
    TlsFiles,
    check_key_file_mode,
    load_node_key,
    parse_address,
    parse_duration_ms,
    read_pem,
)
from vmchain.node.errors import ConfigError
from vmchain.node.failpoints import FailPointError, FailPoints
from vmchain.node.logs import FORMATS
from vmchain.node.logs import configure as configure_logs
from vmchain.node.server import Endpoints, NodeServer
from vmchain.replication.mode import advertised, open_replica, parse_endpoints
from vmchain.replication.replica import (
    DEFAULT_KEEP_BLOCKS,
    DEFAULT_LEASE_TTL_S,
    PeerTls,
    Replica,
    ReplicaConfig,
    ReplicationConfigError,
)
from vmchain.state.errors import InvalidNode, InvalidRecord, MissingNode, StateError
from vmchain.state.rocks import DamagedStore

T = TypeVar("T")


def _flag(parse: Callable[[str, str], T], flag: str) -> Callable[[str], T]:
    """An argparse `type` that turns ConfigError into argparse's usage error (exit 2)."""

    def convert(text: str) -> T:
        try:
            return parse(text, flag)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _positive(text: str, flag: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise ConfigError(f"{flag}: expected a positive integer, got {text!r}")
    return int(text)


def _count(text: str, flag: str) -> int:
    if not text.isdigit():
        raise ConfigError(f"{flag}: expected a whole number (0 or more), got {text!r}")
    return int(text)


def _metrics_address(text: str, flag: str) -> str | None:
    return None if text.lower() in ("off", "none", "") else parse_address(text, flag)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--dev", action="store_true", help="run the dev chain with the Dev service")
    add(
        "--data-dir",
        type=Path,
        metavar="D",
        help="data directory (with --dev: optional, default a temporary one removed on exit)",
    )
    add(
        "--grpc",
        default=DEFAULT_GRPC,
        type=_flag(parse_address, "--grpc"),
        metavar="HOST:PORT",
        help=f"gRPC listen address (default {DEFAULT_GRPC}; port 0 picks a free port)",
    )
    add(
        "--metrics",
        default=DEFAULT_METRICS,
        type=_flag(_metrics_address, "--metrics"),
        metavar="HOST:PORT",
        help=f"Prometheus endpoint (default {DEFAULT_METRICS}; 'off')",
    )
    add(
        "--block-time",
        default="100ms",
        type=_flag(parse_duration_ms, "--block-time"),
        metavar="DURATION",
        help="seal when the oldest pending tx waited this long (100ms)",
    )
    add(
        "--heartbeat",
        type=_flag(parse_duration_ms, "--heartbeat"),
        metavar="DURATION",
        help="seal an empty block when none was sealed for this long (default off)",
    )
    add(
        "--node-key",
        type=Path,
        metavar="FILE",
        help="file (mode 0600) with the sealing authority's key: hex, a JSON key file or an "
        "encrypted keystore; not with --dev",
    )
    add_passphrase_argument(parser)
    _add_replication_arguments(add)
    add("--mempool-max-txs", type=_flag(_positive, "--mempool-max-txs"), metavar="N")
    add("--mempool-max-bytes", type=_flag(_positive, "--mempool-max-bytes"), metavar="N")
    add(
        "--mempool-max-per-sender",
        type=_flag(_positive, "--mempool-max-per-sender"),
        metavar="N",
        help=f"pending txs one sender may have (default {DEFAULT_MAX_PER_SENDER})",
    )
    add(
        "--max-streams",
        default=DEFAULT_MAX_STREAMS,
        type=_flag(_positive, "--max-streams"),
        metavar="N",
        help=f"open StreamBlocks/StreamEvents calls served at once (default {DEFAULT_MAX_STREAMS})",
    )
    add(
        "--call-gas-cap",
        default=DEFAULT_CALL_GAS_CAP,
        type=_flag(_positive, "--call-gas-cap"),
        metavar="GAS",
        help=f"most gas a read-only Call may use (default {DEFAULT_CALL_GAS_CAP:,})",
    )
    add(
        "--check-blocks",
        default=DEFAULT_CHECK_BLOCKS,
        type=_flag(_count, "--check-blocks"),
        metavar="K",
        help=f"at start, re-execute the last K blocks and refuse to start on a mismatch "
        f"(default {DEFAULT_CHECK_BLOCKS}; 0 disables)",
    )
    add("--tls-cert", type=Path, metavar="PEM", help="serve gRPC over TLS with this certificate")
    add("--tls-key", type=Path, metavar="PEM", help="its private key (mode 0600)")
    add(
        "--client-ca",
        type=Path,
        metavar="PEM",
        help="require client certificates signed by this CA (mutual TLS)",
    )
    add("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    add(
        "--log-format",
        default="text",
        choices=FORMATS,
        help="stderr log lines: text (default) or one JSON object a line",
    )


def _add_replication_arguments(add: Callable[..., object]) -> None:
    add(
        "--etcd",
        type=_flag(_etcd_endpoints, "--etcd"),
        metavar="URLS",
        help="replicated mode: comma-separated etcd member URLs (http://host:port); one node "
        "is elected sealer, every node applies the shared block log (docs/operations.md)",
    )
    add(
        "--advertise",
        type=_flag(parse_address, "--advertise"),
        metavar="HOST:PORT",
        help="with --etcd: the gRPC address other nodes and clients dial for this node "
        "(default: the --grpc address)",
    )
    add("--etcd-prefix", default="/vmchain/", metavar="PATH", help="etcd key prefix (/vmchain/)")
    add(
        "--lease-ttl",
        default=DEFAULT_LEASE_TTL_S,
        type=_flag(_positive, "--lease-ttl"),
        metavar="SECONDS",
        help=f"with --etcd: the sealer's lease; failover takes about this long "
        f"(default {DEFAULT_LEASE_TTL_S})",
    )
    add(
        "--keep-blocks",
        default=DEFAULT_KEEP_BLOCKS,
        type=_flag(_positive, "--keep-blocks"),
        metavar="N",
        help=f"with --etcd: blocks kept in etcd (default {DEFAULT_KEEP_BLOCKS}); older ones are "
        "pruned there and fetched from a peer by a node that fell further behind",
    )
    add(
        "--peer-ca",
        type=Path,
        metavar="PEM",
        help="with --etcd: dial the other nodes' gRPC (fetching pruned blocks) over TLS, "
        "trusting this CA; without it they are dialled in plaintext",
    )
    add(
        "--peer-cert",
        type=Path,
        metavar="PEM",
        help="with --peer-ca: the client certificate shown to nodes that require one (--client-ca)",
    )
    add("--peer-key", type=Path, metavar="PEM", help="its private key (mode 0600)")


def _etcd_endpoints(text: str, flag: str) -> list[str]:
    del flag  # the message names --etcd already
    try:
        return parse_endpoints(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _tls(args: argparse.Namespace) -> TlsFiles | None:
    if args.tls_cert is None and args.tls_key is None:
        if args.client_ca is not None:
            raise UsageError("--client-ca needs --tls-cert and --tls-key")
        return None
    if args.tls_cert is None or args.tls_key is None:
        raise UsageError("--tls-cert and --tls-key go together")
    return TlsFiles(args.tls_cert, args.tls_key, args.client_ca)


def _config(args: argparse.Namespace) -> NodeConfig:
    limits = MempoolLimits()
    mempool = MempoolLimits(
        max_txs=args.mempool_max_txs or limits.max_txs,
        max_bytes=args.mempool_max_bytes or limits.max_bytes,
        max_per_sender=args.mempool_max_per_sender or limits.max_per_sender,
    )
    return NodeConfig(
        data_dir=args.data_dir,
        dev=args.dev,
        grpc_address=args.grpc,
        metrics_address=args.metrics,
        block_time_ms=args.block_time,
        heartbeat_ms=args.heartbeat,
        node_key_path=args.node_key,
        mempool=mempool,
        call_gas_cap=args.call_gas_cap,
        max_streams=args.max_streams,
        workers=max(DEFAULT_WORKERS, args.max_streams + DEFAULT_WORKERS - DEFAULT_MAX_STREAMS),
        tls=_tls(args),
    )


def _sealer_key(args: argparse.Namespace) -> PrivateKey:
    if args.dev:
        if args.node_key is not None:
            raise UsageError("--node-key is not used with --dev (dev account 0 seals)")
        return dev_keys()[0]
    if args.data_dir is None:
        raise UsageError("--data-dir is required without --dev (create it with `vmchain init`)")
    if args.node_key is None:
        raise UsageError("--node-key is required without --dev")
    if _is_keystore_file(args.node_key):
        return _open_node_keystore(args)
    return load_node_key(args.node_key)


def _is_keystore_file(path: Path) -> bool:
    """Whether the (mode-checked) node key file is an encrypted keystore."""
    check_key_file_mode(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return is_keystore(document)


def _open_node_keystore(args: argparse.Namespace) -> PrivateKey:
    """Decrypt the node key; the passphrase comes from --passphrase-file, $VMCHAIN_PASSPHRASE
    or a prompt, never from the command line."""
    secret = require_passphrase(args, f"--node-key {args.node_key}")
    try:
        return Wallet.load(args.node_key, passphrase=secret).key
    except WalletError as exc:
        raise CommandError(f"--node-key: {exc}") from None


def _print_dev_accounts() -> None:
    keys = dev_keys()
    print(f"Dev chain {DEV_CHAIN_ID!r}: {len(keys)} accounts of {DEV_BALANCE} units; (0) seals")
    print("\nAvailable accounts\n==================")
    for i, key in enumerate(keys):
        print(f"({i}) {address_to_text(key.address)}")
    print("\nPrivate keys (public test keys: never use them for real value)\n" + "=" * 64)
    for i, key in enumerate(keys):
        print(f"({i}) 0x{key.to_bytes().hex()}")
    print()


def _ready_line(server: NodeServer, endpoints: Endpoints, sealer: bytes) -> str:
    head = server.runtime.read(lambda ledger: ledger.head().header)
    return json.dumps(
        {
            "event": "ready",
            "grpc": endpoints.grpc,
            "metrics": endpoints.metrics,
            "chain_id": head.chain_id,
            "height": head.height,
            "dev": server.config.dev,
            "data_dir": str(server.data_dir),
            "sealer": address_to_text(sealer),
        }
    )


def _wait_for_signal() -> None:
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        logging.getLogger(__name__).info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    while not stop.wait(1.0):
        pass


def _tune_gc() -> None:
    """Fewer, cheaper collector passes in the long-running node process.

    Python's full collections stop every thread; with the default thresholds a node under load
    ran 5-7 of them per 30,000 transactions, the longest ~100 ms, which set the gate p99
    (bench/e2e.py: p99 272/446/255 ms before, 212/219/213 ms after). Everything allocated at
    start-up (modules, genesis, caches) is frozen out of the collector's view.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 1_000)


# What a data dir that fails to open or to pass the start-up check is: damaged files
# (RocksDB's checksums, a missing file), or a chain that contradicts itself.
DAMAGE: tuple[type[Exception], ...] = (
    DamagedStore,
    CorruptStore,
    MissingNode,
    InvalidNode,
    InvalidRecord,
)


def _damaged(data_dir: Path | None, exc: Exception) -> str:
    where = data_dir if data_dir is not None else "(temporary)"
    return f"{exc}; data dir {where} is damaged: restore it from a backup (docs/operations.md)"


def run(args: argparse.Namespace) -> int:
    disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series
    configure_logs(args.log_level, args.log_format)
    try:
        key = _sealer_key(args)
        config = _config(args)
        server = NodeServer(
            config,
            genesis=dev_genesis() if args.dev else None,
            key=key,
            check_blocks=args.check_blocks,
            failpoints=FailPoints.from_env(os.environ),
            replicated=args.etcd is not None,
        )
    except DAMAGE as exc:
        raise CommandError(_damaged(args.data_dir, exc)) from None
    except (ConfigError, ChainError, StateError, FailPointError) as exc:
        raise CommandError(str(exc)) from None
    replica = _open_replica(server, args)
    try:
        endpoints = server.start()
        if replica is not None:
            replica.start(server.runtime, _advertise(args, endpoints.grpc))
        _tune_gc()
        if args.dev:
            _print_dev_accounts()
        # one write: a log line on stderr merged into the same pipe cannot split it
        sys.stdout.write(_ready_line(server, endpoints, key.address) + "\n")
        sys.stdout.flush()
        _wait_for_signal()
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    finally:
        if replica is not None:
            _stop_replicated(server, replica)
        server.stop()
    return 0


def _open_replica(server: NodeServer, args: argparse.Namespace) -> Replica | None:
    if args.etcd is None:
        if (args.peer_ca, args.peer_cert, args.peer_key) != (None, None, None):
            server.stop()
            raise UsageError("--peer-ca, --peer-cert and --peer-key need --etcd")
        return None
    if args.dev:
        server.stop()
        raise UsageError("--etcd needs a real chain (vmchain init), not --dev")
    try:
        config = ReplicaConfig(
            lease_ttl_s=args.lease_ttl, keep_blocks=args.keep_blocks, peer_tls=_peer_tls(args)
        )
        return open_replica(server, args.etcd, config, args.etcd_prefix)
    except ReplicationConfigError as exc:
        server.stop()
        raise CommandError(str(exc)) from None
    except ConfigError as exc:
        server.stop()
        raise CommandError(str(exc)) from None
    except UsageError:
        server.stop()
        raise


def _peer_tls(args: argparse.Namespace) -> PeerTls | None:
    if args.peer_ca is None:
        if args.peer_cert is not None or args.peer_key is not None:
            raise UsageError("--peer-cert and --peer-key need --peer-ca")
        return None
    if (args.peer_cert is None) != (args.peer_key is None):
        raise UsageError("--peer-cert and --peer-key go together")
    ca = read_pem(args.peer_ca, "--peer-ca")
    if args.peer_cert is None:
        return PeerTls(ca)
    check_key_file_mode(args.peer_key, "--peer-key")
    return PeerTls(
        ca, read_pem(args.peer_cert, "--peer-cert"), read_pem(args.peer_key, "--peer-key")
    )


def _advertise(args: argparse.Namespace, listening: str) -> str:
    try:
        if args.advertise is not None:
            return advertised(args.advertise)
        return advertised(listening, "--grpc")
    except ReplicationConfigError as exc:
        raise CommandError(str(exc)) from None


def _stop_replicated(server: NodeServer, replica: Replica) -> None:
    """Seal what is pending while still the sealer, then step down (resign: another node
    takes over at once) before the node closes."""
    runtime = server.runtime
    runtime.begin_shutdown()
    runtime.join(timeout=runtime.drain_seconds + 10)
    replica.stop()


COMMAND = Command("node", "run a node (with --dev: a local dev chain)", add_arguments, run)
