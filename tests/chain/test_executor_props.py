"""Property: over random transfer sequences the executor matches a ten-line dict model.

Transfers that cannot pay, zero amounts, self transfers, exact duplicates and a proposer who is
also a sender are all in the mix. After every block the sum of all balances equals the genesis
allocation (fees go to the proposer, nothing is burnt) and the state root equals the root of a
world built from scratch out of the model's balances.
"""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from test_ledger_fixtures import KEYS, MemoryParent, run_block, transfer

from vmchain.chain.tx import Tx, intrinsic_gas
from vmchain.state.nodestore import NodeStore
from vmchain.state.world import WorldState

SENDERS = KEYS[1:5]
ADDRESSES = [k.address for k in SENDERS] + [bytes([0xEE]) * 20, bytes([0xEF]) * 20]

Op = tuple[int, int, int, int]  # sender, recipient, amount, gas price


@cache
def signed(op: Op) -> Tx:
    sender, to, amount, price = op
    return transfer(SENDERS[sender], ADDRESSES[to], amount, price=price)


def model_block(
    balances: dict[bytes, int], seen: set[bytes], txs: list[Tx], proposer: bytes
) -> int:
    """Apply the fee and transfer rules to the dict; return how many txs were included."""
    fees = included = 0
    for tx in txs:
        body, payload = tx.body, tx.body.payload
        amount = payload.amount  # type: ignore[union-attr]
        gas = intrinsic_gas(len(tx.body_bytes))
        if tx.tx_id in seen or balances.get(body.sender, 0) < gas * body.gas_price + amount:
            continue
        seen.add(tx.tx_id)
        balances[body.sender] -= gas * body.gas_price + amount
        balances[payload.to] = balances.get(payload.to, 0) + amount  # type: ignore[union-attr]
        fees += gas * body.gas_price
        included += 1
    balances[proposer] = balances.get(proposer, 0) + fees
    return included


def model_root(balances: dict[bytes, int]) -> bytes:
    world = WorldState(NodeStore.memory())
    for address, amount in sorted(balances.items()):
        if amount:
            world.set_balance(address, amount)
    return world.root()


ops = st.tuples(
    st.integers(0, len(SENDERS) - 1),
    st.integers(0, len(ADDRESSES) - 1),
    st.sampled_from([0, 1, 5_000, 40_000]),
    st.integers(0, 2),
)


@settings(max_examples=60, deadline=None)
@given(
    funds=st.lists(st.sampled_from([0, 22_000, 30_000, 100_000]), min_size=4, max_size=4),
    blocks=st.lists(st.lists(ops, max_size=8), min_size=1, max_size=3),
    proposer=st.integers(0, len(ADDRESSES) - 1),
)
def test_transfers_match_the_dict_model(
    funds: list[int], blocks: list[list[Op]], proposer: int
) -> None:
    balances = {k.address: f for k, f in zip(SENDERS, funds, strict=True)}
    total = sum(balances.values())
    parent = MemoryParent(balances)
    seen: set[bytes] = set()
    for height, block in enumerate(blocks, start=1):
        txs = [signed(op) for op in block]
        result = run_block(parent, txs, height=height, proposer=ADDRESSES[proposer])
        included = model_block(balances, seen, txs, ADDRESSES[proposer])
        assert len(result.receipts) == included
        assert len(result.skipped) == len(txs) - included
        assert all(r.status == "SUCCESS" for r in result.receipts)
        assert result.state_root == model_root(balances)
        parent.apply(result)
        world = parent.state()
        assert sum(world.balance(a) for a in ADDRESSES) == total == sum(balances.values())
