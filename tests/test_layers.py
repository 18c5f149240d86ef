"""The architecture, checked: arrows point down only, and the pure core does no I/O.

Walks every module under vmchain/ with `ast` and fails when a package imports one that
sits above it (DESIGN.md section 1), or when a pure-core module imports a clock, randomness,
the environment or the network.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "vmchain"

# Which vmchain packages each package may import. Top-level modules (vmchain/__init__.py,
# vmchain/errors.py, ...) are importable by all.
_CORE = {"encoding", "crypto"}
ALLOWED: dict[str, set[str]] = {
    "encoding": set(),
    "crypto": {"encoding"},
    "state": _CORE,
    "vm": _CORE,
    "lang": _CORE | {"vm"},
    "chain": _CORE | {"state", "vm", "lang", "_proto"},  # _proto: message classes only
    "_proto": set(),
    "client": _CORE | {"state", "vm", "lang", "chain", "_proto"},
    "node": _CORE | {"state", "vm", "lang", "chain", "_proto"},
    # replication: the etcd client and replicated mode, which drives a node's Runtime.
    "replication": _CORE | {"state", "vm", "lang", "chain", "_proto", "node"},
    # testing: LocalChain, and EtcdCluster (a real etcd for tests and benches) over replication.
    "testing": _CORE | {"state", "vm", "lang", "chain", "replication"},
    "sim": _CORE | {"state", "vm", "lang", "chain", "_proto", "client", "node"},
    "bench": _CORE | {"state", "vm", "lang", "chain", "_proto", "client"},
    "cli": _CORE
    | {
        "state",
        "vm",
        "lang",
        "chain",
        "_proto",
        "client",
        "node",
        "replication",
        "sim",
        "testing",
        "bench",
    },
}

# Modules the pure core must never import: clocks, randomness, environment, network, threads.
IMPURE = {
    "time",
    "datetime",
    "random",
    "secrets",
    "os",
    "socket",
    "threading",
    "asyncio",
    "subprocess",
    "grpc",
    "rocksdict",
    "prometheus_client",
    "uuid",
}
PURE_PACKAGES = {"encoding", "crypto", "vm", "lang"}
PURE_MODULES = {"state/trie.py", "state/proof.py", "state/world.py", "chain/executor.py"}
# Where the pure core meets the outside world, one module each: storage (rocksdict, os) and
# fresh key material (the OS CSPRNG).
IMPURE_EXCEPTIONS = {"state/rocks.py", "crypto/keygen.py"}


def _modules() -> Iterator[Path]:
    yield from sorted(PACKAGE_ROOT.rglob("*.py"))


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = path.relative_to(PACKAGE_ROOT).parts[: -node.level]
                yield ".".join(("vmchain", *base, *(node.module or "").split(".")))
            elif node.module:
                yield node.module


def _package_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE_ROOT).parts
    return parts[0] if len(parts) > 1 else None


def _violations() -> Iterator[str]:
    for path in _modules():
        pkg = _package_of(path)
        if pkg is None or pkg == "_proto":
            continue
        rel = path.relative_to(PACKAGE_ROOT).as_posix()
        pure = (pkg in PURE_PACKAGES or rel in PURE_MODULES) and rel not in IMPURE_EXCEPTIONS
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "vmchain" and len(parts) > 1:
                target = parts[1]
                is_pkg = (PACKAGE_ROOT / target).is_dir()
                if is_pkg and target != pkg and target not in ALLOWED.get(pkg, set()):
                    yield f"{rel}: imports vmchain.{target} (layer {pkg!r} may not)"
            elif pure and parts[0] in IMPURE:
                yield f"{rel}: pure core imports {name!r}"


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in PACKAGE_ROOT.iterdir() if (p / "__init__.py").exists()}
    assert packages <= set(ALLOWED), f"unranked packages: {sorted(packages - set(ALLOWED))}"


def test_arrows_point_down_only() -> None:
    assert list(_violations()) == []


def test_every_module_has_a_docstring() -> None:
    missing = [
        path.relative_to(PACKAGE_ROOT).as_posix()
        for path in _modules()
        if "_proto" not in path.parts
        and path.stat().st_size
        and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("rel", "source", "expected"),
    [
        ("vm/x.py", "import vmchain.state.trie\n", "vm/x.py: imports vmchain.state"),
        ("vm/x.py", "from ..chain import tx\n", "vm/x.py: imports vmchain.chain"),
        ("crypto/x.py", "import time\n", "crypto/x.py: pure core imports 'time'"),
        ("client/x.py", "from vmchain.node import server\n", "client/x.py: imports vmchain.node"),
    ],
)
def test_checker_catches_violations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rel: str, source: str, expected: str
) -> None:
    root = tmp_path / "vmchain"
    for pkg in ALLOWED:
        (root / pkg).mkdir(parents=True)
        (root / pkg / "__init__.py").write_text('"""x"""\n')
    (root / rel).write_text(source)
    monkeypatch.setattr(__import__(__name__), "PACKAGE_ROOT", root)
    found = list(_violations())
    assert any(v.startswith(expected) for v in found), found
