"""The sealer under wall-clock jumps (an NTP step, a VM resumed, an operator's `date -s`).

The runtime reads two clocks: wall time stamps blocks, monotonic time paces them. This test gives
a real Runtime over a real RocksDB dir a wall clock that jumps an hour back, a day forward and
back again while the monotonic clock runs on, and checks what a gate relies on: blocks keep
coming at the heartbeat, block timestamps never decrease (a step back stamps the parent's time
until the wall clock catches up), a step forward stamps the new time exactly, every receipt
handed out is durable, and the chain re-opens, passes the start-up check and `verify` after it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from vmchain.chain.genesis import dev_genesis, dev_keys
from vmchain.chain.ledger import Ledger
from vmchain.chain.sealer import SealerPolicy
from vmchain.chain.store import open_rocks
from vmchain.chain.tx import build_transfer
from vmchain.chain.verify import check_recent_blocks, open_read_only, verify_chain
from vmchain.crypto import PrivateKey, Scheme
from vmchain.node.clock import monotonic_ms
from vmchain.node.metrics import Metrics
from vmchain.node.runtime import Runtime

KEYS = dev_keys()
T0 = 1_800_000_000_000  # 2027-01-15, well after the dev genesis
HOUR = 3_600_000
DAY = 24 * HOUR
PAYEE = PrivateKey.from_int(Scheme.SECP256K1, 0xC10C).address


class SteppedClock:
    """Wall time set by the test; monotonic time is the real one (NTP steps never move it)."""

    def __init__(self, wall_ms: int) -> None:
        self._lock = threading.Lock()
        self._wall_ms = wall_ms

    def step_to(self, wall_ms: int) -> None:
        with self._lock:
            self._wall_ms = wall_ms

    def now_ms(self) -> int:
        with self._lock:
            return self._wall_ms

    def monotonic_ms(self) -> int:
        return monotonic_ms()

    def next_block_ms(self) -> int:
        return self.now_ms()

    def block_sealed(self, timestamp_ms: int) -> None:
        """The wall clock moves by itself."""


def stamp_of(rt: Runtime, height: int) -> int:
    return rt.read(lambda ledger: ledger.block(height).block.header.timestamp_ms)


def pay(rt: Runtime, nonce_note: int) -> tuple[int, int]:
    """A transfer sealed with its receipt: (height, that block's timestamp)."""
    height = rt.read(lambda ledger: ledger.height())
    tx = build_transfer(
        KEYS[1],
        chain_id="vmchain-dev",
        to=PAYEE,
        amount=nonce_note,
        first_valid=height + 1,
        last_valid=height + 1_000,
        gas_price=0,
        note=b"clock-%d" % nonce_note,
    )
    receipt = rt.submit(tx, 5_000).receipt
    assert receipt is not None and receipt.status == "SUCCESS"
    return receipt.height, stamp_of(rt, receipt.height)


def heartbeats_continue(rt: Runtime, count: int = 3) -> list[int]:
    """The next `count` heartbeat blocks arrive (within a second each); their timestamps."""
    start = rt.read(lambda ledger: ledger.height()) + 1
    stamps = []
    for block in rt.blocks_from(start, lambda: True):
        stamps.append(block.block.header.timestamp_ms)
        if len(stamps) == count:
            return stamps
    raise AssertionError("the block stream ended")


def test_wall_clock_steps_back_and_forward_under_the_sealer(tmp_path: Path) -> None:
    clock = SteppedClock(T0)
    ledger = Ledger.open(open_rocks(str(tmp_path / "db")), dev_genesis())
    policy = SealerPolicy.from_params(ledger.params, 10, 50)
    rt = Runtime(ledger, key=KEYS[0], policy=policy, clock=clock, metrics=Metrics())
    rt.start()
    try:
        assert pay(rt, 1)[1] == T0

        clock.step_to(T0 - HOUR)  # an hour back: stamped with the parent's time
        assert pay(rt, 2)[1] == T0
        assert heartbeats_continue(rt) == [T0, T0, T0]

        clock.step_to(T0 + DAY)  # a day forward: stamped with the new time exactly
        assert pay(rt, 3)[1] == T0 + DAY
        assert heartbeats_continue(rt) == [T0 + DAY] * 3

        clock.step_to(T0 + 5_000)  # back again, far behind the head
        assert pay(rt, 4)[1] == T0 + DAY
        clock.step_to(T0 + DAY + 7)  # the wall clock catches up: time moves on
        assert pay(rt, 5)[1] == T0 + DAY + 7

        head = rt.read(lambda ledger: ledger.height())
        stamps = [stamp_of(rt, h) for h in range(1, head + 1)]
        assert stamps == sorted(stamps)
        balance = rt.read(lambda ledger: ledger.account(PAYEE).balance)
        assert balance == 1 + 2 + 3 + 4 + 5
    finally:
        rt.begin_shutdown()
        assert rt.join(10)
        rt.close()
        ledger.close()

    reopened = Ledger.open(open_rocks(str(tmp_path / "db")))
    try:
        assert reopened.height() == head
        assert check_recent_blocks(reopened, 50) == list(range(max(1, head - 49), head + 1))
    finally:
        reopened.close()
    store = open_read_only(str(tmp_path / "db"))
    try:
        progress = list(verify_chain(store))
    finally:
        store.close()
    assert (progress[-1].height, progress[-1].txs) == (head, 5)
