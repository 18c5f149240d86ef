"""deploy/replicated/ on three real hosts (Linux network namespaces), and a real partition.

No Docker engine here, but network namespaces: tests/ops/netns_hosts.py makes host i (1..3)
run `etcd<i>` and `node<i>`, plus a fourth host `gate` for clients, all on one bridge, with
/etc/netns hosts files so the compose service names resolve on every host. The members run
with the compose file's own flags and the nodes with its own commands, unchanged: the same
ports on every host (2379/2380, 50051, 9464), the service names in --etcd, --advertise and
--initial-cluster; only the data, key and etcd data paths point into tmp. The test process
reaches every host by its bridge IP from the root namespace.

- As composed: one sealer is elected, a transfer seals, followers refuse writes naming the
  sealer by its service name (node2:50051), the README's `client transfer` run on the gate host
  follows that name to the sealer, and every node ends at the same head.
- A real partition: the sealer's host (its node and its etcd member, a Raft follower, which is
  then the minority) loses its network link while two SDK gates pay, one on the gate host
  (knowing the two majority nodes) and one on the isolated host (knowing only its node). The
  majority elects another sealer within the lease TTL + 1 s (+ margin; measured and printed),
  the isolated sealer steps down (its own gate samples `vmchain_replication_is_sealer 0` and
  gets errors, never a receipt), nothing it sealed after the cut is in the chain. After the
  link is back it rejoins as a follower and catches up; all 3 nodes hold one chain (no
  height twice, no gap, no tx twice) containing every receipt any gate was given.
- A NodeClient given every node, pointed at the sealer when it is cut off, moves off it (the
  SDK pings the node of an open call and reroutes on a silent deadline) and gets a receipt
  from the new sealer while the partition lasts. This test found that the SDK used to stay.

Skipped (with the reason) without root/`ip netns` or without etcd; with VMCHAIN_REQUIRE_ETCD=1
(CI) a missing etcd fails instead, as in tests/replication.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
import test_replicated_compose as compose
from netns_hosts import NetnsHosts, netns_available, netns_hosts

from vmchain._proto.etcd.etcdserverpb import rpc_pb2, rpc_pb2_grpc
from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.tx import Tx, build_transfer, signed_message
from vmchain.client import Wallet
from vmchain.replication.etcd import EtcdClient, EtcdError

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
GATE = 3  # the fourth host: clients only
GRPC_PORT, METRICS_PORT, ETCD_PORT = 50051, 9464, 2379
LEASE_TTL_S = int(compose.flags(compose.services()["node1"]["command"][1:])["--lease-ttl"])
FAILOVER_MARGIN_S = 1.5  # CPU contention on a shared 2-core machine
ETCD_ELECTION_S = (
    int(compose.flags(compose.services()["etcd1"]["command"])["--election-timeout"]) / 1000
)
START_TIMEOUT_S = 60.0
CHAIN_ID = "vmchain-replicated"


# --- the network as composed, one host per member and node -----------------------------------


@dataclass
class HostNode:
    """`vmchain node` with the compose command on host `index`, reached by its bridge IP."""

    index: int
    ip: str
    proc: subprocess.Popen[Any]
    log: Path
    channel: Any = None
    stub: Any = None

    @property
    def name(self) -> str:
        return compose.NODES[self.index]

    def connect(self, timeout_s: float = START_TIMEOUT_S) -> None:
        self.channel = grpc.insecure_channel(f"{self.ip}:{GRPC_PORT}")
        self.stub = npb_grpc.NodeStub(self.channel)  # type: ignore[no-untyped-call]
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.stub.GetNodeInfo(npb.GetNodeInfoRequest(), timeout=2)
                return
            except grpc.RpcError:
                exited = self.proc.poll()
                if exited is not None or time.monotonic() > deadline:
                    tail = self.log.read_text()[-3000:]
                    raise AssertionError(
                        f"{self.name} never answered (exit {exited}):\n{tail}"
                    ) from None
                time.sleep(0.1)

    def is_sealer(self) -> bool | None:
        """Its vmchain_replication_is_sealer, None if /metrics does not answer."""
        url = f"http://{self.ip}:{METRICS_PORT}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                text = response.read().decode()
        except OSError:
            return None
        return "vmchain_replication_is_sealer 1.0" in text.splitlines()

    def head(self) -> tuple[int, bytes]:
        info = self.stub.GetLatestBlock(npb.GetLatestBlockRequest(), timeout=5)
        return int(info.header.height), bytes(info.hash)

    def submit(self, tx: Tx, wait_ms: int = 10_000) -> Any:
        request = npb.SubmitRequest(tx=signed_message(tx), wait_ms=wait_ms)
        return self.stub.SubmitTransaction(request, timeout=wait_ms / 1000 + 5).receipt


@dataclass
class Network:
    hosts: NetnsHosts
    base: Path
    setup_root: Path
    nodes: list[HostNode] = field(default_factory=list)
    members: list[subprocess.Popen[Any]] = field(default_factory=list)

    @property
    def etcd_urls(self) -> list[str]:
        return [f"http://{self.hosts.hosts[i].ip}:{ETCD_PORT}" for i in range(3)]

    @property
    def client_key(self) -> Path:
        return self.setup_root / "client" / "client.key"

    def payee(self) -> bytes:
        return Wallet.load(self.setup_root / "node1" / "etc" / "node.key").address_bytes

    def proposer(self, i: int) -> bytes:
        return Wallet.load(self.setup_root / compose.NODES[i] / "etc" / "node.key").address_bytes

    def sealer(self, among: list[int] | None = None, timeout_s: float = 30.0) -> int:
        """The one node (of `among`) that reports itself sealer."""
        indices = [0, 1, 2] if among is None else among
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [i for i in indices if self.nodes[i].is_sealer()]
            if len(found) == 1:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no single sealer among {indices} after {timeout_s} s")

    def same_head(self, at_least: int, timeout_s: float = 30.0) -> tuple[int, bytes]:
        deadline = time.monotonic() + timeout_s
        while True:
            heads = {node.head() for node in self.nodes}
            if len(heads) == 1 and min(h for h, _ in heads) >= at_least:
                return heads.pop()
            assert time.monotonic() < deadline, f"heads differ: {sorted(heads)}"
            time.sleep(0.1)


def _member_argv(i: int, data_dir: Path) -> list[str]:
    """The compose file's etcd<i> command, only its data dir moved into tmp."""
    command = compose.services()[compose.MEMBERS[i]]["command"]
    return ["etcd", *(arg.replace("=/var/lib/etcd", f"={data_dir}") for arg in command)]


def _node_argv(i: int, home: Path) -> list[str]:
    """The compose file's node<i> command, only its data dir and key file moved into tmp."""
    swaps = {"=/data": f"={home / 'data'}", "=/etc/vmchain/node.key": f"={home / 'etc/node.key'}"}
    out = [sys.executable, "-m", "vmchain"]
    for arg in compose.services()[compose.NODES[i]]["command"]:
        for old, new in swaps.items():
            arg = arg.replace(old, new) if arg.endswith(old) else arg
        out.append(arg)
    return out


def _etcd_leader(urls: list[str], timeout_s: float = 30.0) -> tuple[int, list[int]]:
    """Once every member names the same Raft leader: its index, and the member ids."""
    addresses = [url.removeprefix("http://") for url in urls]
    deadline = time.monotonic() + timeout_s
    with EtcdClient(urls, timeout=1.0, attempt_timeout=1.0) as probe:
        while True:
            try:
                statuses = [probe.status(address) for address in addresses]
            except EtcdError:
                statuses = []
            ids = [s.member_id for s in statuses]
            leaders = {s.leader for s in statuses}
            if len(statuses) == len(urls) and len(leaders) == 1 and leaders <= set(ids):
                return ids.index(leaders.pop()), ids
            assert time.monotonic() < deadline, f"etcd has no agreed leader after {timeout_s} s"
            time.sleep(0.1)


def _require() -> None:
    compose._require_etcd()  # first: with VMCHAIN_REQUIRE_ETCD=1 a missing etcd fails
    reason = netns_available()
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    _require()
    base = tmp_path_factory.mktemp("netns")
    names = [(m, n) for m, n in zip(compose.MEMBERS, compose.NODES, strict=True)]
    with netns_hosts([*names, ("gate",)]) as hosts:
        net = Network(hosts, base, base / "setup")
        found = compose.services()
        command = [str(net.setup_root) if a == "/setup" else a for a in found["setup"]["command"]]
        assert compose._setup_module().main(command) == 0
        for i in range(3):
            with open(base / f"etcd{i + 1}.log", "ab") as log:
                argv = _member_argv(i, base / f"etcd{i + 1}")
                net.members.append(hosts.popen(i, argv, stdout=log))
        _etcd_leader(net.etcd_urls)
        for i in range(3):
            log_path = base / f"node{i + 1}.log"
            with open(log_path, "ab") as log:
                proc = hosts.popen(i, _node_argv(i, net.setup_root / compose.NODES[i]), stdout=log)
            net.nodes.append(HostNode(i, hosts.hosts[i].ip, proc, log_path))
        for node in net.nodes:
            node.connect()
        yield net
        for node in net.nodes:
            if node.channel is not None:
                node.channel.close()


# --- as composed -----------------------------------------------------------------------------


def _transfer(net: Network, node: HostNode, note: bytes) -> Tx:
    height = node.head()[0]
    return build_transfer(
        Wallet.load(net.client_key).key,
        chain_id=CHAIN_ID,
        to=net.payee(),
        amount=1,
        first_valid=height + 1,
        last_valid=height + 500,
        gas_price=0,
        note=note,
    )


def _members_as_composed(net: Network) -> None:
    """Each member runs with the compose flags: names in its URLs, the compose quota."""
    for url in net.etcd_urls:
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
            assert "etcd_server_quota_backend_bytes 8.589934592e+09" in response.read().decode()
        with grpc.insecure_channel(url.removeprefix("http://")) as channel:
            stub = rpc_pb2_grpc.ClusterStub(channel)  # type: ignore[no-untyped-call]
            members = stub.MemberList(rpc_pb2.MemberListRequest(), timeout=5).members
        urls = sorted((m.name, tuple(m.peerURLs), tuple(m.clientURLs)) for m in members)
        assert urls == [(m, (f"http://{m}:2380",), (f"http://{m}:2379",)) for m in compose.MEMBERS]


def test_the_compose_topology_runs_on_three_hosts(network: Network) -> None:
    net = network
    _members_as_composed(net)
    sealer = net.sealer()
    receipt = net.nodes[sealer].submit(_transfer(net, net.nodes[sealer], b"as-composed"))
    assert receipt.height >= 1 and receipt.status == pb.SUCCESS
    for i in (i for i in range(3) if i != sealer):
        with pytest.raises(grpc.RpcError) as caught:
            net.nodes[i].submit(_transfer(net, net.nodes[i], b"to-follower-%d" % i))
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert caught.value.details() == (
            f"this node is a follower; the sealer is {compose.NODES[sealer]}:{GRPC_PORT}"
        )
    # The README's `client transfer` on the gate host: first with the compose VMCHAIN_NODE as
    # is, then pointed at one follower only: it follows the sealer's service name.
    env = {"VMCHAIN_NODE": compose.services()["client"]["environment"]["VMCHAIN_NODE"]}
    follower = compose.NODES[(sealer + 1) % 3]
    argv = [sys.executable, "-m", "vmchain", "transfer", "--key", str(net.client_key)]
    argv += ["--to", "0x" + net.payee().hex(), "--amount", "5", "--json"]
    heights = [receipt.height]
    for extra in ([], ["--node", f"{follower}:{GRPC_PORT}"]):
        done = net.hosts.run(GATE, [*argv, *extra], env=env, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        sent = json.loads(done.stdout)
        assert sent["status"] == "SUCCESS"
        heights.append(sent["height"])
    assert heights == sorted(heights) and len(set(heights)) == 3
    net.same_head(heights[-1])


# --- a real partition ------------------------------------------------------------------------


@dataclass
class Gate:
    """tests/ops/netns_gate.py paying on one host; its journal read back as records."""

    label: str
    out: Path
    stop: Path
    proc: subprocess.Popen[Any]

    def records(self, kind: str = "pay") -> list[dict[str, Any]]:
        lines = self.out.read_text().splitlines() if self.out.exists() else []
        complete = [json.loads(line) for line in lines if line.endswith("}")]
        return [r for r in complete if r["kind"] == kind]

    def receipts(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r["ok"]]


def _start_gate(
    net: Network, host: int, label: str, nodes: list[int], extra: tuple[str, ...] = ()
) -> Gate:
    out, stop = net.base / f"gate-{label}.jsonl", net.base / f"gate-{label}.stop"
    argv = [sys.executable, str(HERE / "netns_gate.py"), "--label", label]
    argv += ["--node", ",".join(f"{compose.NODES[i]}:{GRPC_PORT}" for i in nodes)]
    argv += ["--key", str(net.client_key), "--to", "0x" + net.payee().hex()]
    argv += ["--stop", str(stop), "--out", str(out), *extra]
    with open(net.base / f"gate-{label}.log", "ab") as log:
        return Gate(label, out, stop, net.hosts.popen(host, argv, stdout=log))


def _stop_gates(gates: list[Gate]) -> None:
    for gate in gates:
        gate.stop.touch()
    for gate in gates:
        gate.proc.wait(30)


def _wait(what: str, check: Any, timeout_s: float, poll_s: float = 0.05) -> float:
    """Poll `check()` until true; the monotonic time it became true."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(poll_s)
    return time.monotonic()


def _place_etcd_leader(net: Network, host: int, *, on_host: bool) -> None:
    """Make `host`'s member the Raft leader (`on_host`) or a follower (a member moved to)."""
    leader, ids = _etcd_leader(net.etcd_urls)
    if (leader == host) == on_host:
        return
    target = ids[host] if on_host else ids[(host + 1) % 3]
    with grpc.insecure_channel(net.etcd_urls[leader].removeprefix("http://")) as channel:
        stub = rpc_pb2_grpc.MaintenanceStub(channel)  # type: ignore[no-untyped-call]
        stub.MoveLeader(rpc_pb2.MoveLeaderRequest(targetID=target), timeout=10)
    moved = lambda: (_etcd_leader(net.etcd_urls)[0] == host) == on_host  # noqa: E731
    _wait("etcd leader moved", moved, 15)


def _chain(node: HostNode, head: int) -> list[Any]:
    """Blocks 1..head of one node, checked to link up height by height."""
    out: list[Any] = []
    parent = node.stub.GetBlock(npb.GetBlockRequest(height=0), timeout=10).hash
    for height in range(1, head + 1):
        info = node.stub.GetBlock(npb.GetBlockRequest(height=height, full=True), timeout=10)
        assert info.header.height == height, f"{node.name}: asked {height}"
        assert info.header.parent_hash == parent, f"{node.name}: a gap below {height}"
        parent = info.hash
        out.append(info)
    return out


@pytest.mark.parametrize(
    "etcd_leader_cut",
    [
        pytest.param(False, id="its-member-a-raft-follower"),
        pytest.param(True, id="its-member-the-raft-leader", marks=pytest.mark.slow),
    ],
)
def test_a_partitioned_sealer_steps_down_and_rejoins(
    network: Network, etcd_leader_cut: bool
) -> None:
    """The sealer's host is cut off; its etcd member is a Raft follower (the majority keeps its
    leader: failover within the lease TTL + 1 s) or the Raft leader (etcd elects a new one
    first, up to 2 election timeouts, and 3.4 extends every lease by one election timeout)."""
    net = network
    old = net.sealer()
    majority = [i for i in range(3) if i != old]
    _place_etcd_leader(net, old, on_host=etcd_leader_cut)
    old_name = compose.NODES[old]
    # one attempt per payment, waiting longer than the sealer's etcd commit timeout (5 s): the
    # isolated gate records each answer of its node
    isolated = ("--no-retry", "--wait", "7", "--metrics", f"{old_name}:{METRICS_PORT}")
    gates = [
        _start_gate(net, GATE, "majority", majority),
        _start_gate(net, old, "isolated", [old], isolated),
    ]
    majority_gate, isolated_gate = gates
    healed = False
    try:
        _wait("receipts before the cut", lambda: all(len(g.receipts()) >= 3 for g in gates), 60)
        cut_ms, cut = time.time_ns() // 1_000_000, time.monotonic()
        net.hosts.partition(old)
        elected = _wait("a majority node seals", lambda: _sealer_among(net, majority), 30)
        _wait(
            f"{old_name} reports is_sealer 0 to its own gate",
            lambda: _stepped_down(isolated_gate, cut) is not None,
            30,
        )
        _wait(
            "a receipt from the new sealer",
            lambda: any(r["sent"] > cut for r in majority_gate.receipts()),
            30,
        )
        _wait(
            "two answers to the isolated gate",
            lambda: len([r for r in isolated_gate.records() if r["done"] > cut]) >= 2,
            30,
        )
        time.sleep(1.5)  # more load on the new sealer, more refusals from the cut-off one
        heal = time.monotonic()
        net.hosts.heal(old)
        healed = True
        new = net.sealer(among=majority)
        _wait(f"{old_name} rejoins as a follower", lambda: net.nodes[old].is_sealer() is False, 30)
        hint = f"this node is a follower; the sealer is {compose.NODES[new]}:{GRPC_PORT}"
        _wait(f"{old_name} names the new sealer", lambda: _refusal(net, old) == hint, 30, 0.2)
        _wait("receipts after the heal", lambda: _receipts_after(gates, heal + 1.0), 60)
    finally:
        if not healed:
            net.hosts.heal(old)
        _stop_gates(gates)
    resumed = min(r["done"] for r in majority_gate.receipts() if r["sent"] > cut)
    stepped = _stepped_down(isolated_gate, cut) or heal
    target = LEASE_TTL_S + 1 + (2 * ETCD_ELECTION_S if etcd_leader_cut else 0)
    print(
        f"\npartition of {old_name} (etcd leader cut: {etcd_leader_cut}): {compose.NODES[new]} "
        f"elected sealer after {elected - cut:.2f} s (target {target} + {FAILOVER_MARGIN_S} s); "
        f"the majority gate's first receipt after {resumed - cut:.2f} s; {old_name} stepped "
        f"down after {stepped - cut:.2f} s; healed after {heal - cut:.2f} s"
    )
    assert elected - cut <= target + FAILOVER_MARGIN_S
    # The isolated gate: a payment sent after the cut never got a receipt while cut off; the
    # first answer after the cut (its block could not reach a quorum) says so, every later one
    # is a follower's refusal.
    answered = [r for r in isolated_gate.records() if r["done"] > cut and r["sent"] < heal]
    assert not [r for r in answered if r["ok"] and r["sent"] > cut], answered
    failed = [r for r in answered if not r["ok"]]
    assert [r["error"] for r in failed] == ["UNAVAILABLE"] * len(failed), failed
    first, *rest = [r["details"] for r in failed]
    assert first.startswith("block ") and "was not acknowledged" in first, first
    follower = "this node is a follower; no sealer is elected right now, retry shortly"
    assert rest and all(text.endswith(follower) for text in rest), rest  # "stopped sealing (…); "
    samples = [r for r in isolated_gate.records("sealer") if stepped <= r["t"] < heal]
    assert samples and all(r["value"] == 0 for r in samples), samples
    _one_chain_with_every_receipt(net, gates, net.proposer(old), cut_ms)


def _stepped_down(gate: Gate, cut: float) -> float | None:
    """When the gate first sampled is_sealer 0 from its node after the cut."""
    zeros = [r["t"] for r in gate.records("sealer") if r["t"] > cut and r["value"] == 0]
    return min(zeros, default=None)


def _sealer_among(net: Network, indices: list[int]) -> bool:
    return any(net.nodes[i].is_sealer() for i in indices)


def _refusal(net: Network, i: int) -> str:
    try:
        net.nodes[i].submit(_transfer(net, net.nodes[i], b"probe-%d" % time.monotonic_ns()))
    except grpc.RpcError as exc:
        return str(exc.details())
    return "accepted"


def _receipts_after(gates: list[Gate], after: float) -> bool:
    return all(any(r["sent"] > after for r in gate.receipts()) for gate in gates)


def _one_chain_with_every_receipt(
    net: Network, gates: list[Gate], old_proposer: bytes, cut_ms: int
) -> None:
    receipts = [r for gate in gates for r in gate.receipts()]
    head, _ = net.same_head(max(r["height"] for r in receipts))
    chains = [_chain(node, head) for node in net.nodes]
    hashes = [[b.hash for b in chain] for chain in chains]
    assert hashes[0] == hashes[1] == hashes[2]
    where: dict[str, int] = {}
    for block in chains[0]:
        for receipt in block.receipts:
            tx_id = receipt.tx_id.hex()
            assert tx_id not in where, (
                f"tx {tx_id} at heights {where[tx_id]} and {block.header.height}"
            )
            where[tx_id] = block.header.height
    for r in receipts:
        assert where.get(r["tx"]) == r["height"], f"{r} is not in the final chain"
        request = npb.GetReceiptRequest(tx_id=bytes.fromhex(r["tx"]))
        for node in net.nodes:
            assert node.stub.GetReceipt(request, timeout=5).height == r["height"]
    for node in net.nodes:  # nobody halted on the way (a fork, a mismatch, a crash)
        text = node.log.read_text()
        assert '"level":"CRITICAL"' not in text and "Traceback" not in text, text[-3000:]
    late = [
        b.header.height
        for b in chains[0]
        if b.header.proposer == old_proposer and b.header.timestamp_ms > cut_ms
    ]
    assert late == [], f"blocks the cut-off sealer sealed after the cut: {late}"


def test_an_sdk_client_given_every_node_moves_off_a_partitioned_sealer(network: Network) -> None:
    net = network
    old = net.sealer()
    majority = [i for i in range(3) if i != old]
    _place_etcd_leader(net, old, on_host=False)
    gate = _start_gate(net, GATE, "sdk-as-is", [0, 1, 2])
    try:
        _wait("receipts before the cut", lambda: len(gate.receipts()) >= 3, 60)
        cut = time.monotonic()
        net.hosts.partition(old)
        net.sealer(among=majority)
        # the new sealer is elected within the TTL; give the SDK two of its deadlines more
        _wait(
            "a receipt after the cut",
            lambda: any(r["sent"] > cut for r in gate.receipts()),
            LEASE_TTL_S + 1 + FAILOVER_MARGIN_S + 2 * 4,
        )
    finally:
        net.hosts.heal(old)
        _wait(f"{compose.NODES[old]} is back", lambda: net.nodes[old].is_sealer() is False, 30)
        _stop_gates([gate])
        net.same_head(max(r["height"] for r in gate.receipts()))
