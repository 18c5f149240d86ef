"""Shared helpers for the executor, store and ledger tests (this module holds no tests).

Fixed keys, a small genesis, tx builders with sensible defaults, a counter contract in VM
assembly, a ParentView over an in-memory trie, and a Ledger that proposes and commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vmchain.chain.executor import BlockEnv, BlockResult, execute_block
from vmchain.chain.genesis import ChainParams, Genesis, dev_keys
from vmchain.chain.ledger import Ledger, SealedBlock
from vmchain.chain.store import memory_store
from vmchain.chain.tx import Tx, build_call, build_deploy, build_transfer
from vmchain.crypto import PrivateKey
from vmchain.encoding import abi
from vmchain.state.kv import Store
from vmchain.state.nodestore import NodeStore
from vmchain.state.world import WorldState
from vmchain.vm.asm import assemble
from vmchain.vm.module import encode, selector

CHAIN = "vmchain-test"
KEYS = dev_keys()
SEALER, ALICE, BOB, CAROL = KEYS[0], KEYS[1], KEYS[2], KEYS[3]
FUNDS = 10**12
NOBODY = bytes.fromhex("ab" * 20)


def make_genesis(alloc: Mapping[bytes, int] | None = None, **params: Any) -> Genesis:
    """Sealer, Alice, Bob and Carol hold FUNDS each unless `alloc` says otherwise."""
    if alloc is None:
        alloc = {k.address: FUNDS for k in (SEALER, ALICE, BOB, CAROL)}
    return Genesis(
        chain_id=CHAIN,
        timestamp_ms=1_000,
        authorities=(SEALER.address,),
        alloc=tuple(sorted(alloc.items())),
        **params,
    )


def transfer(
    key: PrivateKey,
    to: bytes,
    amount: int,
    *,
    price: int = 0,
    first: int = 1,
    last: int = 100,
    note: bytes = b"",
    chain_id: str = CHAIN,
) -> Tx:
    return build_transfer(
        key, chain_id=chain_id, to=to, amount=amount, first_valid=first, last_valid=last,
        gas_price=price, note=note,
    )  # fmt: skip


def call(
    key: PrivateKey,
    contract: bytes,
    function: str,
    args: Sequence[Any] = (),
    *,
    value: int = 0,
    gas: int = 200_000,
    price: int = 0,
    note: bytes = b"",
    first: int = 1,
    last: int = 100,
) -> Tx:
    return build_call(
        key, chain_id=CHAIN, contract=contract, function=selector(function),
        args=abi.encode(list(args)), value=value, first_valid=first, last_valid=last,
        gas_limit=gas, gas_price=price, note=note,
    )  # fmt: skip


def deploy(
    key: PrivateKey,
    code: bytes,
    init_args: Sequence[Any] | None = None,
    *,
    value: int = 0,
    gas: int = 500_000,
    price: int = 0,
    note: bytes = b"",
) -> Tx:
    return build_deploy(
        key, chain_id=CHAIN, code=code,
        init_args=b"" if init_args is None else abi.encode(list(init_args)), value=value,
        first_valid=1, last_valid=100, gas_limit=gas, gas_price=price, note=note,
    )  # fmt: skip


# A counter: init stores a start value; bump adds (payable, emits Bumped(now, value)); fail
# writes, emits and reverts; poke(other) writes, emits, calls other.fail(9) and records ok;
# spin loops forever; caller_balance returns BALANCE(CALLER).
COUNTER_ASM = f"""
.const COUNT bytes "count"
.const BUMPED bytes "Bumped"

.func init(start: int) init
    CONST COUNT
    LGET start
    ITOB
    SSTORE
    RET

.func bump(by: int) -> int public payable
.local now: int
    CONST COUNT
    SLOAD
    BTOI
    LGET by
    ADD
    LSET now
    CONST COUNT
    LGET now
    ITOB
    SSTORE
    CONST BUMPED
    LGET now
    CALLVALUE
    EMIT 2
    LGET now
    RET

.func get() -> int public view
    CONST COUNT
    SLOAD
    BTOI
    RET

.func fail(by: int) public payable
    CONST COUNT
    LGET by
    ITOB
    SSTORE
    CONST BUMPED
    LGET by
    CALLVALUE
    EMIT 2
    CONST "fail: always"
    REVERT

.func poke(other: bytes, value: int) -> int public
.local ok: int
    CONST "mine"
    PUSHI 7
    ITOB
    SSTORE
    CONST "Poked"
    EMIT 0
    LGET other
    CONST 0x{selector("fail").hex()}
    LGET value
    PUSHI 9
    XCALL 1
    POP
    LSET ok
    CONST "ok"
    LGET ok
    ITOB
    SSTORE
    LGET ok
    RET

.func spin() public
loop:
    JMP loop

.func caller_balance() -> int public view
    CALLER
    BALANCE
    RET
"""


def counter_code() -> bytes:
    return encode(assemble(COUNTER_ASM))


def word(n: int) -> bytes:
    """What the counter stores for n: ITOB, 32-byte big-endian two's complement."""
    return n.to_bytes(32, "big", signed=True)


class MemoryParent:
    """A ParentView over an in-memory trie holding `balances`; `known` tx ids are in the chain."""

    def __init__(self, balances: Mapping[bytes, int], known: Sequence[bytes] = ()) -> None:
        self.nodes = NodeStore.memory()
        world = WorldState(self.nodes)
        for address, amount in sorted(balances.items()):
            if amount:
                world.set_balance(address, amount)
        self.root = world.commit(0)
        self.known = set(known)

    def state(self) -> WorldState:
        return WorldState(self.nodes, self.root)

    def has_tx(self, tx_id: bytes) -> bool:
        return tx_id in self.known

    def apply(self, result: BlockResult) -> None:
        """Store a block's trie writes and move to its state (its txs join the chain)."""
        self.nodes.write(result.diff)
        self.root = result.state_root
        self.known.update(tx.tx_id for tx in result.txs)


def run_block(
    parent: MemoryParent,
    txs: Sequence[Tx],
    *,
    height: int = 1,
    proposer: bytes = SEALER.address,
    params: ChainParams | None = None,
) -> BlockResult:
    env = BlockEnv(params or ChainParams(CHAIN), height, 5_000, proposer)
    return execute_block(parent, txs, env)


def new_ledger(
    genesis: Genesis | None = None, store: Store | None = None, retain_heights: int = 256
) -> Ledger:
    return Ledger.open(
        store or memory_store(), genesis or make_genesis(), retain_heights=retain_heights
    )


def seal(ledger: Ledger, txs: Sequence[Tx], timestamp_ms: int = 2_000) -> SealedBlock:
    """Propose and commit one block; return it."""
    sealed = ledger.propose(txs, timestamp_ms, SEALER)
    ledger.commit(sealed)
    return sealed
