#!/usr/bin/env python3
"""Regenerate vmchain/_proto/ from protos/ — the one place protobuf code comes from.

    python scripts/gen_protos.py            # rewrite vmchain/_proto/
    python scripts/gen_protos.py --out DIR  # write elsewhere (the drift test does this)

Two proto trees live under protos/: our own API (`vmchain/v1/`, package `vmchain.v1`) and etcd's
vendored v3 API (`etcd/`, packages `etcdserverpb`, `mvccpb`, `authpb`, `v3electionpb`; see
protos/etcd/README.md). Each compiles to the same relative path under vmchain/_proto/.

protoc writes imports as `from vmchain.v1 import types_pb2` or `from etcd.mvccpb import kv_pb2`;
they are rewritten to the package they live in (`vmchain._proto.vmchain.v1`,
`vmchain._proto.etcd.mvccpb`), the fix grpc/grpc#29390 calls for.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
DEFAULT_OUT = ROOT / "vmchain" / "_proto"
PACKAGE = "vmchain._proto"
# The top-level directories of protos/ whose generated imports must be moved under PACKAGE.
PROTO_ROOTS = ("vmchain", "etcd")
_IMPORT = re.compile(rf"^(from|import) ((?:{'|'.join(PROTO_ROOTS)})\.[\w.]+)", re.MULTILINE)
_HEADER = '"""Generated protobuf and gRPC code. Do not edit: run scripts/gen_protos.py."""\n'


def generate(out: Path) -> None:
    protos = sorted(p.relative_to(PROTOS).as_posix() for p in PROTOS.rglob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "protoc",
            f"-I{PROTOS}",
            f"-I{_well_known()}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *protos,
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        (out / "__init__.py").write_text(_HEADER)
        for src in sorted(Path(tmp).rglob("*.py*")):
            dest = out / src.relative_to(tmp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(_IMPORT.sub(rf"\1 {PACKAGE}.\2", src.read_text()))
        for folder in sorted({p.parent for p in out.rglob("*.py")} - {out}):
            while folder != out and not (folder / "__init__.py").exists():
                (folder / "__init__.py").write_text("")
                folder = folder.parent


def _well_known() -> str:
    import grpc_tools

    return str(Path(grpc_tools.__file__).parent / "_proto")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    generate(parser.parse_args().out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
