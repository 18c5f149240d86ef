"""The block executor: fees, transfers, calls, deploys, cross-contract reverts, skipped txs."""

from __future__ import annotations

from hashlib import sha256

from test_ledger_fixtures import (
    ALICE,
    BOB,
    CAROL,
    FUNDS,
    NOBODY,
    SEALER,
    MemoryParent,
    call,
    counter_code,
    deploy,
    new_ledger,
    run_block,
    seal,
    transfer,
    word,
)

from vmchain.chain.errors import Reason
from vmchain.chain.executor import DEPLOY_GAS_PER_BYTE, BlockResult, contract_address
from vmchain.chain.genesis import ChainParams
from vmchain.chain.merkle import merkle_root
from vmchain.chain.receipt import STATUS_NAMES, Event, receipts_root
from vmchain.chain.tx import intrinsic_gas
from vmchain.encoding import abi
from vmchain.vm.asm import assemble
from vmchain.vm.module import encode

# -- transfers ---------------------------------------------------------------------------


def test_transfer_moves_the_amount_and_pays_exactly_its_intrinsic_gas() -> None:
    parent = MemoryParent({ALICE.address: FUNDS})
    tx = transfer(ALICE, BOB.address, 1_000, price=3)
    assert len(tx.body_bytes) == 74
    result = run_block(parent, [tx])
    (receipt,) = result.receipts
    assert receipt.status == "SUCCESS"
    assert receipt.gas_used == intrinsic_gas(74) == 22_184
    assert (receipt.height, receipt.index, receipt.events, receipt.error) == (1, 0, (), "")
    assert result.gas_used == 22_184
    assert result.fees == 3 * 22_184 == 66_552
    parent.apply(result)
    world = parent.state()
    # Alice paid the amount and gas_used * price (the unused gas_limit was never taken).
    assert world.balance(ALICE.address) == FUNDS - 1_000 - 66_552
    assert world.balance(BOB.address) == 1_000
    assert world.balance(SEALER.address) == 66_552
    assert result.txs == (tx,) and result.skipped == ()
    assert result.receipt_bytes == (receipt.to_bytes(),)


def test_self_and_zero_transfers_only_pay_the_fee() -> None:
    parent = MemoryParent({ALICE.address: 100_000})
    txs = [
        transfer(ALICE, ALICE.address, 50_000, price=1),
        transfer(ALICE, BOB.address, 0, price=0, note=b"zero"),
    ]
    result = run_block(parent, txs)
    assert [r.status for r in result.receipts] == ["SUCCESS", "SUCCESS"]
    fee = result.receipts[0].gas_used
    balances = _balances(parent, result, ALICE.address, BOB.address, SEALER.address)
    assert balances == [100_000 - fee, 0, fee]


def test_invalid_txs_are_left_out_and_never_get_a_receipt() -> None:
    parent = MemoryParent({ALICE.address: FUNDS, BOB.address: 30_000}, known=[])
    ok = transfer(ALICE, CAROL.address, 5)
    sealed_before = transfer(ALICE, CAROL.address, 6)
    parent.known.add(sealed_before.tx_id)
    txs = [
        ok,
        ok,  # duplicate within the block
        sealed_before,  # duplicate in the chain
        transfer(BOB, CAROL.address, 10_000, price=1),  # ~22,200 + 10,000 > 30,000
        transfer(ALICE, CAROL.address, 7, first=2, last=9),  # not valid yet at height 1
        transfer(ALICE, CAROL.address, 8, chain_id="other-chain"),
        transfer(BOB, CAROL.address, 1, price=1),  # fits: 22,168 + 1
    ]
    result = run_block(parent, txs)
    assert [r.index for r in result.receipts] == [0, 1]
    assert [r.tx_id for r in result.receipts] == [ok.tx_id, txs[-1].tx_id]
    assert [e.reason for e in result.skipped] == [
        Reason.DUPLICATE,
        Reason.DUPLICATE,
        Reason.CANNOT_PAY_GAS,
        Reason.OUTSIDE_WINDOW,
        Reason.WRONG_CHAIN_ID,
    ]
    assert [e.tx_id for e in result.skipped] == [t.tx_id for t in txs[1:6]]
    assert result.receipts[1].gas_used == 22_168
    assert _balances(parent, result, BOB.address) == [30_000 - 22_168 - 1]


def test_block_gas_and_tx_limits_leave_txs_out() -> None:
    parent = MemoryParent({ALICE.address: FUNDS})
    txs = [transfer(ALICE, BOB.address, i + 1) for i in range(3)]
    tight = ChainParams("vmchain-test", block_gas_limit=3 * 22_136 - 1, block_max_txs=10)
    result = run_block(parent, txs, params=tight)
    assert [r.gas_used for r in result.receipts] == [22_136, 22_136]
    assert result.gas_used == 2 * 22_136
    assert [e.reason for e in result.skipped] == [Reason.GAS_LIMIT_TOO_HIGH]
    capped = ChainParams("vmchain-test", block_max_txs=1)
    result = run_block(parent, txs, params=capped)
    assert len(result.receipts) == 1
    assert [e.reason for e in result.skipped] == [Reason.TOO_LARGE, Reason.TOO_LARGE]


def test_execution_is_pure_and_deterministic() -> None:
    parent = MemoryParent({ALICE.address: FUNDS, BOB.address: FUNDS})
    txs = [transfer(ALICE, BOB.address, 7, price=2), transfer(BOB, CAROL.address, 9, price=1)]
    first, second = run_block(parent, txs), run_block(parent, txs)
    assert first.state_root == second.state_root
    assert first.receipt_bytes == second.receipt_bytes
    assert parent.state().root() == parent.root  # the parent state is untouched
    assert first.diff.base == parent.root and first.diff.root == first.state_root


# -- contracts -----------------------------------------------------------------------------


def test_deploy_then_call_a_counter() -> None:
    ledger = new_ledger()
    code = counter_code()
    tx = deploy(ALICE, code, [5], price=2)
    (created,) = seal(ledger, [tx]).receipts
    address = contract_address(tx.tx_id)
    assert address == sha256(b"vmchain-contract" + tx.tx_id).digest()[:20]
    assert created.status == "SUCCESS" and created.contract_address == address
    # intrinsic + 20 gas per code byte + the init function's VM gas.
    assert created.gas_used == 34_191
    assert (
        created.gas_used - intrinsic_gas(len(tx.body_bytes)) - DEPLOY_GAS_PER_BYTE * len(code)
        == _init_vm_gas()
    )
    assert ledger.storage(address, b"count").value == word(5)
    assert ledger.account(address).code_hash == sha256(code).digest()

    bump = call(ALICE, address, "bump", [4], value=100, price=2)
    (bumped,) = seal(ledger, [bump]).receipts
    assert bumped.status == "SUCCESS" and bumped.gas_used == 23_731
    assert abi.decode(bumped.return_value) == (9,)
    assert bumped.events == (Event(address, "Bumped", abi.encode([9, 100]), 0),)
    assert ledger.storage(address, b"count").value == word(9)
    assert ledger.account(address).balance == 100
    assert ledger.account(ALICE.address).balance == FUNDS - 100 - 2 * (34_191 + 23_731)
    assert ledger.account(SEALER.address).balance == FUNDS + 2 * (34_191 + 23_731)


def _init_vm_gas() -> int:
    # CONST(1) LGET(1) ITOB(3) SSTORE(1000 + 20 per word of key and value: 2 words) RET(2)
    return 1 + 1 + 3 + 1000 + 20 * 2 + 2


def test_failing_call_is_included_pays_its_gas_and_undoes_value_writes_and_events() -> None:
    ledger = new_ledger()
    tx = deploy(ALICE, counter_code(), [5])
    address = seal(ledger, [tx]).receipts[0].contract_address
    before = ledger.account(ALICE.address).balance
    failing = call(ALICE, address, "fail", [9], value=100, price=2)
    (receipt,) = seal(ledger, [failing]).receipts
    assert receipt.status == "REVERTED" and receipt.error == "fail: always"
    assert receipt.gas_used == 23_524 and receipt.events == () and receipt.return_value == b""
    assert ledger.account(ALICE.address).balance == before - 2 * 23_524  # value came back
    assert ledger.account(address).balance == 0
    assert ledger.storage(address, b"count").value == word(5)


def test_trap_consumes_the_whole_gas_limit() -> None:
    ledger = new_ledger()
    address = seal(ledger, [deploy(ALICE, counter_code(), [1])]).receipts[0].contract_address
    spin = call(ALICE, address, "spin", gas=60_000, price=1)
    (receipt,) = seal(ledger, [spin]).receipts
    assert receipt.status == "OUT_OF_GAS" and receipt.gas_used == 60_000
    unknown = call(ALICE, address, "nope", gas=50_000)
    assert seal(ledger, [unknown]).receipts[0].status == "UNKNOWN_FUNCTION"


def test_the_fee_is_taken_after_the_call_runs() -> None:
    ledger = new_ledger()
    address = seal(ledger, [deploy(ALICE, counter_code(), [1])]).receipts[0].contract_address
    before = ledger.account(BOB.address).balance
    (receipt,) = seal(ledger, [call(BOB, address, "caller_balance", price=5)]).receipts
    assert abi.decode(receipt.return_value) == (before,)  # no gas held back during the call
    assert ledger.account(BOB.address).balance == before - 5 * receipt.gas_used


def test_call_to_an_address_without_code() -> None:
    ledger = new_ledger()
    tx = call(ALICE, NOBODY, "bump", [1], value=5, price=1)
    (receipt,) = seal(ledger, [tx]).receipts
    assert receipt.status == "NO_SUCH_CONTRACT" and "NO_SUCH_CONTRACT" in STATUS_NAMES
    assert receipt.gas_used == intrinsic_gas(len(tx.body_bytes))
    assert receipt.error == f"no contract at 0x{NOBODY.hex()}"
    assert ledger.account(NOBODY).balance == 0
    assert ledger.account(ALICE.address).balance == FUNDS - receipt.gas_used


def test_cross_contract_call_reverts_only_the_callee() -> None:
    ledger = new_ledger()
    first, second = deploy(ALICE, counter_code(), [1]), deploy(ALICE, counter_code(), [2])
    a, b = (r.contract_address for r in seal(ledger, [first, second]).receipts)
    seal(ledger, [transfer(BOB, a, 1_000)])  # a transfer to a contract runs no code
    poke = call(BOB, a, "poke", [b, 300])
    (receipt,) = seal(ledger, [poke]).receipts
    assert receipt.status == "SUCCESS" and abi.decode(receipt.return_value) == (0,)
    # The caller's writes and event stay, the callee's write, event and value are undone.
    assert receipt.events == (Event(a, "Poked", b"", 0),)
    assert ledger.storage(a, b"mine").value == word(7)
    assert ledger.storage(a, b"ok").value == word(0)
    assert ledger.storage(b, b"count").value == word(2)
    assert ledger.account(a).balance == 1_000 and ledger.account(b).balance == 0


def test_event_indexes_run_across_the_block() -> None:
    ledger = new_ledger()
    address = seal(ledger, [deploy(ALICE, counter_code(), [0])]).receipts[0].contract_address
    txs = [call(ALICE, address, "bump", [1]), transfer(BOB, CAROL.address, 1)]
    txs += [call(BOB, address, "fail", [1]), call(CAROL, address, "bump", [2])]
    receipts = seal(ledger, txs).receipts
    assert [[e.index for e in r.events] for r in receipts] == [[0], [], [], [1]]
    assert [e.data for r in receipts for e in r.events] == [
        abi.encode([1, 0]),
        abi.encode([3, 0]),
    ]


def test_deploy_failures() -> None:
    ledger = new_ledger()
    bad = deploy(ALICE, b"\x00VMC\x01junk", note=b"bad")
    short = deploy(ALICE, counter_code(), [1], gas=30_000, note=b"short")
    no_init_args = deploy(ALICE, encode(assemble(".func f() public\n RET\n")), [1])
    failing_init = deploy(ALICE, counter_code(), [b"not an int"], note=b"types")
    receipts = seal(ledger, [bad, short, no_init_args, failing_init]).receipts
    assert [r.status for r in receipts] == [
        "INVALID_MODULE",
        "OUT_OF_GAS",
        "BAD_ARGUMENT",
        "BAD_ARGUMENT",
    ]
    base = intrinsic_gas(len(bad.body_bytes)) + DEPLOY_GAS_PER_BYTE * 9
    assert receipts[0].gas_used == base
    assert receipts[1].gas_used == 30_000  # not even the code charge fits: all of it
    assert receipts[3].gas_used == 500_000  # a trap in init consumes its whole gas
    assert all(r.contract_address == b"" for r in receipts)
    for tx in (bad, short, no_init_args, failing_init):
        assert ledger.account(contract_address(tx.tx_id)).code_hash == b""


def test_deploy_without_init_keeps_the_value() -> None:
    ledger = new_ledger()
    code = encode(assemble(".func f() -> int public view\n PUSHI 3\n RET\n"))
    tx = deploy(ALICE, code, value=77)
    (receipt,) = seal(ledger, [tx]).receipts
    assert receipt.status == "SUCCESS"
    assert receipt.gas_used == intrinsic_gas(len(tx.body_bytes)) + DEPLOY_GAS_PER_BYTE * len(code)
    assert ledger.account(receipt.contract_address).balance == 77


def test_receipts_root_and_block_result_agree() -> None:
    parent = MemoryParent({ALICE.address: FUNDS})
    result = run_block(parent, [transfer(ALICE, BOB.address, i + 1) for i in range(5)])
    assert merkle_root(list(result.receipt_bytes)) == receipts_root(result.receipts)
    assert [r.index for r in result.receipts] == [0, 1, 2, 3, 4]


def _balances(parent: MemoryParent, result: BlockResult, *addresses: bytes) -> list[int]:
    parent.apply(result)
    world = parent.state()
    return [world.balance(a) for a in addresses]
