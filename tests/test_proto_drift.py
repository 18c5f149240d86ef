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
