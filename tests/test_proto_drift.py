"""The generated protobuf code in vmchain/_proto/ is exactly what scripts/gen_protos.py makes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "vmchain" / "_proto"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_code_matches_protos(tmp_path: Path) -> None:
    fresh = tmp_path / "_proto"
    _generator().generate(fresh)  # type: ignore[attr-defined]
    committed, regenerated = _tree(COMMITTED), _tree(fresh)
    assert sorted(committed) == sorted(regenerated), "run: python scripts/gen_protos.py"
    stale = [name for name in committed if committed[name] != regenerated[name]]
    assert stale == [], f"stale generated files {stale}: run python scripts/gen_protos.py"


def test_generated_imports_resolve_inside_the_package() -> None:
    from vmchain._proto.vmchain.v1 import dev_pb2_grpc, node_pb2, node_pb2_grpc, types_pb2

    assert node_pb2.DESCRIPTOR.package == "vmchain.v1"
    assert callable(node_pb2_grpc.NodeStub) and callable(dev_pb2_grpc.DevStub)
    assert types_pb2.TxStatus.Name(types_pb2.SUCCESS) == "SUCCESS"


def test_etcd_stubs_resolve_inside_the_package() -> None:
    from vmchain._proto.etcd.etcdserverpb import rpc_pb2, rpc_pb2_grpc
    from vmchain._proto.etcd.mvccpb import kv_pb2
    from vmchain._proto.etcd.v3electionpb import v3election_pb2, v3election_pb2_grpc

    # The proto packages are etcd's own: the gRPC method paths the server routes on use them.
    assert rpc_pb2.DESCRIPTOR.package == "etcdserverpb"
    assert kv_pb2.DESCRIPTOR.package == "mvccpb"
    assert v3election_pb2.DESCRIPTOR.package == "v3electionpb"
    assert rpc_pb2.DESCRIPTOR.services_by_name["KV"].methods_by_name["Txn"].full_name == (
        "etcdserverpb.KV.Txn"
    )
    assert callable(rpc_pb2_grpc.KVStub) and callable(v3election_pb2_grpc.ElectionStub)
    assert v3election_pb2.CampaignResponse().leader.DESCRIPTOR.full_name == "v3electionpb.LeaderKey"


def test_vendored_etcd_protos_are_stripped_and_licensed() -> None:
    etcd = ROOT / "protos" / "etcd"
    protos = sorted(p.relative_to(etcd).as_posix() for p in etcd.rglob("*.proto"))
    assert protos == [
        "authpb/auth.proto",
        "etcdserverpb/rpc.proto",
        "mvccpb/kv.proto",
        "v3electionpb/v3election.proto",
    ]
    leftovers = [
        name
        for name in protos
        for marker in ("gogoproto", "google.api", "google/api")
        if marker in (etcd / name).read_text()
    ]
    assert leftovers == []
    assert "Apache License" in (etcd / "LICENSE").read_text()
    assert "v3.4.23" in (etcd / "README.md").read_text()
