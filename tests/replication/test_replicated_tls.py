"""Replicated nodes that serve gRPC over mutual TLS: a follower that fell behind past the log
etcd keeps fetches the pruned blocks from the sealer over TLS, with --peer-ca and a client
certificate (--peer-cert, --peer-key), as etcd's own --peer-* flags. Without them it cannot,
says so in its log with the flags to give, and stays behind rather than guessing. The flags are
checked at start: pairs that go together, a key file readable by its owner only, and --etcd.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vmchain.cli.main import main
from vmchain.client.node_client import tls_credentials

from .etcd_cluster import EtcdCluster
from .replicated_net import blocks, fetched_blocks, outgrow_the_log, replicated_net

pytestmark = pytest.mark.e2e

HINT = (
    "if the nodes serve TLS, give --peer-ca (and --peer-cert and --peer-key where they "
    "require client certificates)"
)
LOOSE_KEY = ["--peer-key", "{pki}/loose.key"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, the nodes' server certificate (127.0.0.1), and client certificates for the
    nodes dialling each other ("peer") and for this test ("tests")."""
    out = tmp_path_factory.mktemp("pki")
    assert main(["certs", str(out), "--gate", "peer", "--gate", "tests"]) == 0
    return out


def serve_args(pki: Path) -> list[str]:
    return [
        "--tls-cert",
        str(pki / "server.pem"),
        "--tls-key",
        str(pki / "server.key"),
        "--client-ca",
        str(pki / "ca.pem"),
    ]


def peer_args(pki: Path) -> list[str]:
    return [
        "--peer-ca",
        str(pki / "ca.pem"),
        "--peer-cert",
        str(pki / "gate-peer.pem"),
        "--peer-key",
        str(pki / "gate-peer.key"),
    ]


def test_a_follower_fetches_pruned_blocks_over_mutual_tls(
    fresh_cluster: EtcdCluster, tmp_path: Path, pki: Path
) -> None:
    keep = ["--keep-blocks", "10"]
    credentials = tls_credentials(pki / "ca.pem", pki / "gate-tests.pem", pki / "gate-tests.key")
    args = [*serve_args(pki), *peer_args(pki), *keep]
    with replicated_net(tmp_path, fresh_cluster, args=args, credentials=credentials) as net:
        sealer = net.sealer()
        follower = (sealer + 1) % 3
        head = outgrow_the_log(net, sealer, follower)

        # Without the --peer-* flags the follower dials the sealer in plaintext and is refused.
        net.start(follower, args=[*serve_args(pki), *keep])
        deadline = time.monotonic() + 20
        while HINT not in net.log(follower) and time.monotonic() < deadline:
            time.sleep(0.1)
        line = net.log(follower).split("cannot fetch blocks ", 1)[-1].splitlines()[0]
        sealer_at = net.nodes[sealer].ready["grpc"]
        said = re.match(
            rf"2\.\.(\d+) \(pruned from etcd\) from the sealer at {sealer_at} in plaintext: "
            rf"UNAVAILABLE .*; {re.escape(HINT)}; retrying$",
            line,
        )
        assert said is not None, line
        pruned_to = int(said.group(1))
        assert head - 11 <= pruned_to < head, (pruned_to, head)  # etcd keeps the last 10
        assert net.heads([follower])[0][0] == 1
        net.nodes[follower].stop()

        # With them it fetches the pruned blocks over mutual TLS and catches up.
        net.start(follower)
        net.wait_same_head([sealer, follower], at_least=head, timeout_s=30)
        assert pruned_to - 1 <= fetched_blocks(net.nodes[follower]) < head
        ours = [b.hash for b in blocks(net.nodes[follower], 1, head)]
        assert ours == [b.hash for b in blocks(net.nodes[sealer], 1, head)]


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--peer-cert", "{pki}/gate-peer.pem"], 2, "--peer-cert and --peer-key need --peer-ca"),
        (
            ["--peer-ca", "{pki}/ca.pem", "--peer-key", "{pki}/gate-peer.key"],
            2,
            "--peer-cert and --peer-key go together",
        ),
        (["--peer-ca", "{pki}/server.key.pub"], 1, "--peer-ca: cannot read {pki}/server.key.pub"),
        (["--peer-ca", "{pki}/loose.key"], 1, "--peer-ca: {pki}/loose.key is not a PEM file"),
        (
            ["--peer-ca", "{pki}/ca.pem", "--peer-cert", "{pki}/ca.pem", *LOOSE_KEY],
            1,
            "--peer-key: {pki}/loose.key has mode 0644; a key file must be readable by its "
            "owner only",
        ),
    ],
)
def test_peer_tls_flags_are_checked_at_start(
    fresh_cluster: EtcdCluster, tmp_path: Path, pki: Path, extra: list[str], code: int, message: str
) -> None:
    loose = pki / "loose.key"
    loose.write_text("not a key\n")
    loose.chmod(0o644)
    with replicated_net(tmp_path, fresh_cluster, size=1, start=False):
        home = tmp_path / "node0"
        command = [sys.executable, "-m", "vmchain", "node", "--grpc", "127.0.0.1:0"]
        command += ["--metrics", "off", "--data-dir", str(home / "data")]
        command += ["--node-key", str(home / "node.key"), "--etcd", fresh_cluster.urls[0]]
        command += [arg.format(pki=pki) for arg in extra]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stderr
    assert message.format(pki=pki) in done.stderr


def test_peer_tls_flags_need_etcd(tmp_path: Path, pki: Path) -> None:
    data = tmp_path / "data"
    command = [sys.executable, "-m", "vmchain", "node", "--grpc", "127.0.0.1:0"]
    command += ["--metrics", "off", "--dev", "--data-dir", str(data)]
    command += ["--peer-ca", str(pki / "ca.pem")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "--peer-ca, --peer-cert and --peer-key need --etcd" in done.stderr
