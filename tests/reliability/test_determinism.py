"""Determinism (issue 8 part 5): one chain re-executed under three PYTHONHASHSEED values and
into a fresh RocksDB data dir gives identical roots block by block.

The chain is built in process on `vmchain.testing.LocalChain`: transfers between the ten dev
accounts, the parking contract of contracts/parking.py (lots, gates, deposits, vehicles entering
and leaving at different times, a quote), so that execution touches storage maps, events, fees
and many accounts. Its blocks are recorded; replay_roots.py re-executes them in subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from vmchain.chain.merkle import merkle_root
from vmchain.testing import LocalChain

ROOT = Path(__file__).resolve().parent.parent.parent
PARKING = ROOT / "contracts" / "parking.py"
REPLAY = Path(__file__).resolve().parent / "replay_roots.py"
SEEDS = ("0", "1", "4242")


def build_chain() -> tuple[LocalChain, list[int]]:
    """The chain and the fee each car paid on exit."""
    chain = LocalChain()
    owner, gate, *cars = chain.accounts
    for i, sender in enumerate(chain.accounts):
        chain.transfer(chain.accounts[(i + 3) % 10].address, 1_000 + i, sender=sender)
    parking = chain.deploy(PARKING, sender=owner)
    parking.transact("add_lot", 1, 600, 900, 250, 4000, sender=owner)
    parking.transact("add_lot", 2, 0, 60, 7, 0, sender=owner)
    parking.transact("add_gate", 1, gate.address, sender=owner)
    parking.transact("add_gate", 2, gate.address, sender=owner)
    for car in cars:
        parking.transact("deposit", sender=car, value=10**9)
    for i, car in enumerate(cars):
        parking.transact("enter", 1 + i % 2, car.address, sender=gate)
        chain.advance(37 * i + 5)
    fees = []
    for i, car in enumerate(cars):
        chain.advance(901 * i + 11)
        fees.append(parking.transact("exit", 1 + i % 2, car.address, sender=gate).return_value)
    parking.transact("withdraw_revenue", owner.address, 1, sender=owner)
    return chain, fees


def _record(chain: LocalChain, path: Path) -> list[list[object]]:
    ledger = chain.ledger
    blocks, rows = [], []
    for height in range(ledger.height() + 1):
        stored = ledger.block(height)
        header = stored.block.header
        receipts = merkle_root([r.to_bytes() for r in stored.receipts]).hex() if height else ""
        gas = sum(r.gas_used for r in stored.receipts)
        rows.append([height, header.state_root.hex(), receipts, gas])
        if height:
            blocks.append(stored.block.to_bytes().hex())
    text = ledger.genesis.to_json()
    path.write_text(json.dumps({"genesis": text, "blocks": blocks}))
    return rows


def _replay(args: list[str], seed: str) -> list[list[object]]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, str(REPLAY), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows: list[list[object]] = json.loads(done.stdout)
    return rows


def test_roots_are_identical_under_three_hash_seeds_and_a_fresh_data_dir(tmp_path: Path) -> None:
    chain, fees = build_chain()
    assert fees == [500, 238, 1250, 749, 2750, 1666, 4000, 2989]  # both tariffs charged
    record = tmp_path / "chain.json"
    expected = _record(chain, record)
    assert len(expected) == chain.height + 1 == 41  # genesis and one block per tx
    assert len({row[1] for row in expected}) == len(expected)  # every block changed the state
    for seed in SEEDS:
        assert _replay([str(record), "memory"], seed) == expected, f"PYTHONHASHSEED={seed}"
    fresh = tmp_path / "fresh" / "db"
    assert _replay([str(record), "rocks", str(fresh)], "7") == expected
    assert (fresh / "CURRENT").exists()
