# etcd member image for the replicated compose network: Debian's etcd 3.4 (the version
# tests/replication runs against; pass --pre-vote, it is off by default in 3.4). Built by
# `docker compose build` from deploy/replicated/. etcd 3.4 is out of upstream support; Debian
# bookworm carries security fixes (docs/operations.md, "Replicated mode").
FROM debian:bookworm-slim

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server etcd-client \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/etcd \
    && chown etcd:etcd /var/lib/etcd \
    && chmod 0700 /var/lib/etcd

# The member's data (WAL and the bbolt database); a named volume per member in compose.
VOLUME ["/var/lib/etcd"]
USER etcd:etcd

# 2379: clients (vmchain nodes, etcdctl) and /metrics; 2380: peers.
EXPOSE 2379 2380

# SIGTERM: the member stops cleanly (a leader hands over first, which can take a few seconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/etcd"]
