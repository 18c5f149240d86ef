"""Linux network namespaces as the hosts of a test network (no Docker, no VMs).

    with netns_hosts([("etcd1", "node1"), ("etcd2", "node2"), ("gate",)]) as net:
        etcd = net.popen(0, ["etcd", "--name=etcd1", ...])     # runs on "host 1"
        net.partition(0)                                        # host 1 is cut off
        net.heal(0)

Each host is a namespace named `<tag>-h<i>` (tag = prefix + this process's pid + a letter, so
parallel runs never collide) with `lo` up and one veth into a bridge in the root namespace.
The hosts get 10.213.<x>.<i> on a /24 whose third octet is picked per run (one not routed on
this machine yet); the root namespace gets .254 on the bridge, so the test process reaches
every host by its IP. `/etc/netns/<namespace>/hosts` maps each host's names (the compose
service names, e.g. etcd1 and node1) to its IP: `ip netns exec` bind-mounts it over
/etc/hosts, so the names resolve inside every host as in the compose network.

`partition(i)` takes host i's bridge port down: every packet to or from it is dropped, as in
a real partition (no reset, no ICMP), while processes on the host still reach each other on
its own IP. `heal(i)` brings the port back. Leaving the context kills every process started
through it and deletes the namespaces, veths, bridge and hosts files, also when the test
failed; namespaces left by a crashed earlier run (their pid is gone) are deleted on entry.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

NETNS_ETC = Path("/etc/netns")
NETNS_RUN = Path("/run/netns")
LOCK_FILE = Path("/run/lock/vmchain-netns.lock")
FIRST_OCTETS = "10.213"
ROOT_HOST = 254  # the root namespace's address on the bridge
DEFAULT_PREFIX = "vmc"
_SEQUENCE = itertools.count()


class NetnsError(RuntimeError):
    """An `ip` command failed while building or tearing down the hosts."""


@dataclass(frozen=True, slots=True)
class Host:
    """One namespace: its IP on the bridge, its names, and its bridge-side veth."""

    netns: str
    ip: str
    names: tuple[str, ...]
    port: str  # the bridge-side end of its veth: down = partitioned


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `ip ARGS`; NetnsError with its stderr when it fails (and `check`)."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise NetnsError(f"ip {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def netns_available() -> str | None:
    """Why network namespaces cannot be used here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add); this test runs as a normal user"
    if shutil.which("ip") is None:
        return "the ip command is not installed (apt-get install iproute2)"
    probe = f"{DEFAULT_PREFIX}{os.getpid()}z-h0"  # removable by remove_stale
    done = ip("netns", "add", probe, check=False)
    if done.returncode != 0:
        return f"ip netns add failed: {done.stderr.strip()}"
    ip("netns", "delete", probe, check=False)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_netns_processes(netns: str) -> None:
    """SIGKILL whatever still runs in `netns` (children of the processes we started)."""
    done = ip("netns", "pids", netns, check=False)
    for word in done.stdout.split():
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(word), signal.SIGKILL)


def _delete(netns: Sequence[str], bridge: str) -> None:
    """Delete namespaces (their veths go with them), the bridge and the hosts files."""
    for name in netns:
        _kill_netns_processes(name)
        ip("netns", "delete", name, check=False)
        shutil.rmtree(NETNS_ETC / name, ignore_errors=True)
    ip("link", "delete", bridge, check=False)


def remove_stale(prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Delete the namespaces, hosts files, bridges and veths of earlier runs with `prefix`
    whose process is gone; the tags removed."""
    pattern = re.compile(rf"^({re.escape(prefix)}(\d+)[a-z])")
    spaces = ip("netns", "list", check=False).stdout.split()
    spaces += [p.name for p in NETNS_ETC.iterdir()] if NETNS_ETC.is_dir() else []
    links = re.findall(r"^\d+: ([^:@]+)", ip("-o", "link", "show").stdout, flags=re.M)
    stale: dict[str, tuple[list[str], list[str]]] = {}
    for name, kind in [*((s, 0) for s in spaces), *((n, 1) for n in links)]:
        found = pattern.match(name)
        if found is not None and not _alive(int(found.group(2))):
            stale.setdefault(found.group(1), ([], []))[kind].append(name)
    for tag, (netns, devices) in stale.items():
        _delete(sorted(set(netns)), f"{tag}br")
        for device in devices:  # a veth whose namespace the kernel has not freed yet
            ip("link", "delete", device, check=False)
    return sorted(stale)


def _third_octet(pid: int) -> int:
    """A /24 under 10.213 that no address or route on this machine uses yet (call it under
    the lock)."""
    used = ip("-4", "-o", "addr", "show").stdout + ip("-4", "route", "show").stdout
    start = 16 + pid % 200
    for offset in range(200):
        octet = 16 + (start - 16 + offset) % 200
        if f"{FIRST_OCTETS}.{octet}." not in used:
            return octet
    raise NetnsError(f"every {FIRST_OCTETS}.16-215.0/24 subnet is in use on this machine")


class NetnsHosts:
    """Namespaces on one bridge; build with `netns_hosts(...)`, which also tears down."""

    def __init__(self, names: Sequence[Sequence[str]], prefix: str = DEFAULT_PREFIX) -> None:
        if not re.fullmatch(r"[a-z]{1,4}", prefix):
            raise ValueError(f"prefix must be 1-4 lower-case letters, got {prefix!r}")
        if not 1 <= len(names) <= 9:
            raise ValueError(f"between 1 and 9 hosts, got {len(names)}")
        self.prefix = prefix
        self.tag = f"{prefix}{os.getpid()}{chr(ord('a') + next(_SEQUENCE) % 26)}"
        self.bridge = f"{self.tag}br"
        self.names = [tuple(host) for host in names]
        self.hosts: list[Host] = []
        self.subnet = ""
        self.root_ip = ""
        self.procs: list[subprocess.Popen[Any]] = []

    # --- building and tearing down -----------------------------------------------------------

    def create(self) -> None:
        """Build everything (after deleting stale runs' leftovers)."""
        remove_stale(self.prefix)
        LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
        with open(LOCK_FILE, "w") as lock:  # two runs must not pick the same subnet
            fcntl.flock(lock, fcntl.LOCK_EX)
            octet = _third_octet(os.getpid())
            self.subnet = f"{FIRST_OCTETS}.{octet}"
            self.root_ip = f"{self.subnet}.{ROOT_HOST}"
            ip("link", "add", self.bridge, "type", "bridge")
            ip("addr", "add", f"{self.root_ip}/24", "dev", self.bridge)
            ip("link", "set", self.bridge, "up")
        for i, names in enumerate(self.names, 1):
            host = Host(f"{self.tag}-h{i}", f"{self.subnet}.{i}", names, f"{self.tag}b{i}")
            self.hosts.append(host)  # first: close() removes what a failed add left
            self._add_host(host, f"{self.tag}n{i}")
        self._write_hosts_files()

    def _add_host(self, host: Host, inner: str) -> None:
        ip("netns", "add", host.netns)
        ip("-n", host.netns, "link", "set", "lo", "up")
        ip("link", "add", host.port, "type", "veth", "peer", "name", inner, "netns", host.netns)
        ip("link", "set", host.port, "master", self.bridge)
        ip("link", "set", host.port, "up")
        ip("-n", host.netns, "addr", "add", f"{host.ip}/24", "dev", inner)
        ip("-n", host.netns, "link", "set", inner, "up")

    def _write_hosts_files(self) -> None:
        lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
        lines += [f"{host.ip} {' '.join(host.names)}" for host in self.hosts if host.names]
        for host in self.hosts:
            folder = NETNS_ETC / host.netns
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "hosts").write_text("\n".join(lines) + "\n")

    def close(self) -> None:
        """Kill every process started here, then delete namespaces, bridge and hosts files."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        for host in self.hosts:  # both ends go, even while the kernel still frees the netns
            ip("link", "delete", host.port, check=False)
        _delete([host.netns for host in self.hosts], self.bridge)

    # --- using the hosts ---------------------------------------------------------------------

    def exec_argv(self, i: int, argv: Sequence[str]) -> list[str]:
        """`argv` as run on host i (0-based)."""
        return ["ip", "netns", "exec", self.hosts[i].netns, *argv]

    def popen(
        self,
        i: int,
        argv: Sequence[str],
        *,
        stdout: int | IO[Any] | None = subprocess.DEVNULL,
        stderr: int | IO[Any] | None = subprocess.STDOUT,
        env: Mapping[str, str] | None = None,
        text: bool = False,
    ) -> subprocess.Popen[Any]:
        """Start `argv` on host i; its pid is the program's (ip netns exec execs it). Killed
        when the hosts are closed."""
        proc = subprocess.Popen(
            self.exec_argv(i, argv),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=None if env is None else {**os.environ, **env},
            text=text,
        )
        self.procs.append(proc)
        return proc

    def run(
        self,
        i: int,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` on host i to completion (output captured as text)."""
        return subprocess.run(
            self.exec_argv(i, argv),
            capture_output=True,
            text=True,
            env=None if env is None else {**os.environ, **env},
            timeout=timeout,
            check=False,
        )

    def partition(self, i: int) -> None:
        """Cut host i off: its bridge port goes down, every packet to or from it is lost."""
        ip("link", "set", self.hosts[i].port, "down")

    def heal(self, i: int) -> None:
        ip("link", "set", self.hosts[i].port, "up")


@contextmanager
def netns_hosts(
    names: Sequence[Sequence[str]], prefix: str = DEFAULT_PREFIX
) -> Iterator[NetnsHosts]:
    """Hosts with these names (host i+1 is `names[i]`), torn down on exit, failure or not."""
    hosts = NetnsHosts(names, prefix)
    try:
        hosts.create()
        yield hosts
    finally:
        hosts.close()
