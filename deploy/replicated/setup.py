"""One-shot set-up of the replicated network in docker-compose.yml (its `setup` service).

    python setup.py [--root /setup] [--nodes 3] [--chain-id vmchain-replicated] [--uid 10001]

Runs as root in the vmchain image before the nodes start, on every `docker compose up`, and
changes nothing that is already there:

1. a key file per node, `<root>/node<i>/etc/node.key` (mode 0600), unless one is there;
2. one genesis.json listing every node's address as an authority and funding a demo client key
   (`<root>/client/client.key`), copied to each `<root>/node<i>/etc/`, unless the nodes hold one
   already (then their copies must be identical);
3. `vmchain init` of each `<root>/node<i>/data` with that genesis, unless it holds a database.

Everything it writes is handed to --uid (the image's `vmchain` user), which runs the nodes.
To run a network on keys and a genesis of your own, put them in the volumes first: this script
then only checks and inits (deploy/replicated/README.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from vmchain.chain.genesis import Genesis, load_genesis
from vmchain.cli.main import main as vmchain
from vmchain.client import Wallet
from vmchain.node.config import db_path

CLIENT_FUNDS = 10**15  # the demo client's balance, in the chain's smallest unit
VMCHAIN_UID = 10001  # deploy/Dockerfile's `vmchain` user and group


class SetupError(RuntimeError):
    """The volumes hold something this script will not paper over (two different genesis files,
    a data dir of another chain)."""


def node_dirs(root: Path, nodes: int) -> list[Path]:
    return [root / f"node{i}" for i in range(1, nodes + 1)]


def ensure_key(path: Path, uid: int) -> bytes:
    """The address of the key at `path`, made (mode 0600) if the file does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return Wallet.load(path).address_bytes
    wallet = Wallet.generate()
    wallet.save(path)
    give(path, uid)
    print(f"{path}: new key {wallet.address}")
    return wallet.address_bytes


def ensure_genesis(homes: Sequence[Path], client: Path, chain_id: str, uid: int) -> Path:
    """Every node's etc/genesis.json, identical; written from the nodes' keys if none exists."""
    copies = [home / "etc" / "genesis.json" for home in homes]
    texts = {copy.read_text(encoding="utf-8") for copy in copies if copy.exists()}
    if len(texts) > 1:
        raise SetupError(f"the nodes hold different genesis files: {', '.join(map(str, copies))}")
    if texts:
        (text,) = texts
    else:
        authorities = tuple(ensure_key(home / "etc" / "node.key", uid) for home in homes)
        payer = ensure_key(client / "client.key", uid)
        genesis = Genesis(
            chain_id=chain_id,
            timestamp_ms=time.time_ns() // 1_000_000,
            authorities=authorities,
            alloc=((payer, CLIENT_FUNDS),),
        )
        text = genesis.to_json()
        print(f"new genesis: chain {chain_id!r}, {len(authorities)} authorities")
    for copy in copies:
        if not copy.exists():
            copy.write_text(text, encoding="utf-8")
            give(copy, uid)
    return copies[0]


def check_authorities(homes: Sequence[Path], genesis_path: Path) -> None:
    """Each node's key must be an authority of the genesis, or that node could never seal."""
    authorities = set(load_genesis(genesis_path).authorities)
    for home in homes:
        key = home / "etc" / "node.key"
        if Wallet.load(key).address_bytes not in authorities:
            raise SetupError(f"{key} is not an authority of {genesis_path}")


def init_data_dir(home: Path, uid: int) -> None:
    """`vmchain init` a data dir that holds no database yet. One that does is left alone: its
    node may be running (a second `up`), and init would find the database locked."""
    data = home / "data"
    if (db_path(data) / "CURRENT").exists():
        print(f"{data}: already initialized")
        return
    data.mkdir(parents=True, exist_ok=True)
    code = vmchain(
        ["init", "--genesis", str(home / "etc" / "genesis.json"), "--data-dir", str(data)]
    )
    if code != 0:
        raise SetupError(f"vmchain init of {data} failed (exit {code}); see above")
    data.chmod(0o700)
    for path in [data, *data.rglob("*")]:
        give(path, uid)


def give(path: Path, uid: int) -> None:
    """Hand `path` to the node's user (a no-op when not root, as in the tests)."""
    if os.geteuid() == 0:
        os.chown(path, uid, uid, follow_symlinks=False)


def setup(root: Path, nodes: int, chain_id: str, uid: int) -> None:
    homes = node_dirs(root, nodes)
    for home in homes:
        ensure_key(home / "etc" / "node.key", uid)
    genesis = ensure_genesis(homes, root / "client", chain_id, uid)
    check_authorities(homes, genesis)
    for home in homes:
        init_data_dir(home, uid)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/setup"))
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--chain-id", default="vmchain-replicated")
    parser.add_argument("--uid", type=int, default=VMCHAIN_UID)
    args = parser.parse_args(argv)
    try:
        setup(args.root, args.nodes, args.chain_id, args.uid)
    except SetupError as exc:
        print(f"setup: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
