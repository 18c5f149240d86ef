"""A real etcd cluster on loopback, for tests and benchmarks (research/etcd.md, appendix C).

`EtcdCluster(base, size)` picks free ports and a unique cluster token, keeps each member's data
dir and log under `base`, runs with `--pre-vote` (off by default in 3.4: without it a restarted
member forces an extra election) and kills members by PID with SIGKILL (a graceful stop of
three members takes seconds and the data is thrown away). `start(i)` each member, then
`leader_index()` waits until they agree on a Raft leader; `stop()` kills what it started.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

from vmchain.replication.etcd import EtcdClient, EtcdError


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class EtcdCluster:
    """`size` etcd members under `base`; `urls` are their client URLs in member order."""

    def __init__(self, base: Path, size: int = 3, extra_args: tuple[str, ...] = ()) -> None:
        self.base, self.size, self.extra_args = base, size, extra_args
        ports = free_ports(2 * size)
        self.addresses = [f"127.0.0.1:{p}" for p in ports[:size]]
        self.urls = [f"http://{a}" for a in self.addresses]
        self.peers = [f"http://127.0.0.1:{p}" for p in ports[size:]]
        self.token = f"vmchain-test-{uuid.uuid4().hex[:12]}"
        self.initial = ",".join(f"m{i}={u}" for i, u in enumerate(self.peers))
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.paused: set[int] = set()

    def args(self, i: int) -> list[str]:
        return [
            "etcd",
            *("--name", f"m{i}", "--data-dir", str(self.base / f"m{i}.etcd")),
            *("--listen-client-urls", self.urls[i], "--advertise-client-urls", self.urls[i]),
            *("--listen-peer-urls", self.peers[i]),
            *("--initial-advertise-peer-urls", self.peers[i]),
            *("--initial-cluster", self.initial, "--initial-cluster-token", self.token),
            *("--initial-cluster-state", "new"),
            *("--heartbeat-interval", "100", "--election-timeout", "1000", "--pre-vote"),
            *("--logger", "zap", "--log-outputs", str(self.base / f"m{i}.log")),
            *self.extra_args,
        ]

    def start(self, i: int) -> None:
        """Start member i (again, on its kept data dir, after `kill`)."""
        with open(self.base / f"m{i}.stdout", "ab") as out:
            self.procs[i] = subprocess.Popen(
                self.args(i), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def kill(self, i: int) -> None:
        self.resume(i)
        proc = self.procs[i]
        proc.kill()
        proc.wait()

    def pause(self, i: int) -> None:
        """SIGSTOP member i: it keeps its sockets open but answers nothing (a hung member)."""
        self.procs[i].send_signal(signal.SIGSTOP)
        self.paused.add(i)

    def resume(self, i: int) -> None:
        if i in self.paused:
            self.procs[i].send_signal(signal.SIGCONT)
            self.paused.discard(i)

    def client(
        self,
        order: list[int] | None = None,
        *,
        attempt_timeout: float = 2.0,
        max_receive_bytes: int = 64 << 20,
    ) -> EtcdClient:
        """A client over every member, tried in `order` (member order by default)."""
        urls = [self.urls[i] for i in (order or range(self.size))]
        return EtcdClient(
            urls, attempt_timeout=attempt_timeout, max_receive_bytes=max_receive_bytes
        )

    def leader_index(self, timeout: float = 15.0, among: set[int] | None = None) -> int:
        """Wait until the running members agree on a Raft leader; its index."""
        members = among if among is not None else set(self.procs)
        deadline = time.monotonic() + timeout
        with EtcdClient(self.urls, timeout=0.5, attempt_timeout=0.5) as probe:
            while time.monotonic() < deadline:
                leader = self._agreed_leader(probe, members)
                if leader is not None:
                    return leader
                time.sleep(0.05)
        raise AssertionError(f"etcd cluster has no leader after {timeout} s:\n{self.log_tail()}")

    def _agreed_leader(self, probe: EtcdClient, members: set[int]) -> int | None:
        seen: dict[int, int] = {}
        try:
            for i in sorted(members):
                status = probe.status(self.addresses[i])
                seen[i] = status.leader
                seen[-1 - i] = status.member_id
        except EtcdError:
            return None
        leaders = {seen[i] for i in members}
        if len(leaders) != 1 or 0 in leaders:
            return None
        ids = {seen[-1 - i]: i for i in members}
        return ids.get(leaders.pop())

    def log_tail(self, lines: int = 5) -> str:
        tails = []
        for i in range(self.size):
            log = self.base / f"m{i}.log"
            text = log.read_text().splitlines()[-lines:] if log.exists() else ["(no log)"]
            tails.append(f"m{i}:\n  " + "\n  ".join(text))
        return "\n".join(tails)

    def stop(self) -> None:
        for i in list(self.paused):
            self.resume(i)
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs.values():
            proc.wait()
