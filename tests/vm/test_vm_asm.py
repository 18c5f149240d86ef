"""Assembler and disassembler: golden files, fixed points, clear errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from vmhelpers import ALICE, BOB, ENGINES, world

from vmchain.crypto import PrivateKey, Scheme
from vmchain.encoding import abi
from vmchain.vm.asm import AsmError, assemble, disassemble
from vmchain.vm.errors import Status
from vmchain.vm.execution import Engine
from vmchain.vm.module import decode, encode

GOLDEN = Path(__file__).parent / "golden"
NAMES = ["sum", "wallet"]


@pytest.mark.parametrize("name", NAMES)
def test_golden(name: str) -> None:
    module = assemble((GOLDEN / f"{name}.asm").read_text())
    text = disassemble(module)
    assert text == (GOLDEN / f"{name}.dis").read_text()
    assert encode(module).hex() + "\n" == (GOLDEN / f"{name}.hex").read_text()
    assert assemble(text) == module
    assert disassemble(assemble(text)) == text
    assert disassemble(decode(encode(module))) == text


def test_disassembles_invalid_code() -> None:
    source = ".func f() public\n    JMP 1\n    .byte 0xee\n    .byte 0x10\n"
    text = disassemble(assemble(source))
    assert text == ".func f() public\n    JMP 1\n    .byte 0xee\n    .byte 0x10\n"
    assert disassemble(assemble(text)) == text


def test_inline_constants_are_shared() -> None:
    module = assemble('.func f() public\n    CONST "a"\n    CONST 5\n    CONST "a"\n    RET\n')
    assert module.constants == (b"a", 5)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("PUSHI 1", "line 1: instruction outside a .func"),
        (".func f() public\n    FROB", "line 2: unknown instruction 'FROB'"),
        (".func f() public\n    PUSHI 40000", "line 2: PUSHI operand 40000 outside -32768..32767"),
        (".func f() public\n    PUSHI", "line 2: PUSHI needs an operand"),
        (".func f() public\n    ADD 3", "line 2: ADD takes no operand"),
        (".func f() public\n    JMP nowhere", "line 2: expected a number, got 'nowhere'"),
        (".func f(x: float) public", "line 1: unknown type 'float'"),
        (".func f() loud", "line 1: unknown flag 'loud'"),
        (".const x int 0x01", "line 1: literal 0x01 is not of type int"),
        (".func f() public\n    CONST zz", "line 2: bad literal 'zz'"),
    ],
)
def test_errors(source: str, message: str) -> None:
    with pytest.raises(AsmError, match=message):
        assemble(source)


@pytest.mark.parametrize("engine", ENGINES)
def test_wallet_runs(engine: Engine) -> None:
    w = world(engine)
    address, init = w.deploy(encode(assemble((GOLDEN / "wallet.asm").read_text())), ALICE)
    assert init is not None and init.ok
    deposit = w.call(ALICE, address, "deposit", b"", value=500)
    assert deposit.values == (500,)
    assert w.events[-1].data == abi.encode([ALICE, 500])
    denied = w.call(BOB, address, "withdraw", abi.encode([BOB, 1]))
    assert (denied.status, denied.error) == (Status.REVERTED, "only the owner may withdraw")
    assert w.call(ALICE, address, "withdraw", abi.encode([BOB, 200])).ok
    assert (w.balances[address], w.balances[BOB]) == (300, 200)
    assert w.call(ALICE, address, "quarter", abi.encode([-9])).values == (-3,)

    key = PrivateKey.from_int(Scheme.P256, 777)
    chain = w.chain_id
    digest = hashlib.sha256(
        b"vmchain-voucher"
        + bytes([len(chain)])
        + chain
        + address
        + (3).to_bytes(32, "big")
        + (1500).to_bytes(32, "big")
    ).digest()
    sig = key.sign_digest(digest)
    args: list[int | bytes] = [key.public_key, 3, 1500, sig]
    assert w.call(ALICE, address, "voucher_ok", abi.encode(args)).values == (1,)
    args[2] = 1501
    assert w.call(ALICE, address, "voucher_ok", abi.encode(args)).values == (0,)


def test_docs_example_assembles_and_validates() -> None:
    from vmchain.vm.validate import validate

    docs = (Path(__file__).resolve().parents[2] / "docs" / "contracts.md").read_text()
    example = docs.split("## Assembly text")[1].split("```")[1]
    module = assemble(example)
    validate(module)
    assert [fn.name for fn in module.functions] == ["withdraw"]
