"""The VM's Host over the world state: what one contract execution inside a tx can reach.

A `TxContext` is shared by every contract execution of one transaction (or read-only call):
the world state overlay, the block environment and the events emitted so far. A `ChainHost` is
one execution's view (its caller, address and value). A cross-contract `call` snapshots the
world, moves the value, runs the callee and, when the callee fails, reverts the world to the
snapshot and drops the callee's events: only the callee's writes are undone, the caller goes on.

Programs are loaded once per code hash (`program_for`), the VM validating the code only the
first time. Pure: no clock, no I/O besides the world state's node reads.
"""

from __future__ import annotations

from hashlib import sha256

from vmchain.state.world import ADDRESS_SIZE, Account, WorldState
from vmchain.vm import CallOutcome, ExecutionResult, ModuleError, Program, execute, load

PROGRAM_CACHE_SIZE = 256
RawEvent = tuple[bytes, bytes, bytes]  # (contract, name, ABI-encoded fields)
_programs: dict[bytes, Program] = {}  # code hash -> loaded program (content addressed)


class TxContext:
    """The state, block environment and events shared by one transaction's executions."""

    __slots__ = ("chain_id", "events", "height", "timestamp_ms", "world")

    def __init__(self, world: WorldState, height: int, timestamp_ms: int, chain_id: str) -> None:
        self.world = world
        self.height = height
        self.timestamp_ms = timestamp_ms
        self.chain_id = chain_id.encode()
        # (contract, name, ABI data) in emission order; a failed callee's are cut off again.
        self.events: list[RawEvent] = []


def program_for(world: WorldState, code_hash: bytes) -> Program:
    """The loaded program of the code stored under `code_hash` (cached per hash)."""
    program = _programs.get(code_hash)
    if program is None:
        code = world.code_by_hash(code_hash)
        if code is None or sha256(code).digest() != code_hash:
            raise ModuleError(f"code {code_hash.hex()} is missing from the state")
        program = load(code)
        if len(_programs) >= PROGRAM_CACHE_SIZE:
            del _programs[next(iter(_programs))]
        _programs[code_hash] = program
    return program


def program_at(world: WorldState, address: bytes) -> Program | None:
    """The program of the contract at `address`, or None when it holds no code."""
    if len(address) != ADDRESS_SIZE:
        return None
    code_hash = world.account(address).code_hash
    return program_for(world, code_hash) if code_hash else None


def move(world: WorldState, source: bytes, to: bytes, amount: int) -> bool:
    """Move `amount` from `source` to `to`; False (nothing changed) if `source` has less."""
    account = world.account(source)
    if account.balance < amount:
        return False
    if amount and to != source:
        world.set_account(source, Account(account.balance - amount, account.code_hash))
        target = world.account(to)
        world.set_account(to, Account(target.balance + amount, target.code_hash))
    return True


def run_contract(
    ctx: TxContext,
    program: Program,
    caller: bytes,
    address: bytes,
    selector: bytes,
    args: bytes,
    value: int,
    gas: int,
    *,
    depth: int = 0,
    static: bool = False,
    allow_init: bool = False,
) -> ExecutionResult:
    """Send `value` from `caller` and run `selector`; on failure undo all of it (events too).

    The caller must hold `value` (checked by the tx path; a cross-contract call checks first).
    """
    world = ctx.world
    token = world.snapshot()
    mark = len(ctx.events)
    if value:
        move(world, caller, address, value)
    host = ChainHost(ctx, caller, address, value)
    result = execute(
        program, selector, args, host, gas, depth=depth, static=static, allow_init=allow_init
    )
    if not result.ok:
        world.revert(token)
        del ctx.events[mark:]
    return result


class ChainHost:
    """One contract execution's Host (vmchain.vm.host.Host) over the world state."""

    __slots__ = ("address", "caller", "ctx", "value")

    def __init__(self, ctx: TxContext, caller: bytes, address: bytes, value: int) -> None:
        self.ctx = ctx
        self.caller = caller
        self.address = address
        self.value = value

    @property
    def block_height(self) -> int:
        return self.ctx.height

    @property
    def timestamp_ms(self) -> int:
        return self.ctx.timestamp_ms

    @property
    def chain_id(self) -> bytes:
        return self.ctx.chain_id

    def storage_get(self, key: bytes) -> bytes:
        return self.ctx.world.storage(self.address, key)

    def storage_set(self, key: bytes, value: bytes) -> None:
        self.ctx.world.set_storage(self.address, key, value)

    def storage_delete(self, key: bytes) -> None:
        self.ctx.world.set_storage(self.address, key, b"")

    def balance(self, address: bytes) -> int:
        if len(address) != ADDRESS_SIZE:
            return 0  # no account can live at such an address
        return self.ctx.world.balance(address)

    def transfer(self, to: bytes, amount: int) -> bool:
        return move(self.ctx.world, self.address, to, amount)

    def emit(self, name: bytes, data: bytes) -> None:
        self.ctx.events.append((self.address, name, data))

    def call(
        self,
        to: bytes,
        selector: bytes,
        args: bytes,
        value: int,
        gas: int,
        static: bool,
        depth: int,
    ) -> CallOutcome:
        world = self.ctx.world
        try:
            program = program_at(world, to)
        except ModuleError as exc:
            return CallOutcome(False, 0, f"contract code does not load: {exc}".encode())
        if program is None:
            return CallOutcome(False, 0, f"no contract at 0x{to.hex()}".encode())
        if world.balance(self.address) < value:
            return CallOutcome(False, 0, f"contract cannot send the call value {value}".encode())
        result = run_contract(
            self.ctx, program, self.address, to, selector, args, value, gas,
            depth=depth, static=static,
        )  # fmt: skip
        if not result.ok:
            return CallOutcome(False, result.gas_used, result.error.encode())
        return CallOutcome(True, result.gas_used, result.return_value)
