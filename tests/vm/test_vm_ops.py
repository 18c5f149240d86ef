"""Every opcode family: exact results, exact gas, exact traps, on both engines."""

from __future__ import annotations

import hashlib

import pytest
from vmhelpers import ALICE, ENGINES, run_body, static_gas, world

from vmchain.crypto import PrivateKey, Scheme
from vmchain.encoding import abi
from vmchain.vm.asm import assemble
from vmchain.vm.errors import Status
from vmchain.vm.execution import Engine
from vmchain.vm.module import encode

MAX = 2**255 - 1
MIN = -(2**255)
LIMIT = 1_000_000

ARITH = [
    ("ADD", 2, 3, 5),
    ("ADD", MAX, 0, MAX),
    ("ADD", MAX, 1, Status.ARITHMETIC),
    ("ADD", MIN, -1, Status.ARITHMETIC),
    ("SUB", 2, 3, -1),
    ("SUB", MIN, 1, Status.ARITHMETIC),
    ("SUB", 0, MIN, Status.ARITHMETIC),
    ("MUL", -4, 6, -24),
    ("MUL", 2**128, 2**127, Status.ARITHMETIC),
    ("MUL", -(2**128), 2**127, MIN),
    ("DIV", 7, 2, 3),
    ("DIV", -7, 2, -4),
    ("DIV", 7, -2, -4),
    ("DIV", 1, 0, Status.ARITHMETIC),
    ("DIV", MIN, -1, Status.ARITHMETIC),
    ("MOD", 7, 3, 1),
    ("MOD", -7, 3, 2),
    ("MOD", 7, -3, -2),
    ("MOD", 7, 0, Status.ARITHMETIC),
    ("AND", -1, 0x0F0F, 0x0F0F),
    ("AND", -2, 3, 2),
    ("OR", 0x0F00, 0x00F0, 0x0FF0),
    ("OR", MIN, 1, MIN + 1),
    ("XOR", -1, 5, -6),
    ("SHL", 1, 254, 2**254),
    ("SHL", 1, 255, Status.ARITHMETIC),
    ("SHL", -1, 255, MIN),
    ("SHL", 1, 256, Status.ARITHMETIC),
    ("SHL", 1, -1, Status.ARITHMETIC),
    ("SHR", -1, 255, -1),
    ("SHR", -8, 1, -4),
    ("SHR", MAX, 254, 1),
    ("SHR", 8, 256, Status.ARITHMETIC),
    ("LT", 1, 2, 1),
    ("LT", 2, 2, 0),
    ("LE", 2, 2, 1),
    ("GT", -1, -2, 1),
    ("GE", -3, -2, 0),
    ("EQ", 5, 5, 1),
    ("EQ", 5, -5, 0),
    ("NE", 5, -5, 1),
    ("NE", MAX, MAX, 0),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("op", "a", "b", "expected"), ARITH)
def test_binary_int_ops(engine: Engine, op: str, a: int, b: int, expected: int | Status) -> None:
    result = run_body(f"CONST {a}\nCONST {b}\n{op}", engine=engine, gas=LIMIT)
    if isinstance(expected, Status):
        assert (result.status, result.gas_used, result.values) == (expected, LIMIT, ())
        assert op in result.error
    else:
        assert result.status is Status.SUCCESS
        assert result.values == (expected,)
        assert result.gas_used == static_gas("CONST", "CONST", op, "RET")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("op", "a", "expected"),
    [
        ("NEG", 5, -5),
        ("NEG", MIN, Status.ARITHMETIC),
        ("NEG", MAX, MIN + 1),
        ("LNOT", 0, 1),
        ("LNOT", -3, 0),
    ],
)
def test_unary_int_ops(engine: Engine, op: str, a: int, expected: int | Status) -> None:
    result = run_body(f"CONST {a}\n{op}", engine=engine)
    if isinstance(expected, Status):
        assert (result.status, result.gas_used) == (expected, LIMIT)
    else:
        assert result.values == (expected,)
        assert result.gas_used == static_gas("CONST", op, "RET")


@pytest.mark.parametrize("engine", ENGINES)
def test_exact_gas_pinned(engine: Engine) -> None:
    # PUSHI 1 + PUSHI 1 + ADD 2 + RET 2: pinned so a table change is a conscious one.
    result = run_body("PUSHI 2\nPUSHI 40\nADD", engine=engine)
    assert (result.values, result.gas_used) == ((42,), 6)


@pytest.mark.parametrize("engine", ENGINES)
def test_stack_ops(engine: Engine) -> None:
    # 1 2 -> SWAP -> 2 1 -> DUP -> 2 1 1 -> POP -> 2 1 -> SUB -> 1
    result = run_body("PUSHI 1\nPUSHI 2\nSWAP\nDUP\nPOP\nSUB", engine=engine)
    assert result.values == (1,)
    assert result.gas_used == static_gas("PUSHI", "PUSHI", "SWAP", "DUP", "POP", "SUB", "RET")


@pytest.mark.parametrize("engine", ENGINES)
def test_locals_and_params(engine: Engine) -> None:
    body = ".local t: bytes\nLGET a\nLSET t\nLGET t\nLGET b\nCONCAT"
    result = run_body(body, "bytes", engine, params="a: bytes, b: bytes", args=[b"ab", b"c"])
    assert result.values == (b"abc",)
    assert result.gas_used == static_gas("LGET", "LSET", "LGET", "LGET", "CONCAT", "RET") + 1


@pytest.mark.parametrize("engine", ENGINES)
def test_locals_start_at_defaults(engine: Engine) -> None:
    body = ".local n: int\n.local b: bytes\nLGET b\nLEN\nLGET n\nADD"
    assert run_body(body, engine=engine).values == (0,)


@pytest.mark.parametrize("engine", ENGINES)
def test_bytes_equality(engine: Engine) -> None:
    assert run_body('CONST "ab"\nCONST "ab"\nEQ', engine=engine).values == (1,)
    assert run_body('CONST "ab"\nCONST "ac"\nNE', engine=engine).values == (1,)


BYTES_CASES = [
    ('CONST "ab"\nCONST "cd"\nCONCAT', "bytes", b"abcd", 1),
    ('CONST "ab"\nLEN', "int", 2, 0),
    ('CONST "hello"\nPUSHI 1\nPUSHI 3\nSLICE', "bytes", b"el", 1),
    ('CONST "hello"\nPUSHI 5\nPUSHI 5\nSLICE', "bytes", b"", 0),
    ("PUSHI -2\nITOB", "bytes", b"\xff" * 31 + b"\xfe", 0),
    ("CONST 0xff01\nBTOI", "int", -255, 0),
    ("CONST 0x\nBTOI", "int", 0, 0),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("body", "rtype", "expected", "dynamic"), BYTES_CASES)
def test_bytes_ops(engine: Engine, body: str, rtype: str, expected: object, dynamic: int) -> None:
    result = run_body(body, rtype, engine)
    assert result.values == (expected,)
    ops = [line.split()[0] for line in body.splitlines()]
    assert result.gas_used == static_gas(*ops, "RET") + dynamic


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("body", "rtype", "status", "message"),
    [
        ('CONST "hello"\nPUSHI 3\nPUSHI 2\nSLICE', "bytes", Status.OUT_OF_BOUNDS, "SLICE"),
        ('CONST "hello"\nPUSHI 0\nPUSHI 6\nSLICE', "bytes", Status.OUT_OF_BOUNDS, "SLICE"),
        ('CONST "hello"\nPUSHI -1\nPUSHI 2\nSLICE', "bytes", Status.OUT_OF_BOUNDS, "SLICE"),
        ("PUSHI 1\nITOB\nPUSHI 1\nITOB\nCONCAT\nBTOI", "int", Status.OUT_OF_BOUNDS, "BTOI"),
        ("CONST 0x010100\nPUSHI 0\nUNPACKI", "int", Status.BAD_ARGUMENT, "not minimal"),
        ("CONST 0x0100\nPUSHI 1\nUNPACKI", "int", Status.BAD_ARGUMENT, "index 1"),
        ("CONST 0x010101\nPUSHI 0\nUNPACKB", "bytes", Status.BAD_ARGUMENT, "not a VM bytes"),
        ("INVALID", "", Status.INVALID_OPCODE, "INVALID"),
    ],
)
def test_bytes_traps(engine: Engine, body: str, rtype: str, status: Status, message: str) -> None:
    result = run_body(body, rtype, engine)
    assert (result.status, result.gas_used) == (status, LIMIT)
    assert message in result.error


@pytest.mark.parametrize("engine", ENGINES)
def test_concat_limit(engine: Engine) -> None:
    # 2048 + 2048 = 4096 is allowed; one more byte traps.
    big = "0x" + "00" * 2048
    ok = run_body(f"CONST {big}\nCONST {big}\nCONCAT\nLEN", engine=engine)
    assert ok.values == (4096,)
    assert ok.gas_used == static_gas("CONST", "CONST", "CONCAT", "LEN", "RET") + 128
    bad = run_body(f'CONST {big}\nCONST {big}\nCONCAT\nCONST "x"\nCONCAT\nLEN', engine=engine)
    assert bad.status is Status.OUT_OF_BOUNDS


@pytest.mark.parametrize("engine", ENGINES)
def test_unpack(engine: Engine) -> None:
    data = "0x" + abi.encode([7, b"xyz"]).hex()
    assert run_body(f"CONST {data}\nPUSHI 0\nUNPACKI", engine=engine).values == (7,)
    result = run_body(f"CONST {data}\nPUSHI 1\nUNPACKB", "bytes", engine)
    assert result.values == (b"xyz",)
    assert result.gas_used == static_gas("CONST", "PUSHI", "UNPACKB", "RET") + 50


@pytest.mark.parametrize("engine", ENGINES)
def test_sha256(engine: Engine) -> None:
    result = run_body('CONST "abc"\nSHA256', "bytes", engine)
    assert result.values == (hashlib.sha256(b"abc").digest(),)
    assert result.gas_used == 1 + 20 + 5 + 2
    long = "0x" + "61" * 65  # 3 words
    assert run_body(f"CONST {long}\nSHA256", "bytes", engine).gas_used == 1 + 20 + 15 + 2


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("scheme", [Scheme.SECP256K1, Scheme.P256])
def test_verify_and_addrof(engine: Engine, scheme: Scheme) -> None:
    key = PrivateKey.from_int(scheme, 12345)
    digest = hashlib.sha256(b"voucher").digest()
    sig = key.sign_digest(digest)
    pub = "0x" + key.public_key.hex()
    body = f"CONST {pub}\nCONST 0x{digest.hex()}\nCONST 0x{sig.hex()}\nVERIFY"
    ok = run_body(body, engine=engine)
    assert ok.values == (1,)
    assert ok.gas_used == static_gas("CONST", "CONST", "CONST", "VERIFY", "RET") == 2005
    bad_sig = "0x" + bytes(64).hex()
    bad = run_body(f"CONST {pub}\nCONST 0x{digest.hex()}\nCONST {bad_sig}\nVERIFY", engine=engine)
    assert bad.values == (0,)
    junk = run_body('CONST "k"\nCONST "d"\nCONST "s"\nVERIFY', engine=engine)
    assert junk.values == (0,)
    addr = run_body(f"CONST {pub}\nADDROF", "bytes", engine)
    assert addr.values == (key.address,)
    assert addr.values == (hashlib.sha256(key.public_key).digest()[:20],)


@pytest.mark.parametrize("engine", ENGINES)
def test_addrof_bad_key(engine: Engine) -> None:
    result = run_body('CONST "not a key"\nADDROF', "bytes", engine)
    assert (result.status, result.gas_used) == (Status.BAD_ARGUMENT, LIMIT)
    assert "ADDROF" in result.error


ENV_SOURCE = """
.func who() -> bytes public
    CALLER
    RET
.func me() -> bytes public
    SELF
    RET
.func paid() -> int public payable
    CALLVALUE
    RET
.func height() -> int public view
    HEIGHT
    RET
.func ts() -> int public view
    TIMESTAMP
    RET
.func tsms() -> int public view
    TIMESTAMPMS
    RET
.func chain() -> bytes public view
    CHAINID
    RET
.func bal(a: bytes) -> int public view
    LGET a
    BALANCE
    RET
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_environment(engine: Engine) -> None:
    w = world(engine)
    w.block_height = 77
    w.timestamp_ms = 1_700_000_123_456
    address, _ = w.deploy(encode(assemble(ENV_SOURCE)))

    def call(name: str, args: list[object] = [], value: int = 0) -> tuple[object, ...]:  # noqa: B006
        result = w.call(ALICE, address, name, abi.encode(args), value)  # type: ignore[arg-type]
        assert result.status is Status.SUCCESS, result.error
        assert result.gas_used == (4 if name != "bal" else 1 + 100 + 2)
        return result.values

    assert call("who") == (ALICE,)
    assert call("me") == (address,)
    assert call("paid", value=25) == (25,)
    assert call("height") == (77,)
    assert call("ts") == (1_700_000_123,)
    assert call("tsms") == (1_700_000_123_456,)
    assert call("chain") == (b"vmchain-test",)
    assert call("bal", [address]) == (25,)
    assert call("bal", [ALICE]) == (10**9 - 25,)


@pytest.mark.parametrize("engine", ENGINES)
def test_not_payable(engine: Engine) -> None:
    w = world(engine)
    address, _ = w.deploy(encode(assemble(ENV_SOURCE)))
    result = w.call(ALICE, address, "who", b"", 5, gas_limit=1000)
    assert (result.status, result.gas_used) == (Status.NOT_PAYABLE, 1000)
    assert w.balances.get(address, 0) == 0
