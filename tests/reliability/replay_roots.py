"""Replay a recorded chain and print the roots it re-executes to, block by block (JSON).

Run as a script by test_determinism.py under several PYTHONHASHSEED values:
`python replay_roots.py CHAIN.json memory` re-executes into an in-memory store,
`python replay_roots.py CHAIN.json rocks DIR` into a fresh RocksDB data dir. CHAIN.json holds the
genesis text and each block's canonical bytes (hex). Every block goes through `Ledger.apply`
(full re-execution, seal and roots checked) and `commit`; the printed state root is the one the
trie journal committed, the receipts root is computed from the re-executed receipts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from vmchain.chain.block import decode_block
from vmchain.chain.genesis import genesis_from_json
from vmchain.chain.ledger import Ledger
from vmchain.chain.merkle import merkle_root
from vmchain.chain.store import memory_store, open_rocks
from vmchain.state.kv import Store


def replay(record: dict[str, object], store: Store) -> list[list[object]]:
    ledger = Ledger.open(store, genesis_from_json(str(record["genesis"])), retain_heights=4)
    rows: list[list[object]] = [[0, ledger.chain.nodes.head_root.hex(), "", 0]]
    blocks = record["blocks"]
    assert isinstance(blocks, list)
    for raw in blocks:
        sealed = ledger.apply(decode_block(bytes.fromhex(raw)))
        ledger.commit(sealed)
        receipts = merkle_root([r.to_bytes() for r in sealed.receipts])
        gas = sum(r.gas_used for r in sealed.receipts)
        rows.append([ledger.height(), ledger.chain.nodes.head_root.hex(), receipts.hex(), gas])
    ledger.close()
    return rows


def main(argv: list[str]) -> None:
    record = json.loads(Path(argv[1]).read_text())
    store: Store = memory_store() if argv[2] == "memory" else open_rocks(argv[3])
    print(json.dumps(replay(record, store)))


if __name__ == "__main__":
    main(sys.argv)
