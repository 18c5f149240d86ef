"""`vmchain node --etcd ...`: wire a Replica to a NodeServer (the CLI's one entry point)."""

from __future__ import annotations

from collections.abc import Sequence

from vmchain.node.server import NodeServer
from vmchain.replication.etcd import EtcdClient, EtcdError
from vmchain.replication.log import LogKeys
from vmchain.replication.metrics import ReplicationMetrics
from vmchain.replication.replica import Replica, ReplicaConfig, ReplicationConfigError


def parse_endpoints(text: str) -> list[str]:
    """'http://a:2379,http://b:2379' -> the member URLs; ValueError saying what is wrong."""
    urls = [part.strip() for part in text.split(",") if part.strip()]
    if not urls:
        raise ValueError("--etcd: expected comma-separated member URLs, e.g. http://127.0.0.1:2379")
    for url in urls:
        if not url.startswith("http://"):
            raise ValueError(
                f"--etcd: {url!r} is not an http://host:port URL (TLS to etcd is not supported yet)"
            )
    return urls


WILDCARD_HOSTS = ("0.0.0.0", "[::]", "::", "")


def advertised(address: str, flag: str = "--advertise") -> str:
    """The address peers and clients are told to dial; refuses a wildcard listen address."""
    host = address.rpartition(":")[0]
    if host in WILDCARD_HOSTS:
        raise ReplicationConfigError(
            f"{flag} {address}: other nodes cannot dial a wildcard address; give --advertise "
            "HOST:PORT (this node's address as the others reach it)"
        )
    return address


def open_replica(
    server: NodeServer, endpoints: Sequence[str], config: ReplicaConfig, prefix: str
) -> Replica:
    """A Replica for `server`'s chain: genesis checked against the log, the Runtime's publish
    hook installed. Start it with `replica.start(server.runtime, advertise)` after
    `server.start()`. ReplicationConfigError if the log belongs to another chain or etcd
    cannot be reached."""
    ledger = server.ledger
    keys = LogKeys.for_chain(ledger.genesis.chain_id, prefix)
    client = EtcdClient(endpoints)
    replica = Replica(client, keys, config, ReplicationMetrics(server.metrics.registry))
    try:
        replica.check_genesis(ledger.block(0).block.hash)
    except EtcdError as exc:
        client.close()
        raise ReplicationConfigError(f"--etcd {','.join(endpoints)}: {exc}") from None
    except ReplicationConfigError:
        client.close()
        raise
    server.runtime.set_publish(replica.publish, config.max_block_bytes)
    return replica
