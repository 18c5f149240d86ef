"""Test helpers for the node: a real `vmchain node` process, RPC error assertions, tx builders.

`NodeProcess` (after Bitcoin Core's test_node.py) starts `vmchain node` as a subprocess on
port 0, learns the bound ports from the JSON "ready" line it prints, waits until GetNodeInfo
answers, and hands out stubs; `stop()` sends SIGTERM and waits, `kill()` sends SIGKILL.
`assert_rpc_error(code, text, fn, *args)` (after util.py::assert_raises_rpc_error) calls fn and
checks the gRPC status code and that the message contains `text`.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc

from vmchain._proto.vmchain.v1 import dev_pb2 as dpb
from vmchain._proto.vmchain.v1 import dev_pb2_grpc as dpb_grpc
from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain._proto.vmchain.v1 import node_pb2_grpc as npb_grpc
from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.genesis import DEV_CHAIN_ID, dev_keys
from vmchain.chain.tx import Tx, build_call, build_deploy, build_transfer, signed_message
from vmchain.crypto import PrivateKey
from vmchain.vm.asm import assemble
from vmchain.vm.module import encode

KEYS = dev_keys()
START_TIMEOUT_S = 20.0

# A contract that emits `Ping(n)` and stores n; `last()` reads it back (a view).
PING_ASM = """
.func ping(n: int) -> int public
    CONST "Ping"
    LGET n
    EMIT 1
    CONST "last"
    LGET n
    ITOB
    SSTORE
    LGET n
    RET
.func last() -> bytes public view
    CONST "last"
    SLOAD
    RET
"""
PING_CODE = encode(assemble(PING_ASM))


def selector(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:4]


class NodeProcess:
    """One `vmchain node` subprocess."""

    def __init__(
        self,
        data_dir: Path | None,
        *,
        dev: bool = True,
        args: Sequence[str] = (),
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        preexec_fn: Callable[[], None] | None = None,
        credentials: Any = None,
    ) -> None:
        """`env`: extra environment variables (e.g. VMCHAIN_FAILPOINTS) on top of ours;
        `preexec_fn`: runs in the child before exec (e.g. setrlimit); `credentials`: gRPC
        channel credentials for a node started with --tls-cert (None: plaintext)."""
        self.data_dir = data_dir
        self.credentials = credentials
        self.env = dict(env or {})
        self.preexec_fn = preexec_fn
        self.dev = dev
        self.args = list(args)
        self.log_path = log_path
        self.proc: subprocess.Popen[str] | None = None
        self.ready: dict[str, Any] = {}
        self.stdout_lines: list[str] = []
        self.channel: Any = None
        self.node: Any = None
        self.devc: Any = None
        self._ready = threading.Event()

    @property
    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "vmchain", "node", "--grpc", "127.0.0.1:0"]
        cmd += ["--metrics", "127.0.0.1:0"]
        if self.dev:
            cmd.append("--dev")
        if self.data_dir is not None:
            cmd += ["--data-dir", str(self.data_dir)]
        return cmd + self.args

    def start(self) -> NodeProcess:
        stderr: Any = subprocess.DEVNULL
        if self.log_path is not None:
            stderr = self.log_path.open("a")
        self.proc = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            bufsize=1,
            env={**os.environ, **self.env} if self.env else None,
            preexec_fn=self.preexec_fn,
        )
        threading.Thread(target=self._read_stdout, daemon=True).start()
        if not self._ready.wait(START_TIMEOUT_S):
            self.kill()
            raise AssertionError(f"node did not get ready: {self.stdout_lines[-5:]}")
        if self.credentials is None:
            self.channel = grpc.insecure_channel(self.ready["grpc"])
        else:
            self.channel = grpc.secure_channel(self.ready["grpc"], self.credentials)
        self.node = npb_grpc.NodeStub(self.channel)  # type: ignore[no-untyped-call]
        self.devc = dpb_grpc.DevStub(self.channel)  # type: ignore[no-untyped-call]
        self.wait_for_info()
        return self

    def _read_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout_lines.append(line.rstrip("\n"))
            if line.startswith("{"):
                document = json.loads(line)
                if document.get("event") == "ready":
                    self.ready = document
                    self._ready.set()
        self._ready.set()  # the process ended: do not wait any longer

    def wait_for_info(self, timeout_s: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.node.GetNodeInfo(npb.GetNodeInfoRequest(), timeout=2)
            except grpc.RpcError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @property
    def metrics_url(self) -> str:
        return f"http://{self.ready['metrics']}/metrics"

    def scrape(self) -> str:
        with urllib.request.urlopen(self.metrics_url, timeout=5) as response:
            text: str = response.read().decode()
            return text

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def wait(self, timeout_s: float = 30.0) -> int:
        assert self.proc is not None
        code = self.proc.wait(timeout_s)
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        return code

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.signal(signal.SIGTERM)
        return self.wait(timeout_s)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if self.channel is not None:
            self.channel.close()
            self.channel = None


@contextmanager
def running_node(
    base: Path, *, args: Sequence[str] = (), no_traceback: bool = False
) -> Iterator[NodeProcess]:
    """A dev node on `base`/data for the block's duration; on the way out it must exit 0 (and,
    with `no_traceback`, must not have logged one). The fixtures of every e2e module use it."""
    log = base / "node.log"
    node = NodeProcess(base / "data", args=args, log_path=log).start()
    try:
        yield node
    finally:
        code = node.stop()
        text = log.read_text()
        assert code == 0, f"node exited with {code}; log:\n{text[-3000:]}"
        assert not no_traceback or "Traceback" not in text, f"traceback:\n{text[-3000:]}"


def assert_rpc_error(code: Any, text: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> str:
    """Call fn, expect a gRPC error with this status code whose message contains `text`."""
    try:
        result = fn(*args, **kw)
        if hasattr(result, "__next__"):
            next(result)
    except grpc.RpcError as exc:
        details = exc.details() or ""
        assert exc.code() == code, f"expected {code}, got {exc.code()}: {details}"
        assert text in details, f"{text!r} not in {details!r}"
        return details
    raise AssertionError(f"expected {code} ({text!r}), the call succeeded")


# ---------------------------------------------------------------------------------------------
# Transactions


def head_height(node: Any) -> int:
    height: int = node.GetNodeInfo(npb.GetNodeInfoRequest()).height
    return height


def transfer(
    node: Any,
    key: PrivateKey,
    to: bytes,
    amount: int,
    *,
    gas_price: int = 0,
    note: bytes = b"",
    chain_id: str = DEV_CHAIN_ID,
    first_valid: int | None = None,
    last_valid: int | None = None,
) -> Tx:
    start = head_height(node) + 1 if first_valid is None else first_valid
    return build_transfer(
        key,
        chain_id=chain_id,
        to=to,
        amount=amount,
        first_valid=start,
        last_valid=start + 100 if last_valid is None else last_valid,
        gas_price=gas_price,
        note=note,
    )


def deploy(node: Any, key: PrivateKey, code: bytes = PING_CODE, note: bytes = b"") -> Tx:
    start = head_height(node) + 1
    return build_deploy(
        key,
        chain_id=DEV_CHAIN_ID,
        code=code,
        first_valid=start,
        last_valid=start + 100,
        gas_limit=1_000_000,
        note=note,
    )


def call(node: Any, key: PrivateKey, contract: bytes, name: str, args: bytes, note: bytes) -> Tx:
    start = head_height(node) + 1
    return build_call(
        key,
        chain_id=DEV_CHAIN_ID,
        contract=contract,
        function=selector(name),
        args=args,
        first_valid=start,
        last_valid=start + 100,
        gas_limit=200_000,
        note=note,
    )


def submit(node: Any, tx: Tx, wait_ms: int = 5_000, timeout: float | None = 10) -> Any:
    return node.SubmitTransaction(
        npb.SubmitRequest(tx=signed_message(tx), wait_ms=wait_ms), timeout=timeout
    )


def balance(node: Any, address: bytes, height: int | None = None) -> int:
    request = npb.GetAccountRequest(address=address)
    if height is not None:
        request.height = height
    return int.from_bytes(node.GetAccount(request).balance, "big")


def receipt_status(receipt: Any) -> str:
    name: str = pb.TxStatus.Name(receipt.status)
    return name


def mine(devc: Any, blocks: int = 1) -> Any:
    return devc.Mine(dpb.MineRequest(blocks=blocks), timeout=30)
