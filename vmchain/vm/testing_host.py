"""An in-memory world and Host for tests and benchmarks: several contracts, balances,
storage, events, and cross-contract calls that run the VM recursively with
snapshot/revert, so a failing callee undoes only its own writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from vmchain.vm.execution import Engine, ExecutionResult, execute
from vmchain.vm.host import CallOutcome
from vmchain.vm.module import Module, encode
from vmchain.vm.module import selector as selector_of
from vmchain.vm.program import Program, load

Snapshot = tuple[dict[bytes, int], dict[tuple[bytes, bytes], bytes], int]


@dataclass(frozen=True, slots=True)
class Event:
    contract: bytes
    name: bytes
    data: bytes


@dataclass
class MemoryWorld:
    """Balances, contracts, storage and events, all in dicts."""

    chain_id: bytes = b"vmchain-test"
    block_height: int = 1
    timestamp_ms: int = 1_700_000_000_000
    engine: Engine = Engine.AUTO
    balances: dict[bytes, int] = field(default_factory=dict)
    contracts: dict[bytes, Program] = field(default_factory=dict)
    storage: dict[tuple[bytes, bytes], bytes] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    def snapshot(self) -> Snapshot:
        return dict(self.balances), dict(self.storage), len(self.events)

    def revert(self, snap: Snapshot) -> None:
        self.balances = dict(snap[0])
        self.storage = dict(snap[1])
        del self.events[snap[2] :]

    def move(self, source: bytes, to: bytes, amount: int) -> bool:
        if self.balances.get(source, 0) < amount:
            return False
        self.balances[source] = self.balances.get(source, 0) - amount
        self.balances[to] = self.balances.get(to, 0) + amount
        return True

    def deploy(
        self,
        code: bytes | Module,
        deployer: bytes = b"\xaa" * 20,
        init_args: bytes = b"",
        value: int = 0,
        gas_limit: int = 10_000_000,
    ) -> tuple[bytes, ExecutionResult | None]:
        """Install a contract; run its init function if it has one. Returns its address."""
        program = load(encode(code) if isinstance(code, Module) else code)
        address = hashlib.sha256(b"contract" + len(self.contracts).to_bytes(4, "big")).digest()
        address = address[:20]
        self.contracts[address] = program
        init = next((fn for fn in program.module.functions if fn.init), None)
        if init is None:
            return address, None
        result = self.call(deployer, address, init.selector, init_args, value, gas_limit, True)
        if not result.ok:
            del self.contracts[address]
        return address, result

    def call(
        self,
        caller: bytes,
        to: bytes,
        selector: bytes | str,
        args: bytes = b"",
        value: int = 0,
        gas_limit: int = 10_000_000,
        init: bool = False,
    ) -> ExecutionResult:
        """A top-level call (a transaction): everything it did is undone if it fails."""
        sel = selector_of(selector) if isinstance(selector, str) else selector
        snap = self.snapshot()
        if not self.move(caller, to, value):
            raise ValueError(f"caller cannot pay value {value}")
        host = MemoryHost(self, caller, to, value)
        result = execute(
            self.contracts[to], sel, args, host, gas_limit, allow_init=init, engine=self.engine
        )
        if not result.ok:
            self.revert(snap)
        return result


@dataclass
class MemoryHost:
    """The Host one execution sees inside a MemoryWorld."""

    world: MemoryWorld
    caller: bytes
    address: bytes
    value: int

    @property
    def block_height(self) -> int:
        return self.world.block_height

    @property
    def timestamp_ms(self) -> int:
        return self.world.timestamp_ms

    @property
    def chain_id(self) -> bytes:
        return self.world.chain_id

    def storage_get(self, key: bytes) -> bytes:
        return self.world.storage.get((self.address, key), b"")

    def storage_set(self, key: bytes, value: bytes) -> None:
        self.world.storage[(self.address, key)] = value

    def storage_delete(self, key: bytes) -> None:
        self.world.storage.pop((self.address, key), None)

    def balance(self, address: bytes) -> int:
        return self.world.balances.get(address, 0)

    def transfer(self, to: bytes, amount: int) -> bool:
        return self.world.move(self.address, to, amount)

    def emit(self, name: bytes, data: bytes) -> None:
        self.world.events.append(Event(self.address, name, data))

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
        world = self.world
        program = world.contracts.get(to)
        if program is None:
            return CallOutcome(False, 0, b"no contract at " + to.hex().encode())
        snap = world.snapshot()
        if not world.move(self.address, to, value):
            return CallOutcome(False, 0, b"caller cannot pay the call value")
        child = MemoryHost(world, self.address, to, value)
        result = execute(
            program, selector, args, child, gas, depth=depth, static=static, engine=world.engine
        )
        if not result.ok:
            world.revert(snap)
            return CallOutcome(False, result.gas_used, result.error.encode("utf-8"))
        return CallOutcome(True, result.gas_used, result.return_value)
