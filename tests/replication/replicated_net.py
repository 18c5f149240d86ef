"""A replicated vmchain network for tests: real `vmchain node --etcd` processes on a real etcd.

`ReplicatedNet(base, cluster, size=3)` writes one genesis with `size` authorities, inits a data
dir and a 0600 key file per node, and starts each node with `--etcd <every member>`, member i
first for node i (its "own" member). Helpers
find the elected sealer (the node whose /metrics says vmchain_replication_is_sealer 1), submit
transfers, and compare chains block by block.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "node"))

from node_helpers import NodeProcess

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.genesis import Genesis
from vmchain.chain.tx import Tx, build_transfer, signed_message
from vmchain.cli.main import main
from vmchain.crypto import PrivateKey, Scheme

from .etcd_cluster import EtcdCluster

CHAIN_ID = "replicated-test"
AUTHORITIES = [PrivateKey.from_int(Scheme.SECP256K1, 0xA0701 + i) for i in range(3)]
PAYERS = [PrivateKey.from_int(Scheme.SECP256K1, 0xBA1 + i) for i in range(8)]
PAYEE = PrivateKey.from_int(Scheme.SECP256K1, 0xFEE).address
FUNDS = 10**15


def genesis() -> Genesis:
    return Genesis(
        chain_id=CHAIN_ID,
        timestamp_ms=1_700_000_000_000,
        authorities=tuple(key.address for key in AUTHORITIES),
        alloc=tuple((key.address, FUNDS) for key in PAYERS),
    )


class ReplicatedNet:
    """`size` replicated nodes on one etcd cluster, each with its own data dir and key."""

    def __init__(
        self,
        base: Path,
        cluster: EtcdCluster,
        size: int = 3,
        args: Sequence[str] = (),
        credentials: Any = None,
    ) -> None:
        """`args` go to every node; `credentials`: the tests' gRPC channel credentials when
        the nodes serve TLS (None: plaintext)."""
        self.base = base
        self.cluster = cluster
        self.args = list(args)
        self.credentials = credentials
        (base / "genesis.json").write_text(genesis().to_json())
        self.nodes: list[NodeProcess] = []
        for i in range(size):
            home = base / f"node{i}"
            home.mkdir()
            code = main(
                ["init", "--genesis", str(base / "genesis.json"), "--data-dir", str(home / "data")]
            )
            assert code == 0
            key_file = home / "node.key"
            key_file.write_text(AUTHORITIES[i].to_bytes().hex() + "\n")
            key_file.chmod(0o600)
            self.nodes.append(self._process(i))

    def _process(
        self, i: int, env: dict[str, str] | None = None, args: Sequence[str] | None = None
    ) -> NodeProcess:
        home = self.base / f"node{i}"
        urls = self.cluster.urls[i:] + self.cluster.urls[:i]  # node i talks to member i first
        command = ["--node-key", str(home / "node.key"), "--etcd", ",".join(urls)]
        command += ["--lease-ttl", "2", "--block-time", "20ms"]
        command += self.args if args is None else args
        return NodeProcess(
            home / "data",
            dev=False,
            args=command,
            log_path=home / "node.log",
            env=env,
            credentials=self.credentials,
        )

    def start(
        self,
        i: int | None = None,
        env: dict[str, str] | None = None,
        args: Sequence[str] | None = None,
    ) -> None:
        """Start node `i` (default: every node not running), with extra `env`, and `args`
        instead of the network's own."""
        for index in range(len(self.nodes)) if i is None else [i]:
            proc = self.nodes[index].proc
            if proc is not None and proc.poll() is None:
                continue
            self.nodes[index] = self._process(index, env, args)
            self.nodes[index].start()

    def kill(self, i: int) -> None:
        self.nodes[i].kill()

    def stop(self) -> None:
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.stop()

    def log(self, i: int) -> str:
        return (self.base / f"node{i}" / "node.log").read_text()

    def sealer(self, timeout_s: float = 15.0, among: Sequence[int] | None = None) -> int:
        """The index of the node that reports itself sealer."""
        deadline = time.monotonic() + timeout_s
        indices = list(range(len(self.nodes))) if among is None else list(among)
        while time.monotonic() < deadline:
            for i in indices:
                if is_sealer(self.nodes[i]):
                    return i
            time.sleep(0.05)
        raise AssertionError(f"no sealer among nodes {indices} after {timeout_s} s")

    def heads(self, indices: Sequence[int] | None = None) -> list[tuple[int, bytes]]:
        out = []
        for i in range(len(self.nodes)) if indices is None else indices:
            info = self.nodes[i].node.GetLatestBlock(npb.GetLatestBlockRequest(), timeout=5)
            out.append((info.header.height, info.hash))
        return out

    def wait_same_head(self, indices: Sequence[int], at_least: int, timeout_s: float = 20) -> int:
        deadline = time.monotonic() + timeout_s
        while True:
            heads = self.heads(indices)
            if len(set(heads)) == 1 and heads[0][0] >= at_least:
                return heads[0][0]
            if time.monotonic() > deadline:
                raise AssertionError(f"heads differ after {timeout_s} s: {heads}")
            time.sleep(0.05)


def is_sealer(node: NodeProcess) -> bool:
    try:
        text = node.scrape()
    except OSError:
        return False
    return "vmchain_replication_is_sealer 1.0" in text


def transfer_tx(payer: PrivateKey, note: bytes, first_valid: int = 1) -> Tx:
    return build_transfer(
        payer,
        chain_id=CHAIN_ID,
        to=PAYEE,
        amount=1,
        first_valid=first_valid,
        last_valid=first_valid + 500,
        gas_price=0,
        note=note,
    )


def submit(node: NodeProcess, tx: Tx, wait_ms: int = 10_000) -> Any:
    request = npb.SubmitRequest(tx=signed_message(tx), wait_ms=wait_ms)
    return node.node.SubmitTransaction(request, timeout=wait_ms / 1000 + 5).receipt


def blocks(node: NodeProcess, first: int, last: int) -> Iterator[Any]:
    for height in range(first, last + 1):
        yield node.node.GetBlock(npb.GetBlockRequest(height=height, full=True), timeout=10)


def outgrow_the_log(net: ReplicatedNet, sealer: int, follower: int) -> int:
    """With --keep-blocks 10: `follower` stops after block 1, the sealer seals 40 more blocks
    (one transfer each) and prunes the log behind them. The sealer's head."""
    submit(net.nodes[sealer], transfer_tx(PAYERS[4], b"first"))
    net.wait_same_head(range(len(net.nodes)), at_least=1)
    net.nodes[follower].stop()
    for i in range(40):  # one block each: 41 blocks, 10 kept in etcd
        submit(net.nodes[sealer], transfer_tx(PAYERS[4], b"while-down-%d" % i))
    time.sleep(6)  # the sealer prunes every 5 s
    return net.heads([sealer])[0][0]


def fetched_blocks(node: NodeProcess) -> float:
    """The node's vmchain_replication_fetched_blocks_total."""
    prefix = "vmchain_replication_fetched_blocks_total "
    lines = [line for line in node.scrape().splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, lines
    return float(lines[0].split()[1])


def submit_to_sealer(net: ReplicatedNet, tx: Tx, timeout_s: float = 20) -> Any:
    """Submit to whichever node seals now, moving on when a node says it is not the sealer."""
    deadline = time.monotonic() + timeout_s
    while True:
        i = net.sealer(timeout_s=max(0.1, deadline - time.monotonic()))
        try:
            return submit(net.nodes[i], tx)
        except grpc.RpcError as exc:
            if exc.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def replicated_net(
    base: Path,
    cluster: EtcdCluster,
    size: int = 3,
    args: Sequence[str] = (),
    start: bool = True,
    credentials: Any = None,
) -> Iterator[ReplicatedNet]:
    """The network, every node started (unless `start=False`); killed on the way out."""
    net = ReplicatedNet(base, cluster, size, args, credentials)
    try:
        if start:
            net.start()
        yield net
    finally:
        for node in net.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.kill()
