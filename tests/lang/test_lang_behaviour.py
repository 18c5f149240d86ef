"""Compiled contracts running on the in-process chain (vmchain.testing): arithmetic and its
traps, maps (nested, tuple and bytes keys), events, require messages, payable and not."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmchain.encoding import abi
from vmchain.testing import CallFailed, Deployed, LocalChain, TransactionFailed

CASES = Path(__file__).resolve().parent / "cases"
INT_MAX = 2**255 - 1


@pytest.fixture(scope="module")
def chain() -> LocalChain:
    return LocalChain()


@pytest.fixture(scope="module")
def arith(chain: LocalChain) -> Deployed:
    return chain.deploy(CASES / "arith.py")


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("add", (2, 3), 5),
        ("ops", (7, -2), (9, -14, -4, -1, -7)),
        ("ops", (-7, 2), (-9, -14, -4, 1, 7)),
        ("power", (3, 5), 243),
        ("power", (-2, 255), -(2**255)),
        ("power", (7, 0), 1),
        ("bits", (12, 10), ((12 & 10) | (12 ^ 10)) + (12 << 2) - (10 >> 1) + ~12),
        ("clamp", (-5,), 0),
        ("clamp", (10**30,), 2**64),
        ("sign", (-3,), -1),
        ("sign", (0,), 0),
        ("sign", (9,), 1),
        ("between", (5, 1, 10), True),
        ("between", (11, 1, 10), False),
        ("ceil_div", (7, 2), 4),
        ("ceil_div", (0, 2), 0),
        ("sum_to", (100,), 5050),
        ("countdown", (9,), 15),
        ("tagged", (b"abcdef",), b"vmchainbcaf"),
        ("byte_at", (b"\x01\xff", 1), 255),
        ("word", (258,), b"\x00\x00\x01\x02" + (258).to_bytes(32, "big")),
        ("swap", (4, b"xy"), (b"xy", 5)),
    ],
)
def test_arithmetic(arith: Deployed, name: str, args: tuple[object, ...], expected: object) -> None:
    assert arith.call(name, *args) == expected


@pytest.mark.parametrize(
    ("name", "args", "status", "error"),
    [
        ("power", (2, 255), "ARITHMETIC", "MUL: result"),
        ("add", (INT_MAX, 1), "ARITHMETIC", "ADD: result"),
        ("ops", (1, 0), "ARITHMETIC", "DIV: division by zero"),
        ("ops", (-(2**255), -1), "ARITHMETIC", "MUL: result"),
        ("byte_at", (b"a", 5), "OUT_OF_BOUNDS", "SLICE"),
        ("word", (2**40,), "REVERTED", "to_bytes: the value does not fit in 4 unsigned bytes"),
        ("word", (-1,), "REVERTED", "to_bytes: the value does not fit in 4 unsigned bytes"),
        ("power", (2, -1), "REVERTED", "negative exponent"),
    ],
)
def test_traps(
    arith: Deployed, name: str, args: tuple[object, ...], status: str, error: str
) -> None:
    result = arith.simulate(name, *args)
    assert (result.status, result.return_value) == (status, None)
    assert result.error.startswith(error)
    with pytest.raises(CallFailed) as failed:
        arith.call(name, *args)
    assert failed.value.receipt.status == status


def test_a_trap_in_a_transaction_is_sealed_and_uses_all_gas(
    chain: LocalChain, arith: Deployed
) -> None:
    receipt = arith.transact("add", INT_MAX, 1, gas=50_000, check=False)
    assert receipt.status == "ARITHMETIC" and receipt.gas_used == 50_000
    assert receipt.height == chain.height


def test_maps(chain: LocalChain) -> None:
    _, bob, gate = chain.accounts[:3]
    maps = chain.deploy(CASES / "maps.py")
    maps.transact("credit", bob.address, 5)
    maps.transact("credit", bob.address, 7)
    assert maps.call("balance_of", bob.address) == 12
    assert maps.call("balance_of", gate.address) == 0
    maps.transact("allow", 3, gate.address, True)
    assert maps.call("is_allowed", 3, gate.address) is True
    assert maps.call("is_allowed", 4, gate.address) is False
    maps.transact("add_gate", 1, gate.address, sender=bob)
    assert maps.call("is_gate", 1, gate.address) and maps.call("is_gate", 1, bob.address)
    assert maps.call("first_lot_gate", gate.address) is True
    assert maps.call("is_gate", 2, gate.address) is False
    maps.transact("remove_gate", 1, gate.address)
    assert maps.call("is_gate", 1, gate.address) is False
    maps.transact("register", b"alice", sender=bob)
    assert maps.call("owner_of", b"alice") == bob.address
    assert maps.call("owner_of", b"alic") == "0x" + "00" * 20
    assert maps.call("summary") == (12, b"alice")


def test_storage_slots_follow_the_documented_layout(chain: LocalChain) -> None:
    bob = chain.accounts[1]
    maps = chain.deploy(CASES / "maps.py")
    maps.transact("credit", bob.address, 9)
    slot = b"balances\x00" + bob.address_bytes
    assert chain.ledger.storage(maps.address_bytes, slot).value == (9).to_bytes(32, "big")
    assert chain.ledger.storage(maps.address_bytes, b"total").value == (9).to_bytes(32, "big")
    maps.transact("add_gate", 2, bob.address)
    gate_slot = b"gates\x00" + (2).to_bytes(32, "big") + bob.address_bytes
    assert chain.ledger.storage(maps.address_bytes, gate_slot).value == b"\x01"
    maps.transact("remove_gate", 2, bob.address)
    assert chain.ledger.storage(maps.address_bytes, gate_slot).exists is False


def test_entry_points_check_address_and_bool_arguments(chain: LocalChain) -> None:
    maps = chain.deploy(CASES / "maps.py")
    sender = chain.accounts[0].address_bytes
    credit = maps.abi.function("credit").selector
    short = chain.ledger.call(sender, maps.address_bytes, credit, abi.encode([b"12", 1]))
    assert (short.status, short.error) == ("REVERTED", "argument 'who' must be a 20-byte address")
    allow = maps.abi.function("allow").selector
    bad = chain.ledger.call(sender, maps.address_bytes, allow, abi.encode([1, bytes(20), 2]))
    assert (bad.status, bad.error) == ("REVERTED", "argument 'on' must be a bool (0 or 1)")


def test_payable_deposit_withdraw_and_events(chain: LocalChain) -> None:
    _, bob, carol = chain.accounts[:3]
    wallet = chain.deploy(CASES / "wallet.py")
    receipt = wallet.transact("deposit", sender=bob, value=1000)
    assert receipt.return_value == 1000
    assert [(e.name, e.args) for e in receipt.events] == [
        ("Deposited", {"who": bob.address, "amount": 1000})
    ]
    assert receipt.events[0].contract == wallet.address
    assert wallet.call("held") == 1000 == wallet.balance()
    with pytest.raises(TransactionFailed) as empty:
        wallet.transact("deposit", sender=bob)
    assert (empty.value.message, empty.value.receipt.status) == ("send some value", "REVERTED")
    before = chain.balance(carol.address)
    receipt = wallet.transact("withdraw", carol.address, 300, sender=bob)
    assert [(e.name, e.args) for e in receipt.events] == [
        ("Withdrawn", {"who": bob.address, "to": carol.address, "amount": 300})
    ]
    assert chain.balance(carol.address) - before == 300
    assert wallet.call("deposit_of", bob.address) == 700
    with pytest.raises(TransactionFailed, match="insufficient deposit"):
        wallet.transact("withdraw", carol.address, 3000, sender=bob)
    not_payable = wallet.transact("withdraw", carol.address, 1, sender=bob, value=5, check=False)
    assert not_payable.status == "NOT_PAYABLE"
    assert wallet.call("deposit_of", bob.address) == 700


def test_counter_constructor_owner_and_gas(chain: LocalChain) -> None:
    owner, other = chain.accounts[:2]
    counter = chain.deploy(CASES / "counter.py", 5, sender=owner)
    assert counter.call("get") == 5
    receipt = counter.transact("bump", 3, sender=other)
    assert receipt.return_value == 8
    assert receipt.events[0].args == {"by": other.address, "amount": 3, "total": 8}
    with pytest.raises(TransactionFailed, match="only the owner may reset"):
        counter.transact("reset", sender=other)
    counter.transact("reset", sender=owner)
    assert counter.call("get") == 0


def test_cross_contract_calls_through_interfaces(chain: LocalChain) -> None:
    _, bob = chain.accounts[:2]
    counter = chain.deploy(CASES / "counter.py", 5)
    caller = chain.deploy(CASES / "caller.py")
    receipt = caller.transact("bump_twice", counter.address, 2)
    assert receipt.return_value == 9
    assert [(e.name, e.args["total"], e.contract) for e in receipt.events] == [
        ("Bumped", 7, counter.address),
        ("Bumped", 9, counter.address),
    ]
    assert receipt.events[0].args["by"] == caller.address  # the caller is the contract
    assert caller.call("read", counter.address) == 9
    failed = caller.transact("bump_twice", counter.address, 0, check=False)
    assert (failed.status, failed.error) == ("REVERTED", "amount must be positive")
    assert counter.call("get") == 9
    missing = caller.simulate("read", bob.address)
    assert (missing.status, missing.error) == ("REVERTED", f"no contract at {bob.address}")


def test_a_view_that_reaches_a_write_is_rejected_at_run_time(chain: LocalChain) -> None:
    counter = chain.deploy(CASES / "counter.py", 1)
    caller = chain.deploy(CASES / "caller.py")
    result = caller.simulate("sneaky", counter.address)  # the interface lies: bump is no view
    assert (result.status, result.error) == ("REVERTED", "SSTORE in a view call")
    assert counter.call("get") == 1


def test_value_forwarded_and_tuples_returned_across_contracts(chain: LocalChain) -> None:
    _, bob = chain.accounts[:2]
    caller = chain.deploy(CASES / "caller.py")
    wallet = chain.deploy(CASES / "wallet.py")
    receipt = caller.transact("forward", wallet.address, sender=bob, value=77)
    assert receipt.return_value == 77
    assert [(e.name, e.args) for e in receipt.events] == [
        ("Deposited", {"who": caller.address, "amount": 77})
    ]
    assert (wallet.balance(), caller.balance()) == (77, 0)
    maps = chain.deploy(CASES / "maps.py")
    maps.transact("credit", bob.address, 4)
    maps.transact("register", b"zz")
    assert caller.call("pair", maps.address) == (b"zz", 4)
