"""The block executor: a pure function from (parent state, transactions, block env) to a result.

`execute_block(view, block_or_txs, env) -> BlockResult` runs the transactions in order on a fresh
overlay of the parent state and returns the receipts, the included txs, the txs it left out (and
why), the gas used, the new state root and the trie writes (`TrieDiff`) for the chain store to
commit. Nothing is written; time enters only through `env` (from the header). Like
ethereum/execution-specs `apply_body`.

Per transaction (docs/chain.md, "Execution"):
- a tx that is invalid at this point is left out, never included: a duplicate (in the chain or
  earlier in the block), outside its window, failing a stateless rule, not fitting the block's
  gas or tx count, or a sender that cannot pay gas_limit * gas_price + value;
- otherwise the payload runs and the sender pays gas_used * gas_price, taken after the payload
  (so a contract reading the sender's balance sees it before the fee). The fees go to the
  proposer, credited once after the block's last tx (a proposer's own txs cannot spend fees
  earned in the same block). Nothing is burnt, so the total supply never changes;
- Transfer: costs exactly its intrinsic gas, moves the amount, never runs code (also to a
  contract); it cannot fail once included;
- Call: intrinsic gas plus what the VM uses; the value is credited to the contract before it runs
  and, with every write and event of the call, undone when it fails (the fee is still paid);
  a call to an address without code ends NO_SUCH_CONTRACT at the intrinsic gas;
- Deploy: intrinsic gas plus DEPLOY_GAS_PER_BYTE per code byte (decoding and validating the
  module) plus the init function's gas. The contract lives at
  sha256(b"vmchain-contract" || tx_id)[:20]; its init function runs with init_args.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Protocol

from vmchain.chain.admission import check_stateless, check_window
from vmchain.chain.block import Block
from vmchain.chain.errors import Reason, TxRejected
from vmchain.chain.genesis import ChainParams
from vmchain.chain.host import RawEvent, TxContext, program_at, run_contract
from vmchain.chain.receipt import Event, Receipt
from vmchain.chain.tx import Call, Deploy, Transfer, Tx, intrinsic_gas
from vmchain.state.nodestore import TrieDiff
from vmchain.state.world import Account, WorldState
from vmchain.vm import ModuleError, Program, Status, load

# Deploy: ~2 µs per code byte to decode and validate a module, at ~0.1 µs per gas (the VM's
# pricing), is 20 gas per byte, on top of the 16 per body byte every tx pays.
DEPLOY_GAS_PER_BYTE = 20
CONTRACT_ADDRESS_DOMAIN = b"vmchain-contract"
NO_SUCH_CONTRACT = "NO_SUCH_CONTRACT"
SUCCESS = Status.SUCCESS.value


def contract_address(tx_id: bytes) -> bytes:
    """The address of the contract a Deploy tx creates: sha256(domain || tx_id)[:20]."""
    return sha256(CONTRACT_ADDRESS_DOMAIN + tx_id).digest()[:20]


class ParentView(Protocol):
    """What the executor needs from the chain below the block."""

    def state(self) -> WorldState:
        """A fresh overlay of the parent block's state (the executor changes it freely)."""
        ...

    def has_tx(self, tx_id: bytes) -> bool:
        """True if a block in the chain already includes this tx id."""
        ...


@dataclass(frozen=True, slots=True)
class BlockEnv:
    """The block's context: what the header says about where and when it runs."""

    params: ChainParams
    height: int
    timestamp_ms: int
    proposer: bytes


@dataclass(frozen=True, slots=True)
class Outcome:
    """What running one payload produced (before it becomes a receipt)."""

    status: str
    gas_used: int
    return_value: bytes = b""
    error: str = ""
    contract_address: bytes = b""


@dataclass(frozen=True, slots=True)
class BlockResult:
    """Everything executing a block produced; `diff` is what the chain store writes."""

    txs: tuple[Tx, ...]  # the included txs, in order
    receipts: tuple[Receipt, ...]
    receipt_bytes: tuple[bytes, ...]  # each receipt's canonical bytes (receipts_root leaves)
    skipped: tuple[TxRejected, ...]  # txs left out, in input order, and why
    gas_used: int
    fees: int  # credited to the proposer
    state_root: bytes
    diff: TrieDiff


def execute_block(
    view: ParentView, block_or_txs: Block | Sequence[Tx], env: BlockEnv
) -> BlockResult:
    """Execute the txs (of a block, or a candidate list) on top of the parent state."""
    txs = block_or_txs.txs if isinstance(block_or_txs, Block) else block_or_txs
    run = _BlockRun(view.state(), env, view.has_tx)
    for tx in txs:
        run.add(tx)
    return run.finish()


def run_call(
    ctx: TxContext,
    sender: bytes,
    contract: bytes,
    selector: bytes,
    args: bytes,
    value: int,
    gas: int,
    programs: dict[bytes, Program] | None = None,
) -> Outcome:
    """Run a call (a Call tx's payload, or a read-only call) with `gas` for the VM.

    The sender must hold `value`. Gas is the VM's only (no intrinsic gas, no fee). Ends
    NO_SUCH_CONTRACT, using no gas, when `contract` holds no code. `programs` caches the
    contracts found, by address, between txs of one block (code, once set, never changes).
    """
    program = None if programs is None else programs.get(contract)
    if program is None:
        try:
            program = program_at(ctx.world, contract)
        except ModuleError as exc:
            return Outcome(exc.status.value, 0, error=f"contract code does not load: {exc}")
        if program is None:
            return Outcome(NO_SUCH_CONTRACT, 0, error=f"no contract at 0x{contract.hex()}")
        if programs is not None:
            programs[contract] = program
    result = run_contract(ctx, program, sender, contract, selector, args, value, gas)
    return Outcome(result.status.value, result.gas_used, result.return_value, result.error)


class _BlockRun:
    """The mutable accumulator of one execute_block call."""

    __slots__ = (
        "env",
        "event_count",
        "fees",
        "gas_used",
        "has_tx",
        "programs",
        "receipt_bytes",
        "receipts",
        "seen",
        "skipped",
        "txs",
        "world",
    )

    def __init__(self, world: WorldState, env: BlockEnv, has_tx: Callable[[bytes], bool]) -> None:
        self.world = world
        self.env = env
        self.has_tx = has_tx
        self.seen: set[bytes] = set()  # membership only, never iterated
        # Contracts a top-level call found, by address. Looked up only between txs, when a
        # failed deploy's code is already gone, so an entry is never wrong for this block.
        self.programs: dict[bytes, Program] = {}
        self.txs: list[Tx] = []
        self.receipts: list[Receipt] = []
        self.receipt_bytes: list[bytes] = []
        self.skipped: list[TxRejected] = []
        self.gas_used = 0
        self.fees = 0
        self.event_count = 0

    # -- inclusion rules -----------------------------------------------------------------

    def _check(self, tx: Tx) -> None:
        """Raise TxRejected if `tx` cannot be included here (balance is checked later)."""
        env = self.env
        tx_id = tx.tx_id
        if tx_id in self.seen or self.has_tx(tx_id):
            raise TxRejected(
                Reason.DUPLICATE,
                f"tx 0x{tx_id.hex()} is already in the chain or earlier in this block",
                tx_id,
            )
        check_stateless(tx, env.params)
        check_window(tx, env.height)
        gas_left = env.params.block_gas_limit - self.gas_used
        if tx.body.gas_limit > gas_left:
            raise TxRejected(
                Reason.GAS_LIMIT_TOO_HIGH,
                f"gas_limit {tx.body.gas_limit} does not fit the {gas_left} gas left in the block",
                tx_id,
            )
        if len(self.txs) >= env.params.block_max_txs:
            raise TxRejected(
                Reason.TOO_LARGE, f"the block already holds {env.params.block_max_txs} txs", tx_id
            )

    def add(self, tx: Tx) -> None:
        """Include `tx` with its receipt, or record why it was left out."""
        try:
            self._check(tx)
            payload = tx.body.payload
            if isinstance(payload, Transfer):
                outcome = self._transfer(tx, payload)
                events: list[RawEvent] = []
            else:
                outcome, events = self._contract(tx)
        except TxRejected as exc:
            self.skipped.append(exc)
            return
        self.seen.add(tx.tx_id)
        self.gas_used += outcome.gas_used
        self.fees += outcome.gas_used * tx.body.gas_price
        self._receipt(tx, outcome, events)

    def _cannot_pay(self, tx: Tx, balance: int) -> TxRejected:
        body = tx.body
        return TxRejected(
            Reason.CANNOT_PAY_GAS,
            f"sender 0x{body.sender.hex()} has {balance}, needs {body.max_cost} at inclusion",
            tx.tx_id,
        )

    # -- payloads ------------------------------------------------------------------------

    def _transfer(self, tx: Tx, payload: Transfer) -> Outcome:
        """The hot path: one read and write per account touched, no VM, no snapshot."""
        body = tx.body
        world = self.world
        sender = body.sender
        account = world.account(sender)
        price = body.gas_price
        amount = payload.amount
        if account.balance < body.gas_limit * price + amount:
            raise self._cannot_pay(tx, account.balance)
        gas = intrinsic_gas(len(tx.body_bytes))
        to = payload.to
        spent = gas * price + (amount if to != sender else 0)
        if spent:
            world.set_account(sender, Account(account.balance - spent, account.code_hash))
        if amount and to != sender:
            target = world.account(to)
            world.set_account(to, Account(target.balance + amount, target.code_hash))
        return Outcome(SUCCESS, gas)

    def _contract(self, tx: Tx) -> tuple[Outcome, list[RawEvent]]:
        """Deploy or Call: check the sender can pay, run, then take the fee for the gas used.

        The fee cannot fail to be taken afterwards: contracts only ever send their own funds,
        so the sender still holds at least gas_limit * gas_price once the value has left.
        """
        body = tx.body
        world = self.world
        sender = body.sender
        balance = world.balance(sender)
        if balance < body.max_cost:
            raise self._cannot_pay(tx, balance)
        env = self.env
        ctx = TxContext(world, env.height, env.timestamp_ms, env.params.chain_id)
        payload = body.payload
        if isinstance(payload, Call):
            outcome = self._call(tx, payload, ctx)
        else:
            assert isinstance(payload, Deploy)
            outcome = self._deploy(tx, payload, ctx)
        fee = outcome.gas_used * body.gas_price
        if fee:
            account = world.account(sender)
            world.set_account(sender, Account(account.balance - fee, account.code_hash))
        return outcome, ctx.events  # a failed execution's events are already cut off

    def _call(self, tx: Tx, payload: Call, ctx: TxContext) -> Outcome:
        intrinsic = intrinsic_gas(len(tx.body_bytes))
        outcome = run_call(
            ctx, tx.body.sender, payload.contract, payload.function, payload.args,
            payload.value, tx.body.gas_limit - intrinsic, self.programs,
        )  # fmt: skip
        return plus_gas(outcome, intrinsic)

    def _deploy(self, tx: Tx, payload: Deploy, ctx: TxContext) -> Outcome:
        body = tx.body
        base = intrinsic_gas(len(tx.body_bytes)) + DEPLOY_GAS_PER_BYTE * len(payload.code)
        if body.gas_limit < base:
            return Outcome(
                Status.OUT_OF_GAS.value,
                body.gas_limit,
                error=f"deploy needs {base} gas before its init function runs, "
                f"gas_limit is {body.gas_limit}",
            )
        try:
            program = load(payload.code)
        except ModuleError as exc:
            return Outcome(exc.status.value, base, error=str(exc))
        address = contract_address(tx.tx_id)
        world = self.world
        if world.account(address).code_hash:
            return Outcome(
                Status.REVERTED.value, base, error=f"address 0x{address.hex()} already holds code"
            )
        init = next((fn for fn in program.module.functions if fn.init), None)
        if init is None and payload.init_args:
            return Outcome(
                Status.BAD_ARGUMENT.value,
                base,
                error="init_args given but the module has no init function",
            )
        token = world.snapshot()
        world.set_code(address, payload.code)
        if init is None:
            if payload.value:
                world.transfer(body.sender, address, payload.value)
            return Outcome(SUCCESS, base, contract_address=address)
        result = run_contract(
            ctx, program, body.sender, address, init.selector, payload.init_args,
            payload.value, body.gas_limit - base, allow_init=True,
        )  # fmt: skip
        if not result.ok:
            world.revert(token)
            return Outcome(result.status.value, base + result.gas_used, error=result.error)
        return Outcome(SUCCESS, base + result.gas_used, result.return_value, "", address)

    # -- receipts ------------------------------------------------------------------------

    def _receipt(self, tx: Tx, outcome: Outcome, raw_events: list[RawEvent]) -> None:
        events = block_events(raw_events, self.event_count)
        self.event_count += len(events)
        receipt = Receipt(
            tx.tx_id,
            self.env.height,
            len(self.txs),
            outcome.status,
            outcome.gas_used,
            outcome.return_value,
            events,
            outcome.error,
            outcome.contract_address,
        )
        self.txs.append(tx)
        self.receipts.append(receipt)
        self.receipt_bytes.append(receipt.to_bytes())

    def finish(self) -> BlockResult:
        """Pay the proposer, hash the state and hand everything back."""
        world = self.world
        if self.fees:
            world.credit(self.env.proposer, self.fees)
        root = world.root()
        diff = world.collect()
        return BlockResult(
            tuple(self.txs),
            tuple(self.receipts),
            tuple(self.receipt_bytes),
            tuple(self.skipped),
            self.gas_used,
            self.fees,
            root,
            diff,
        )


def block_events(raw: Sequence[RawEvent], first: int) -> tuple[Event, ...]:
    """Receipt events from what the host recorded, numbered from `first` within the block."""
    if not raw:
        return ()
    return tuple(
        Event(contract, name.decode("utf-8", "replace"), data, first + i)
        for i, (contract, name, data) in enumerate(raw)
    )


def plus_gas(outcome: Outcome, gas: int) -> Outcome:
    """`outcome` with `gas` more gas used."""
    return Outcome(
        outcome.status,
        outcome.gas_used + gas,
        outcome.return_value,
        outcome.error,
        outcome.contract_address,
    )
