"""deploy/replicated/ checked without Docker (no engine here): the compose file read as YAML and
checked service by service, and then run as composed on loopback.

PyYAML is not a dependency, so the compose file and its Prometheus config are read by a small
reader of the block YAML they are written in (it refuses anything else: anchors, flow mappings,
multi-line strings, trailing comments); where some Python on the machine has PyYAML, a test
checks that the reader and PyYAML agree. The static tests check the 3 etcd members (Debian's
3.4 flags: pre-vote, Raft timing, request size for the largest block, quota, compaction), the
one-shot setup, the 3 nodes (every flag parsed by `vmchain node`'s own parser), ports,
volumes, health checks and the Prometheus targets; where Debian's docker-compose is installed
(CI), Docker's own Compose parser validates the file too.

The e2e test runs the network as composed: setup.py makes keys, genesis and data dirs, the
3 etcd members start with the compose file's own flags and the 3 nodes with its own commands
(only host names, ports and paths rewritten to loopback and tmp), one sealer is elected, a
transfer from the funded demo key seals, followers refuse writes naming the sealer, the
README's `client transfer` (every node in VMCHAIN_NODE) reaches the sealer through a follower,
and every node ends at the same head. Where the `prometheus` binary is installed (CI), a real
Prometheus then scrapes the network with deploy/replicated/prometheus.yml: 3 nodes and 3
members up, one sealer, and every alert rule evaluated on the real series, healthy and quiet.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import pytest

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.genesis import DEFAULT_BLOCK_GAS_LIMIT, load_genesis
from vmchain.chain.store import open_rocks
from vmchain.chain.tx import GAS_PER_BODY_BYTE
from vmchain.cli.main import build_parser
from vmchain.cli.main import main as vmchain_main
from vmchain.client import Wallet
from vmchain.node.config import db_path
from vmchain.replication.replica import DEFAULT_KEEP_BLOCKS
from vmchain.testing.etcd import EtcdCluster, free_ports

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))
node_helpers: Any = importlib.import_module("node_helpers")

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
HERE = DEPLOY / "replicated"
COMPOSE = HERE / "docker-compose.yml"
MEMBERS = ["etcd1", "etcd2", "etcd3"]
NODES = ["node1", "node2", "node3"]
MIB = 1024 * 1024


# --- a reader for the block YAML the files are written in ------------------------------------


class YamlSubsetError(ValueError):
    """A construct the reader does not handle (so it never guesses)."""


def read_yaml(text: str) -> Any:
    """Block mappings and sequences, flow lists of double-quoted strings, and scalars (plain
    scalars stay strings). Full-line comments only."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        content = raw.strip()
        if not content or content.startswith("#"):
            continue
        if " #" in content or "\t" in raw or content[0] in "&*|>{!%":
            raise YamlSubsetError(f"line {number}: not in the subset: {raw!r}")
        lines.append((len(raw) - len(raw.lstrip(" ")), content))
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise YamlSubsetError(f"unexpected indentation at {lines[end][1]!r}")
    return value


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if lines[i][1].startswith("- "):
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _sequence(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
        item = lines[i][1][2:].strip()
        if re.match(r"^[\w.-]+:( |$)", item):  # "- key: value" opens a mapping 2 columns in
            lines[i] = (indent + 2, item)
            mapping, i = _mapping(lines, i, indent + 2)
            items.append(mapping)
            continue
        items.append(_scalar(item))
        i += 1
    return items, i


def _mapping(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[dict[str, Any], int]:
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent:
        key, colon, rest = lines[i][1].partition(":")
        if not colon or not re.fullmatch(r"[\w.-]+", key) or key in mapping:
            raise YamlSubsetError(f"not a new key: {lines[i][1]!r}")
        rest = rest.strip()
        i += 1
        if rest:
            mapping[key] = _scalar(rest)
        elif i < len(lines) and lines[i][0] > indent:
            mapping[key], i = _block(lines, i, lines[i][0])
        else:
            mapping[key] = None
    return mapping, i


def _scalar(text: str) -> Any:
    if text.startswith('"') or text.startswith("["):
        return json.loads(text)  # double-quoted strings and flow lists of them are JSON
    if text.startswith("'"):
        if not text.endswith("'"):
            raise YamlSubsetError(f"unterminated: {text!r}")
        return text[1:-1].replace("''", "'")
    if text[0] in "&*|>{!%":
        raise YamlSubsetError(f"not in the subset: {text!r}")
    return text


def _pyyaml(path: Path) -> Any | None:
    """The file as PyYAML reads it (in this Python or another one on the machine), None if no
    Python here has PyYAML."""
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError:
        pass
    else:
        return yaml.safe_load(path.read_text())
    code = "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)"
    for python in dict.fromkeys(["/usr/bin/python3", shutil.which("python3") or ""]):
        if not python or not Path(python).exists() or Path(python) == Path(sys.executable):
            continue
        done = subprocess.run(
            [python, "-c", code, str(path)], capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            return json.loads(done.stdout)
    return None


def _as_strings(value: Any) -> Any:
    """PyYAML's ints as the strings the subset reader keeps (no bool may appear)."""
    assert not isinstance(value, bool), "write booleans quoted"
    if isinstance(value, dict):
        return {k: _as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_strings(v) for v in value]
    return str(value) if isinstance(value, int) else value


def load_compose() -> dict[str, Any]:
    document: dict[str, Any] = read_yaml(COMPOSE.read_text())
    return document


def services() -> dict[str, Any]:
    found: dict[str, Any] = load_compose()["services"]
    return found


def flags(command: list[str]) -> dict[str, str]:
    """'--flag=value' arguments as a dict ('--pre-vote' -> '')."""
    out: dict[str, str] = {}
    for arg in command:
        assert arg.startswith("--"), arg
        name, _, value = arg.partition("=")
        assert name not in out, f"{name} given twice"
        out[name] = value
    return out


# --- static checks -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [COMPOSE, HERE / "prometheus.yml"], ids=["compose", "prom"])
def test_the_reader_agrees_with_pyyaml(path: Path) -> None:
    theirs = _pyyaml(path)
    if theirs is None:
        pytest.skip("no Python on this machine has PyYAML")
    assert read_yaml(path.read_text()) == _as_strings(theirs)


def test_the_reader_refuses_what_it_does_not_handle() -> None:
    for text in ["a: &x 1\n", "a: 1 # note\n", "a: {b: 1}\n", "a: |\n  x\n"]:
        with pytest.raises(YamlSubsetError):
            read_yaml(text)


def test_services_volumes_and_ports() -> None:
    compose = load_compose()
    assert compose["name"] == "vmchain-replicated"
    found = compose["services"]
    assert list(found) == [*MEMBERS, "setup", *NODES, "prometheus", "client"]
    published = [port for svc in found.values() for port in svc.get("ports", [])]
    assert published == [
        "127.0.0.1:50051:50051",
        "127.0.0.1:50052:50051",
        "127.0.0.1:50053:50051",
        "127.0.0.1:9090:9090",
    ]
    named = set(compose["volumes"])
    for name, svc in found.items():
        for mount in svc.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("."):
                assert (HERE / source).exists(), f"{name}: {source}"
            else:
                assert source in named, f"{name}: {source}"
    used = {m.split(":")[0] for svc in found.values() for m in svc.get("volumes", [])}
    assert named <= used
    assert found["client"]["profiles"] == ["tools"]  # not started by `up`
    assert found["client"]["environment"] == {"VMCHAIN_NODE": ",".join(f"{n}:50051" for n in NODES)}


def test_etcd_members_use_debians_34_flags_sized_for_vmchain_blocks() -> None:
    found = services()
    assert found["etcd1"]["build"] == {"context": ".", "dockerfile": "etcd.Dockerfile"}
    cluster = ",".join(f"{m}=http://{m}:2380" for m in MEMBERS)
    for member in MEMBERS:
        svc = found[member]
        assert svc["image"] == "vmchain-etcd:3.4"
        got = flags(svc["command"])
        assert got == {
            "--name": member,
            "--data-dir": "/var/lib/etcd",
            "--listen-client-urls": "http://0.0.0.0:2379",
            "--advertise-client-urls": f"http://{member}:2379",
            "--listen-peer-urls": "http://0.0.0.0:2380",
            "--initial-advertise-peer-urls": f"http://{member}:2380",
            "--initial-cluster": cluster,
            "--initial-cluster-token": "vmchain-replicated",
            "--initial-cluster-state": "new",
            "--heartbeat-interval": "100",
            "--election-timeout": "1000",
            "--pre-vote": "",
            "--max-request-bytes": str(8 * MIB),
            "--quota-backend-bytes": str(8 * 1024 * MIB),
            "--auto-compaction-mode": "periodic",
            "--auto-compaction-retention": "5m",
            "--snapshot-count": "10000",
            "--logger": "zap",
        }
        assert svc["volumes"] == [f"{member}-data:/var/lib/etcd"]
        assert svc["healthcheck"]["test"] == [
            "CMD",
            "etcdctl",
            "--endpoints=http://127.0.0.1:2379",
            "--command-timeout=3s",
            "endpoint",
            "health",
        ]
        assert svc["restart"] == "unless-stopped"
        assert "ports" not in svc  # etcd has no TLS here: it stays inside the compose network


def test_the_request_limit_holds_the_largest_block_and_the_quota_the_kept_ones() -> None:
    got = flags(services()["etcd1"]["command"])
    # Every body byte costs GAS_PER_BODY_BYTE gas, so the block gas limit bounds a block's
    # bytes: 47 transfers with 128 KiB notes are 6.2 MB (docs/operations.md, "Sizing etcd").
    largest_block = DEFAULT_BLOCK_GAS_LIMIT // GAS_PER_BODY_BYTE
    assert largest_block == 6_250_000
    request = int(got["--max-request-bytes"])
    assert largest_block + 64 * 1024 < request <= 10 * MIB  # etcd advises at most 10 MiB
    assert DEFAULT_KEEP_BLOCKS * largest_block < int(got["--quota-backend-bytes"]) <= 8 * 1024 * MIB


def test_the_three_host_etcd_config_in_the_docs_sets_the_compose_flags() -> None:
    """docs/operations.md's /etc/default/etcd for host 1 is etcd1's command with host
    addresses (Debian's data dir; the client URL also on loopback, for etcdctl)."""
    doc = (DEPLOY.parent / "docs" / "operations.md").read_text()
    lines = re.findall(r"^  (ETCD_[A-Z_]+)=(\S+)$", doc, re.M)
    from_doc = {"--" + name[5:].lower().replace("_", "-"): value for name, value in lines}
    assert len(from_doc) == len(lines)
    expected = {}
    for flag, value in flags(services()["etcd1"]["command"]).items():
        for k, member in enumerate(MEMBERS, 1):
            value = value.replace(f"//{member}:", f"//10.0.0.{k}:")
        expected[flag] = value.replace("0.0.0.0", "10.0.0.1") or "true"
    expected["--data-dir"] = "/var/lib/etcd/default"
    expected["--listen-client-urls"] += ",http://127.0.0.1:2379"
    assert from_doc == expected


def test_setup_runs_once_as_root_with_every_nodes_volumes() -> None:
    svc = services()["setup"]
    assert svc["build"] == {"context": "../..", "dockerfile": "deploy/Dockerfile"}
    assert svc["image"] == "vmchain:latest"
    assert svc["user"] == "0:0"
    assert svc["restart"] == "no"
    assert svc["entrypoint"] == ["python", "/usr/local/lib/vmchain/setup.py"]
    assert svc["command"] == [
        "--root",
        "/setup",
        "--nodes",
        "3",
        "--chain-id",
        "vmchain-replicated",
    ]
    expected = ["./setup.py:/usr/local/lib/vmchain/setup.py:ro"]
    for node in NODES:
        expected += [f"{node}-etc:/setup/{node}/etc", f"{node}-data:/setup/{node}/data"]
    assert svc["volumes"] == [*expected, "client:/setup/client"]


def test_nodes_run_replicated_with_their_own_key_data_and_member_first() -> None:
    found = services()
    parser = build_parser()
    for i, node in enumerate(NODES):
        svc = found[node]
        assert svc["image"] == "vmchain:latest"
        assert svc["pull_policy"] == "never"  # built by `setup`, never pulled from a registry
        command = svc["command"]
        assert command[0] == "node"
        args = parser.parse_args(command)  # every flag is one `vmchain node` knows
        members = MEMBERS[i:] + MEMBERS[:i]  # the co-located member first
        assert args.etcd == [f"http://{m}:2379" for m in members]
        assert args.advertise == f"{node}:50051"
        assert (args.grpc, args.metrics) == ("0.0.0.0:50051", "0.0.0.0:9464")
        assert (args.data_dir, args.node_key) == (Path("/data"), Path("/etc/vmchain/node.key"))
        assert (args.lease_ttl, args.keep_blocks, args.etcd_prefix) == (3, 1024, "/vmchain/")
        assert not args.dev
        assert svc["volumes"] == [f"{node}-data:/data", f"{node}-etc:/etc/vmchain:ro"]
        assert svc["healthcheck"]["test"] == [
            "CMD",
            "python",
            "/usr/local/lib/vmchain/healthcheck.py",
            "127.0.0.1:50051",
        ]
        assert svc["depends_on"] == {
            "setup": {"condition": "service_completed_successfully"},
            **{m: {"condition": "service_healthy"} for m in MEMBERS},
        }
        assert svc["stop_grace_period"] == "30s"  # SIGTERM: seal what is pending, resign


def test_prometheus_scrapes_all_nodes_and_members_with_the_project_alerts() -> None:
    svc = services()["prometheus"]
    assert svc["volumes"][:2] == [
        "./prometheus.yml:/etc/prometheus/prometheus.yml:ro",
        "../prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro",
    ]
    config = read_yaml((HERE / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    assert config["scrape_configs"] == [
        {
            "job_name": "vmchain",
            "metrics_path": "/metrics",
            "static_configs": [{"targets": [f"{n}:9464" for n in NODES]}],
        },
        {
            "job_name": "etcd",
            "metrics_path": "/metrics",
            "static_configs": [{"targets": [f"{m}:2379" for m in MEMBERS]}],
        },
    ]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_scrape_config(tmp_path: Path) -> None:
    shutil.copy(HERE / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(DEPLOY / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    done = subprocess.run(
        ["promtool", "check", "config", "prometheus.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 1 rule files found" in done.stdout + done.stderr


@pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="docker-compose (Debian's 1.29, installed by .ci/run) is not installed",
)
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    """Docker's own Compose implementation parses and validates the file against its schema
    (`config` needs no engine). Debian's docker-compose 1.29 predates the top-level `name`
    (Compose v2, which `docker compose` reads), so it checks a copy without that one line, in
    the file's own project directory so that build contexts and mounts resolve as they do."""
    text = COMPOSE.read_text()
    assert text.count("\nname: vmchain-replicated\n") == 1
    copy = tmp_path / "docker-compose.yml"
    copy.write_text(text.replace("\nname: vmchain-replicated\n", "\n"))
    compose = ["docker-compose", "-f", str(copy), "--project-directory", str(HERE)]
    done = subprocess.run([*compose, "config"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    resolved = done.stdout
    listed = subprocess.run(
        [*compose, "config", "--services"], capture_output=True, text=True, check=True
    )
    assert listed.stdout.split() == [*MEMBERS, "setup", *NODES, "prometheus", "client"]
    assert f"context: {HERE}\n" in resolved  # the etcd image builds from this directory
    assert f"context: {DEPLOY.parent}\n" in resolved  # the vmchain image from the repository


def test_etcd_image_is_debians_etcd_as_a_non_root_user() -> None:
    text = (HERE / "etcd.Dockerfile").read_text()
    assert "FROM debian:bookworm-slim" in text
    assert "apt-get install -y --no-install-recommends etcd-server etcd-client" in text
    assert 'VOLUME ["/var/lib/etcd"]' in text
    assert "USER etcd:etcd" in text
    assert 'ENTRYPOINT ["/usr/bin/etcd"]' in text


def test_readme_gives_the_commands_the_compose_file_supports() -> None:
    readme = (HERE / "README.md").read_text()
    for command in [
        "docker compose -f deploy/replicated/docker-compose.yml build",
        "docker compose -f deploy/replicated/docker-compose.yml up -d",
        "docker compose -f deploy/replicated/docker-compose.yml run --rm client",
        "docker compose -f deploy/replicated/docker-compose.yml exec etcd1 etcdctl",
    ]:
        assert command in readme, command
    for service in re.findall(r"docker-compose\.yml (?:exec|stop|start|kill|logs) (\w+)", readme):
        assert service in services(), service


# --- the network as composed, on loopback ----------------------------------------------------


def _setup_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("replicated_setup", HERE / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.e2e
def test_setup_makes_keys_genesis_and_data_dirs_once(tmp_path: Path) -> None:
    setup = _setup_module()
    root = tmp_path / "setup"
    assert setup.main(["--root", str(root), "--chain-id", "vmchain-replicated"]) == 0
    keys = [root / node / "etc" / "node.key" for node in NODES]
    client = root / "client" / "client.key"
    for key in [*keys, client]:
        assert key.stat().st_mode & 0o777 == 0o600
    genesis = load_genesis(root / "node1" / "etc" / "genesis.json")
    assert genesis.chain_id == "vmchain-replicated"
    assert list(genesis.authorities) == [Wallet.load(k).address_bytes for k in keys]
    assert genesis.alloc == ((Wallet.load(client).address_bytes, setup.CLIENT_FUNDS),)
    texts = {(root / node / "etc" / "genesis.json").read_text() for node in NODES}
    assert len(texts) == 1
    for node in NODES:
        assert (root / node / "data" / "db" / "CURRENT").exists()
        assert (root / node / "data").stat().st_mode & 0o777 == 0o700
    before = {p: p.read_bytes() for p in [*keys, client, root / "node1" / "etc" / "genesis.json"]}
    running = open_rocks(str(db_path(root / "node2" / "data")))  # node2 runs: its db is locked
    try:
        assert setup.main(["--root", str(root), "--chain-id", "vmchain-replicated"]) == 0
    finally:
        running.close()
    assert {p: p.read_bytes() for p in before} == before  # a second `up` changes nothing
    (root / "node2" / "etc" / "genesis.json").write_text(texts.pop().replace("replicated", "x"))
    assert setup.main(["--root", str(root)]) == 1  # two different genesis files: refused


class ComposedEtcd(EtcdCluster):
    """The compose file's etcd members on loopback: their own flags, with host names, ports,
    data dirs and the cluster token rewritten."""

    def __init__(self, base: Path, commands: list[list[str]]) -> None:
        super().__init__(base, len(commands))
        self.commands = commands

    def args(self, i: int) -> list[str]:
        swaps = {
            "http://0.0.0.0:2379": self.urls[i],
            "http://0.0.0.0:2380": self.peers[i],
            "=/var/lib/etcd": f"={self.base / f'm{i}.etcd'}",
            "=vmchain-replicated": f"={self.token}",
        }
        for k, member in enumerate(MEMBERS):
            swaps[f"http://{member}:2379"] = self.urls[k]
            swaps[f"http://{member}:2380"] = self.peers[k]
        out = [_swap(arg, swaps) for arg in self.commands[i]]
        return ["etcd", *out, f"--log-outputs={self.base / f'm{i}.log'}"]


def _swap(arg: str, swaps: dict[str, str]) -> str:
    for old, new in swaps.items():
        arg = arg.replace(old, new)
    assert not re.search(r"etcd\d:|node\d:|0\.0\.0\.0|/var/lib|/etc/vmchain|=/data", arg), arg
    return arg


def _require_etcd() -> None:
    if shutil.which("etcd"):
        return
    reason = "etcd binary not found (apt-get install etcd-server)"
    if os.environ.get("VMCHAIN_REQUIRE_ETCD") == "1":
        pytest.fail(f"{reason}; VMCHAIN_REQUIRE_ETCD=1 says it must be there")
    pytest.skip(reason)


@pytest.fixture
def composed_etcd(tmp_path: Path) -> Iterator[ComposedEtcd]:
    _require_etcd()
    found = services()
    cluster = ComposedEtcd(tmp_path, [found[m]["command"] for m in MEMBERS])
    try:
        for i in range(len(MEMBERS)):
            cluster.start(i)
        cluster.leader_index()
        yield cluster
    finally:
        cluster.stop()


def _node_args(
    command: list[str], i: int, home: Path, grpc_ports: list[int], etcd: Any
) -> list[str]:
    swaps = {
        "=/data": f"={home / 'data'}",
        "=/etc/vmchain/node.key": f"={home / 'etc' / 'node.key'}",
        "=0.0.0.0:50051": f"=127.0.0.1:{grpc_ports[i]}",
        "=0.0.0.0:9464": "=127.0.0.1:0",
    }
    for k, node in enumerate(NODES):
        swaps[f"{node}:50051"] = f"127.0.0.1:{grpc_ports[k]}"
    for k, member in enumerate(MEMBERS):
        swaps[f"http://{member}:2379"] = etcd.urls[k]
    return [_swap(arg, swaps) for arg in command[1:]]


def _is_sealer(node: Any) -> bool:
    try:
        return "vmchain_replication_is_sealer 1.0" in str(node.scrape())
    except OSError:
        return False


def _sealer(nodes: list[Any], timeout_s: float = 15.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [i for i, node in enumerate(nodes) if _is_sealer(node)]
        if len(found) == 1:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no single sealer after {timeout_s} s")


@pytest.mark.e2e
def test_the_network_runs_as_composed(
    tmp_path: Path, composed_etcd: ComposedEtcd, capsys: pytest.CaptureFixture[str]
) -> None:
    for address in composed_etcd.addresses:  # the flags took effect on every member
        with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as response:
            text = response.read().decode()
        assert "etcd_server_quota_backend_bytes 8.589934592e+09" in text
    found = services()
    root = tmp_path / "setup"
    command = [str(root) if arg == "/setup" else arg for arg in found["setup"]["command"]]
    assert _setup_module().main(command) == 0
    grpc_ports = free_ports(len(NODES))
    nodes = []
    try:
        for i, name in enumerate(NODES):
            args = _node_args(found[name]["command"], i, root / name, grpc_ports, composed_etcd)
            node = node_helpers.NodeProcess(
                None, dev=False, args=args, log_path=tmp_path / f"{name}.log"
            )
            nodes.append(node)
            node.start()
        sealer = _sealer(nodes)
        payer = Wallet.load(root / "client" / "client.key").key
        to = Wallet.load(root / "node1" / "etc" / "node.key").address_bytes
        tx = node_helpers.transfer(nodes[sealer].node, payer, to, 7, chain_id="vmchain-replicated")
        receipt = node_helpers.submit(nodes[sealer].node, tx).receipt
        assert node_helpers.receipt_status(receipt) == "SUCCESS"
        for i in (i for i in range(len(NODES)) if i != sealer):
            fresh = node_helpers.transfer(
                nodes[i].node, payer, to, 8, chain_id="vmchain-replicated", note=b"follower"
            )
            with pytest.raises(grpc.RpcError) as caught:
                node_helpers.submit(nodes[i].node, fresh)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            assert caught.value.details() == (
                f"this node is a follower; the sealer is 127.0.0.1:{grpc_ports[sealer]}"
            )
        # the README's `run --rm client transfer`: VMCHAIN_NODE lists every node, a follower
        # first here; the CLI follows its refusal to the sealer
        order = [i for i in range(len(NODES)) if i != sealer] + [sealer]
        env = found["client"]["environment"]["VMCHAIN_NODE"]
        for k, node in enumerate(NODES):
            env = env.replace(f"{node}:50051", f"127.0.0.1:{grpc_ports[k]}")
        listed = ",".join(env.split(",")[i] for i in order)
        key = str(root / "client" / "client.key")
        argv = ["transfer", "--key", key, "--to", "0x" + to.hex(), "--amount", "5", "--json"]
        capsys.readouterr()  # drop what setup printed
        assert vmchain_main([*argv, "--node", listed]) == 0
        sent = json.loads(capsys.readouterr().out)
        assert sent["status"] == "SUCCESS"
        assert sent["height"] > receipt.height  # (+1, unless a --heartbeat block came between)
        _wait_same_head(nodes, sent["height"])
        if shutil.which("prometheus") is not None:  # CI installs it (.ci/run)
            _prometheus_sees_one_sealer(tmp_path, nodes, composed_etcd)
    finally:
        for node in nodes:
            node.kill()


def _prometheus_sees_one_sealer(tmp_path: Path, nodes: list[Any], etcd: ComposedEtcd) -> None:
    """deploy/replicated/prometheus.yml, its targets pointed at the loopback network: every node
    and member is up, one sealer, and every rule evaluates on the real series without an
    error and without firing."""
    prom: Any = importlib.import_module("test_prometheus_e2e")
    text = (HERE / "prometheus.yml").read_text()
    for i, name in enumerate(NODES):
        text = text.replace(f'"{name}:9464"', f'"{nodes[i].ready["metrics"]}"')
    for i, member in enumerate(MEMBERS):
        text = text.replace(f'"{member}:2379"', f'"{etcd.addresses[i]}"')
    text = text.replace("_interval: 5s", "_interval: 1s")
    text = text.replace("- alerts.yml", f"- {DEPLOY / 'prometheus' / 'alerts.yml'}")
    (tmp_path / "prometheus.yml").write_text(text)
    server = prom.Prometheus(tmp_path / "prometheus.yml", tmp_path / "tsdb", tmp_path / "prom.log")
    try:
        one = 'sum by (job) (vmchain_replication_is_sealer{job="vmchain"})'
        assert server.wait_for(one, 1) == 1
        assert server.wait_for('count(up{job="vmchain"} == 1)', 3) == 3
        assert server.wait_for('count(up{job="etcd"} == 1)', 3) == 3
        assert server.wait_for('min(etcd_server_has_leader{job="etcd"})', 1) == 1
        rules = _evaluated_rules(server)
        assert {r["name"] for r in rules} == set(prom._alert_names())
        assert [(r["name"], r["health"], r["state"]) for r in rules if r["health"] != "ok"] == []
        assert [r["name"] for r in rules if r["state"] != "inactive"] == []
    finally:
        server.stop()


def _evaluated_rules(server: Any, timeout_s: float = 20.0) -> list[dict[str, Any]]:
    """The rules once each has been evaluated and all are healthy and inactive (an evaluation
    before every target was scraped may have left one pending), or as they are at the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        groups = server.api("rules")["groups"]
        rules: list[dict[str, Any]] = [r for g in groups for r in g["rules"]]
        evaluated = rules and all(not r["lastEvaluation"].startswith("0001") for r in rules)
        quiet = all(r["health"] == "ok" and r["state"] == "inactive" for r in rules)
        if (evaluated and quiet) or time.monotonic() > deadline:
            return rules
        time.sleep(0.25)


def _wait_same_head(nodes: list[Any], at_least: int, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        heads = set()
        for node in nodes:
            info = node.node.GetLatestBlock(npb.GetLatestBlockRequest(), timeout=5)
            heads.add((info.header.height, info.hash))
        if len(heads) == 1 and min(h for h, _ in heads) >= at_least:
            return
        assert time.monotonic() < deadline, f"heads differ: {sorted(heads)}"
        time.sleep(0.05)
