"""node/server.py in process: wiring, health, limits and the error codes that need a node's
insides to reach (shutting down, mempool full, an internal bug, sealing stopped)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from node_helpers import assert_rpc_error

from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import dev_pb2_grpc as dpb_grpc
from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc
from vmchain.chain.genesis import dev_genesis, dev_keys
from vmchain.chain.mempool import MempoolLimits
from vmchain.chain.tx import build_transfer, signed_message, tx_id_of
from vmchain.crypto import PrivateKey, Scheme
from vmchain.node.config import NodeConfig
from vmchain.node.errors import ConfigError
from vmchain.node.server import NodeServer

Code = grpc.StatusCode
KEYS = dev_keys()


class Running:
    def __init__(self, server: NodeServer) -> None:
        self.server = server
        self.endpoints = server.start()
        self.channel = grpc.insecure_channel(self.endpoints.grpc)
        self.node = npb_grpc.NodeStub(self.channel)  # type: ignore[no-untyped-call]
        self.dev = dpb_grpc.DevStub(self.channel)  # type: ignore[no-untyped-call]
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def health_of(self, service: str) -> Any:
        return self.health.Check(health_pb2.HealthCheckRequest(service=service)).status

    def close(self) -> None:
        self.channel.close()
        self.server.stop()


def start(tmp_path: Path, **config: Any) -> Running:
    settings: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "dev": True,
        "grpc_address": "127.0.0.1:0",
        "metrics_address": None,
    }
    settings.update(config)
    genesis = dev_genesis() if settings["dev"] else None
    return Running(NodeServer(NodeConfig(**settings), genesis=genesis, key=KEYS[0]))


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    node = start(tmp_path, block_time_ms=60_000, mempool=MempoolLimits(max_txs=2))
    yield node
    node.close()


def transfer(amount: int, note: bytes = b"") -> Any:
    return signed_message(
        build_transfer(
            KEYS[1],
            chain_id="vmchain-dev",
            to=KEYS[2].address,
            amount=amount,
            first_valid=1,
            last_valid=100,
            note=note,
        )
    )


def test_mempool_full_is_resource_exhausted(running: Running) -> None:
    for amount in (1, 2):
        running.node.SubmitTransaction(npb.SubmitRequest(tx=transfer(amount)))
    assert_rpc_error(
        Code.RESOURCE_EXHAUSTED,
        "mempool_full: mempool is full (2 txs",
        running.node.SubmitTransaction,
        npb.SubmitRequest(tx=transfer(3)),
    )


def test_shutting_down_is_unavailable_and_not_serving(running: Running) -> None:
    running.node.SubmitTransaction(npb.SubmitRequest(tx=transfer(1)))
    running.server.runtime.begin_shutdown()
    assert_rpc_error(
        Code.UNAVAILABLE,
        "node is shutting down and accepts no new transactions",
        running.node.SubmitTransaction,
        npb.SubmitRequest(tx=transfer(2)),
    )
    assert running.server.runtime.join(10)
    info = running.node.GetNodeInfo(npb.GetNodeInfoRequest())
    assert info.height == 1  # the pending tx was sealed on the way down
    running.server.health.enter_graceful_shutdown()
    assert running.health_of("") == health_pb2.HealthCheckResponse.NOT_SERVING


def test_a_stopped_sealer_is_unavailable_and_not_serving(running: Running) -> None:
    runtime = running.server.runtime
    runtime._stop_sealing("OSError: disk full")
    assert running.health_of("vmchain.v1.Node") == health_pb2.HealthCheckResponse.NOT_SERVING
    assert running.health_of("") == health_pb2.HealthCheckResponse.NOT_SERVING
    assert_rpc_error(
        Code.UNAVAILABLE,
        "stopped sealing after an error: OSError: disk full",
        running.node.SubmitTransaction,
        npb.SubmitRequest(tx=transfer(1)),
    )
    assert running.node.GetNodeInfo(npb.GetNodeInfoRequest()).height == 0  # reads still work


def test_an_unexpected_exception_is_internal_and_names_itself(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise KeyError("head")

    monkeypatch.setattr(running.server.ledger, "head", broken)
    assert_rpc_error(
        Code.INTERNAL,
        "internal error: KeyError: 'head'",
        running.node.GetNodeInfo,
        npb.GetNodeInfoRequest(),
    )


def test_waits_answer_before_the_callers_deadline(running: Running) -> None:
    running.node.SubmitTransaction(npb.SubmitRequest(tx=transfer(1)))
    tx = transfer(1)
    assert_rpc_error(
        Code.DEADLINE_EXCEEDED,
        "is still pending after",
        running.node.GetReceipt,
        npb.GetReceiptRequest(tx_id=tx_id_of(tx.body), wait_ms=60_000),
        timeout=0.5,
    )


def test_dev_rpcs_over_grpc(running: Running) -> None:
    assert running.dev.Mine(dpb.MineRequest(blocks=2)).height == 2
    assert_rpc_error(
        Code.INVALID_ARGUMENT,
        "blocks 5000 is more than 1000 per call",
        running.dev.Mine,
        dpb.MineRequest(blocks=5000),
    )
    snapshot_id = running.dev.Snapshot(dpb.SnapshotRequest()).id
    assert running.dev.Mine(dpb.MineRequest(blocks=3)).height == 5
    assert running.dev.Revert(dpb.RevertRequest(id=snapshot_id)).height == 2
    assert_rpc_error(
        Code.NOT_FOUND,
        f"snapshot {snapshot_id} is gone",
        running.dev.Revert,
        dpb.RevertRequest(id=snapshot_id),
    )


def test_a_non_dev_node_serves_no_dev_service(tmp_path: Path) -> None:
    data = tmp_path / "data"
    NodeServer(
        NodeConfig(data_dir=data, dev=True, metrics_address=None),
        genesis=dev_genesis(),
        key=KEYS[0],
    ).stop()  # create the chain
    node = start(tmp_path, dev=False)
    try:
        assert node.node.GetNodeInfo(npb.GetNodeInfoRequest()).dev is False
        assert_rpc_error(Code.UNIMPLEMENTED, "", node.dev.Mine, dpb.MineRequest())
    finally:
        node.close()


def test_refusals_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds no chain; create one first with `vmchain init"):
        NodeServer(NodeConfig(data_dir=tmp_path / "empty"), genesis=None, key=KEYS[0])
    stranger = PrivateKey.from_int(Scheme.SECP256K1, 99)
    with pytest.raises(ConfigError, match="is not an authority of chain 'vmchain-dev'"):
        NodeServer(
            NodeConfig(data_dir=tmp_path / "d", dev=True), genesis=dev_genesis(), key=stranger
        )
    with pytest.raises(ConfigError, match="--data-dir is required without --dev"):
        NodeServer(NodeConfig(), genesis=None, key=KEYS[0])


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = NodeServer(
            NodeConfig(
                data_dir=tmp_path / "d",
                dev=True,
                grpc_address=f"127.0.0.1:{port}",
                metrics_address=None,
            ),
            genesis=dev_genesis(),
            key=KEYS[0],
        )
        try:
            with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
                server.start()
        finally:
            server.stop()


def test_a_dev_node_without_data_dir_removes_its_temporary_dir() -> None:
    server = NodeServer(
        NodeConfig(dev=True, grpc_address="127.0.0.1:0", metrics_address=None),
        genesis=dev_genesis(),
        key=KEYS[0],
    )
    tmp = server.data_dir
    server.start()
    assert tmp.exists()
    server.stop()
    assert not tmp.exists()


def test_a_request_that_does_not_parse_is_invalid_argument(running: Running) -> None:
    raw = running.channel.unary_unary("/vmchain.v1.Node/SubmitTransaction")
    assert_rpc_error(
        Code.INVALID_ARGUMENT,
        "Node/SubmitTransaction: the request message does not parse (DecodeError",
        raw,
        b"\xff\xff\xff",
    )
    stream = running.channel.stream_stream("/vmchain.v1.Node/SubmitTransactions")
    assert_rpc_error(
        Code.INVALID_ARGUMENT,
        "Node/SubmitTransactions: the request message does not parse",
        lambda: list(stream(iter([b"\x0a\xff"]))),
    )
    assert running.node.GetNodeInfo(npb.GetNodeInfoRequest()).height == 0  # still serving
