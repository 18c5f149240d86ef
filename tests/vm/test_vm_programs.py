"""Hand-written programs: loops, recursion to the depth limit, storage, events,
transfers and cross-contract calls (a callee that reverts undoes only its own writes)."""

from __future__ import annotations

import pytest
from vmhelpers import ALICE, BOB, ENGINES, run_source, world

from vmchain.encoding import abi
from vmchain.vm.asm import assemble
from vmchain.vm.errors import HostError, Status
from vmchain.vm.execution import Engine
from vmchain.vm.limits import MAX_CALL_DEPTH, MAX_XCALL_DEPTH
from vmchain.vm.module import encode, selector
from vmchain.vm.testing_host import Event, MemoryWorld

SUM = """
.func sum(n: int) -> int public view
.local i: int
.local acc: int
    LGET n
    LSET i
loop:
    LGET i
    JZ end
    LGET acc
    LGET i
    ADD
    LSET acc
    LGET i
    PUSHI 1
    SUB
    LSET i
    JMP loop
end:
    LGET acc
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [0, 1, 10, 1000])
def test_sum_loop_exact_gas(engine: Engine, n: int) -> None:
    result = run_source(SUM, "sum", [n], engine)
    assert result.values == (n * (n + 1) // 2,)
    assert result.gas_used == 16 * n + 9  # 2 prologue, 16 per iteration, 7 to return


@pytest.mark.parametrize("engine", ENGINES)
def test_loop_runs_out_of_gas_exactly(engine: Engine) -> None:
    assert run_source(SUM, "sum", [10], engine, gas=169).status is Status.SUCCESS
    result = run_source(SUM, "sum", [10], engine, gas=168)
    assert (result.status, result.gas_used, result.error) == (Status.OUT_OF_GAS, 168, "out of gas")


@pytest.mark.parametrize("engine", ENGINES)
def test_infinite_loop_stops(engine: Engine) -> None:
    result = run_source(".func f() public\nloop:\n    JMP loop\n", "f", [], engine, gas=10_001)
    assert (result.status, result.gas_used) == (Status.OUT_OF_GAS, 10_001)


RECURSE = """
.func depth(n: int) -> int public
    LGET n
    JZ base
    LGET n
    PUSHI 1
    SUB
    CALL depth
    PUSHI 1
    ADD
    RET
base:
    PUSHI 0
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_recursion_to_the_depth_limit_and_one_past(engine: Engine) -> None:
    deepest = MAX_CALL_DEPTH - 1  # the entry frame is depth 1
    ok = run_source(RECURSE, "depth", [deepest], engine)
    assert ok.values == (deepest,)
    # per non-base frame: LGET JZ LGET PUSHI SUB CALL | PUSHI ADD RET; base: LGET JZ PUSHI RET
    assert ok.gas_used == deepest * (1 + 3 + 1 + 1 + 2 + 10 + 1 + 2 + 2) + (1 + 3 + 1 + 2)
    over = run_source(RECURSE, "depth", [deepest + 1], engine, gas=50_000)
    assert (over.status, over.gas_used) == (Status.STACK_OVERFLOW, 50_000)
    assert "call depth" in over.error


STORE = """
.func put(k: bytes, v: bytes) public
    LGET k
    LGET v
    SSTORE
    RET
.func get(k: bytes) -> bytes public view
    LGET k
    SLOAD
    RET
.func drop(k: bytes) public
    LGET k
    SDEL
    RET
.func sneaky(k: bytes) public view
    LGET k
    CONST "x"
    SSTORE
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_storage_round_trip(engine: Engine) -> None:
    w = world(engine)
    address, _ = w.deploy(encode(assemble(STORE)))

    def call(name: str, *args: bytes) -> tuple[Status, int, tuple[object, ...]]:
        result = w.call(ALICE, address, name, abi.encode(list(args)))
        return result.status, result.gas_used, result.values

    assert call("get", b"a") == (Status.SUCCESS, 203, (b"",))
    assert call("put", b"a", b"xyz") == (Status.SUCCESS, 1 + 1 + 1000 + 20 + 2, ())
    assert call("get", b"a") == (Status.SUCCESS, 205, (b"xyz",))
    assert w.storage == {(address, b"a"): b"xyz"}
    assert call("put", b"a", b"")[0] is Status.SUCCESS  # empty value deletes
    assert w.storage == {}
    call("put", b"b", b"1")
    assert call("drop", b"b") == (Status.SUCCESS, 1 + 500 + 2, ())
    assert w.storage == {}
    status, _, _ = call("sneaky", b"k")
    assert status is Status.WRITE_IN_VIEW
    assert w.storage == {}


EVENTS = """
.func ping(n: int) public
    CONST "Ping"
    LGET n
    CALLER
    EMIT 2
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_events(engine: Engine) -> None:
    w = world(engine)
    address, _ = w.deploy(encode(assemble(EVENTS)))
    result = w.call(ALICE, address, "ping", abi.encode([7]))
    data = abi.encode([7, ALICE])
    assert len(b"Ping" + data) == 32
    assert result.gas_used == 1 + 1 + 2 + 100 + 5 + 2 * 10 + 2  # 1 word, 2 fields
    assert w.events == [Event(address, b"Ping", data)]


PAY = """
.func pay(to: bytes, amount: int) public payable
    LGET to
    LGET amount
    TRANSFER
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_transfer(engine: Engine) -> None:
    w = world(engine)
    address, _ = w.deploy(encode(assemble(PAY)))
    result = w.call(ALICE, address, "pay", abi.encode([BOB, 30]), value=100)
    assert (result.status, result.gas_used) == (Status.SUCCESS, 1 + 1 + 1000 + 2)
    assert (w.balances[address], w.balances[BOB], w.balances[ALICE]) == (70, 30, 10**9 - 100)
    short = w.call(ALICE, address, "pay", abi.encode([BOB, 171]), value=100, gas_limit=5000)
    assert (short.status, short.gas_used) == (Status.INSUFFICIENT_FUNDS, 5000)
    assert (w.balances[address], w.balances[BOB], w.balances[ALICE]) == (70, 30, 10**9 - 100)
    negative = w.call(ALICE, address, "pay", abi.encode([BOB, -1]))
    assert negative.status is Status.BAD_ARGUMENT
    bad_to = w.call(ALICE, address, "pay", abi.encode([b"short", 1]))
    assert bad_to.status is Status.BAD_ARGUMENT


CALLEE = """
.func set(v: bytes) public payable
    CONST "k"
    LGET v
    SSTORE
    CONST "Set"
    EMIT 0
    LGET v
    CONST "boom"
    EQ
    JZ ok
    CONST "callee says no"
    REVERT
ok:
    RET
.func get() -> bytes public view
    CONST "k"
    SLOAD
    RET
"""

CALLER = f"""
.func relay(target: bytes, v: bytes, value: int) -> int public payable
.local ok: int
    CONST "mine"
    CONST "before"
    SSTORE
    LGET target
    CONST 0x{selector("set").hex()}
    LGET value
    LGET v
    XCALL 1
    CONST "last"
    SWAP
    SSTORE
    RET
.func read(target: bytes) -> bytes public view
    LGET target
    CONST 0x{selector("get").hex()}
    PUSHI 0
    XCALL 0
    PUSHI 0
    UNPACKB
    SWAP
    POP
    RET
.func spend(target: bytes) -> int public view
    LGET target
    CONST 0x{selector("set").hex()}
    PUSHI 0
    CONST "x"
    XCALL 1
    POP
    RET
"""


def _two_contracts(engine: Engine) -> tuple[MemoryWorld, bytes, bytes]:
    w = world(engine)
    callee, _ = w.deploy(encode(assemble(CALLEE)))
    caller, _ = w.deploy(encode(assemble(CALLER)))
    return w, callee, caller


@pytest.mark.parametrize("engine", ENGINES)
def test_cross_contract_call(engine: Engine) -> None:
    w, callee, caller = _two_contracts(engine)
    result = w.call(ALICE, caller, "relay", abi.encode([callee, b"good", 5]), value=9)
    assert result.values == (1,)
    assert w.storage[(callee, b"k")] == b"good"
    assert (caller, b"last") not in w.storage  # set returns nothing: b"", stored as a delete
    assert w.events == [Event(callee, b"Set", b"")]
    assert (w.balances[caller], w.balances[callee]) == (4, 5)
    # gas: the caller's own ops plus exactly what the callee used
    alone = world(engine)
    solo, _ = alone.deploy(encode(assemble(CALLEE)))
    callee_gas = alone.call(ALICE, solo, "set", abi.encode([b"good"])).gas_used
    # CONST CONST SSTORE(+1 word) | LGET CONST LGET LGET XCALL(+1 word) | CONST SWAP SSTORE | RET
    own = (1 + 1 + 1000 + 20) + (1 + 1 + 1 + 1 + 1000 + 2 + 10) + (1 + 1 + 1000 + 20) + 2
    assert result.gas_used == own + callee_gas
    assert w.call(ALICE, caller, "read", abi.encode([callee])).values == (b"good",)


@pytest.mark.parametrize("engine", ENGINES)
def test_callee_revert_undoes_only_the_callee(engine: Engine) -> None:
    w, callee, caller = _two_contracts(engine)
    w.call(ALICE, caller, "relay", abi.encode([callee, b"good", 0]))
    events_before = list(w.events)
    result = w.call(ALICE, caller, "relay", abi.encode([callee, b"boom", 3]), value=3)
    assert result.status is Status.SUCCESS
    assert result.values == (0,)
    assert w.storage[(callee, b"k")] == b"good"  # the callee's write is undone
    assert w.storage[(caller, b"last")] == b"callee says no"  # the caller's stay
    assert w.storage[(caller, b"mine")] == b"before"
    assert w.events == events_before  # the callee's event is gone
    assert (w.balances[caller], w.balances.get(callee, 0)) == (3, 0)  # value came back


@pytest.mark.parametrize("engine", ENGINES)
def test_view_call_cannot_write_through_a_callee(engine: Engine) -> None:
    w, callee, caller = _two_contracts(engine)
    result = w.call(ALICE, caller, "spend", abi.encode([callee]))
    assert result.values == (0,)
    assert (callee, b"k") not in w.storage


RECURSIVE_XCALL = f"""
.func down(n: int) -> int public
    LGET n
    JZ base
    SELF
    CONST 0x{selector("down").hex()}
    PUSHI 0
    LGET n
    PUSHI 1
    SUB
    XCALL 1
    SWAP
    JZ failed
    PUSHI 0
    UNPACKI
    PUSHI 1
    ADD
    RET
failed:
    PUSHI -1
    RET
base:
    PUSHI 0
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_cross_contract_depth_limit(engine: Engine) -> None:
    w = world(engine)
    address, _ = w.deploy(encode(assemble(RECURSIVE_XCALL)))
    ok = w.call(ALICE, address, "down", abi.encode([MAX_XCALL_DEPTH]))
    assert ok.values == (MAX_XCALL_DEPTH,)
    too_deep = w.call(ALICE, address, "down", abi.encode([MAX_XCALL_DEPTH + 1]))
    # the call at depth MAX_XCALL_DEPTH + 1 fails (-1); the MAX_XCALL_DEPTH frames above add 1
    assert too_deep.values == (MAX_XCALL_DEPTH - 1,)


@pytest.mark.parametrize("engine", ENGINES)
def test_call_to_nothing_fails_softly(engine: Engine) -> None:
    w, _callee, caller = _two_contracts(engine)
    result = w.call(ALICE, caller, "relay", abi.encode([BOB, b"x", 0]))
    assert result.values == (0,)
    assert w.storage[(caller, b"last")] == b"no contract at " + BOB.hex().encode()


@pytest.mark.parametrize("engine", ENGINES)
def test_entry_errors(engine: Engine) -> None:
    w, callee, _caller = _two_contracts(engine)
    unknown = w.call(ALICE, callee, "nope", b"", gas_limit=100)
    assert (unknown.status, unknown.gas_used) == (Status.UNKNOWN_FUNCTION, 100)
    wrong_count = w.call(ALICE, callee, "set", abi.encode([]), gas_limit=100)
    assert wrong_count.status is Status.BAD_ARGUMENT
    wrong_type = w.call(ALICE, callee, "set", abi.encode([5]))
    assert wrong_type.status is Status.BAD_ARGUMENT
    junk = w.call(ALICE, callee, "set", b"\x07")
    assert junk.status is Status.BAD_ARGUMENT
    too_long = w.call(ALICE, callee, "set", abi.encode([b"x" * 4097]))
    assert too_long.status is Status.BAD_ARGUMENT


INIT = """
.func init(owner: bytes) init
    CONST "owner"
    LGET owner
    SSTORE
    RET
.func owner() -> bytes public view
    CONST "owner"
    SLOAD
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_init_runs_once_at_deploy(engine: Engine) -> None:
    w = world(engine)
    address, result = w.deploy(encode(assemble(INIT)), init_args=abi.encode([BOB]))
    assert result is not None and result.ok
    assert w.call(ALICE, address, "owner").values == (BOB,)
    again = w.call(ALICE, address, "init", abi.encode([ALICE]))
    assert again.status is Status.UNKNOWN_FUNCTION


@pytest.mark.parametrize("engine", ENGINES)
def test_revert_keeps_unused_gas(engine: Engine) -> None:
    result = run_source(
        '.func f() public\n    CONST "nope"\n    REVERT\n', "f", [], engine, gas=1000
    )
    assert (result.status, result.gas_used, result.error) == (Status.REVERTED, 6, "nope")


DIVE = f"""
.func dive(level: int, n: int) -> int public
    LGET n
    JZ bottom
    LGET level
    LGET n
    PUSHI 1
    SUB
    CALL dive
    RET
bottom:
    LGET level
    JZ done
    SELF
    CONST 0x{selector("dive").hex()}
    PUSHI 0
    LGET level
    PUSHI 1
    SUB
    PUSHI {MAX_CALL_DEPTH - 1}
    XCALL 2
    POP
    RET
done:
    CONST "deepest"
    CONST "reached"
    SSTORE
    PUSHI 7
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_deepest_nesting_of_internal_and_cross_contract_calls(engine: Engine) -> None:
    """Every contract level at the internal depth limit, every cross-contract level used."""
    w = world(engine)
    address, _ = w.deploy(encode(assemble(DIVE)))
    args = abi.encode([MAX_XCALL_DEPTH, MAX_CALL_DEPTH - 1])
    result = w.call(ALICE, address, "dive", args, gas_limit=10**8)
    assert (result.status, result.values) == (Status.SUCCESS, (1,))
    assert w.storage[(address, b"deepest")] == b"reached"  # so no level failed


@pytest.mark.parametrize("engine", ENGINES)
def test_a_host_giving_impossible_values_is_an_error_not_a_status(engine: Engine) -> None:
    w = world(engine)
    address, _ = w.deploy(encode(assemble(".func f() -> int public\n    HEIGHT\n    RET\n")))
    w.block_height = 2**255
    with pytest.raises(HostError, match="block_height"):
        w.call(ALICE, address, "f")
    w.block_height = 5
    w.balances[address] = 2**256
    bal = ".func f() -> int public\n    SELF\n    BALANCE\n    RET\n"
    other, _ = w.deploy(encode(assemble(bal)))
    w.balances[other] = 2**256
    with pytest.raises(HostError, match="balance"):
        w.call(ALICE, other, "f")
