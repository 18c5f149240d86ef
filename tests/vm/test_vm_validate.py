"""Deploy-time validation: each rule fails with the function, offset and rule named."""

from __future__ import annotations

import pytest

from vmchain.vm import limits
from vmchain.vm.asm import assemble
from vmchain.vm.errors import Status, UnknownOpcode, ValidationError
from vmchain.vm.module import Function, Module, encode
from vmchain.vm.program import load
from vmchain.vm.validate import validate
from vmchain.vm.values import ValueType

INT = ValueType.INT


def _error(source: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate(assemble(source))
    return info.value


@pytest.mark.parametrize(
    ("body", "offset", "rule", "detail"),
    [
        ("PUSHI 1\n.byte 0xee", 3, "opcode", "0xee is not an opcode"),
        ("PUSHI 1\n.byte 0x10\n.byte 0x00", 3, "truncated", "PUSHI immediate"),
        ("JMP 1\nPUSHI 1\nRET", 0, "jump-target", "1 is not an instruction start"),
        ("JMP 200\nRET", 0, "jump-target", "200"),
        ("PUSHI 1\nADD\nRET", 3, "stack-underflow", "ADD needs 2 operands"),
        ('CONST "x"\nPUSHI 1\nADD\nRET', 6, "type", "ADD operand 1 is bytes, expected int"),
        ('PUSHI 1\nCONST "x"\nEQ\nRET', 6, "type", "EQ operand 2 is bytes, expected int"),
        ("PUSHI 1\nPOP", 3, "falls-off-end", "past the last instruction"),
        ("LGET 3\nRET", 0, "local-index", "local 3 of 1"),
        ("CALL 4\nRET", 0, "function-index", "function 4 does not exist"),
        ('CONST "x"\nRET', 3, "type", "RET operand 1 is bytes, expected int"),
        ("RET", 0, "stack-underflow", "RET needs 1 operands"),
        ("PUSHI 0\nJZ join\nPUSHI 1\njoin:\nPUSHI 2\nRET", 9, "stack-mismatch", "[] and [int]"),
        (
            'PUSHI 0\nJZ join\nPUSHI 1\nJMP join2\njoin:\nCONST "x"\njoin2:\nRET',
            15,
            "stack-mismatch",
            "[int] and [bytes]",
        ),
        ("LGET 0\nLSET 1\nRET", 2, "local-index", "local 1 of 1"),
        ('CONST "x"\nLSET 0\nPUSHI 0\nRET', 3, "type", "LSET operand 1 is bytes, expected int"),
        ('CONST "x"\nJZ 0\nRET', 3, "type", "JZ operand 1 is bytes"),
        ("PUSHI 1\nEMIT 0\nPUSHI 0\nRET", 3, "type", "EMIT operand 1 is int"),
        ("PUSHI 1\nPUSHI 1\nPUSHI 1\nXCALL 0\nRET", 9, "type", "XCALL operand 1 is int"),
    ],
)
def test_rules(body: str, offset: int, rule: str, detail: str) -> None:
    error = _error(f".func g(x: int) -> int public\n{body}\n.func h() public\nRET\n")
    assert (error.function, error.offset, error.rule) == ("g", offset, rule)
    assert detail in error.detail
    assert str(error).startswith(f"function 'g' at offset {offset}: {rule}: ")


def test_unknown_opcode_has_its_own_status() -> None:
    error = _error(".func g() public\n.byte 0xfe\n")
    assert isinstance(error, UnknownOpcode)
    assert error.status is Status.INVALID_OPCODE
    assert _error(".func g() public\nPUSHI 1\n").status is Status.INVALID_MODULE


def test_const_index() -> None:
    fn = Function("g", (), (INT,), (), 1, bytes([0x11, 0x00, 0x02, 0x05]))
    with pytest.raises(ValidationError, match="const-index: constant 2 of 1"):
        validate(Module((5,), (fn,)))


def test_unreachable_code_is_not_typed() -> None:
    info = validate(assemble('.func g() -> int public\nPUSHI 1\nRET\nCONST "x"\nADD\n'))
    assert info.functions[0].stacks[2] is None
    assert info.functions[0].max_stack == 1


def test_max_stack_and_join_types() -> None:
    source = """
.func g(c: int) -> bytes public
    CONST "a"
    LGET c
    JZ skip
    POP
    CONST "bb"
skip:
    PUSHI 1
    PUSHI 2
    ADD
    POP
    RET
"""
    info = validate(assemble(source)).functions[0]
    assert info.max_stack == 3
    assert info.targets == frozenset({5})
    assert info.stacks[5] == (ValueType.BYTES,)


def test_stack_limit() -> None:
    pushes = "PUSHI 1\n" * (limits.MAX_STACK + 1)
    error = _error(f".func g() public\n{pushes}RET\n")
    assert (error.rule, error.offset) == ("stack-limit", 3 * limits.MAX_STACK)
    ok = "PUSHI 1\n" * limits.MAX_STACK
    assert validate(assemble(f".func g() public\n{ok}RET\n")).functions[0].max_stack == 128


@pytest.mark.parametrize(
    ("module", "detail"),
    [
        (Module((), (Function("g", (), (), (), 1, b""),)), "empty code"),
        (Module((), (Function("g", (INT,) * 17, (), (), 1, b"\x05"),)), "MAX_PARAMS"),
        (Module((), (Function("g", (), (INT, INT), (), 1, b"\x05"),)), "MAX_RESULTS"),
        (Module((), (Function("g", (), (), (INT,) * 65, 1, b"\x05"),)), "MAX_LOCALS"),
        (Module((), (Function("g" * 65, (), (), (), 1, b"\x05"),)), "MAX_NAME"),
        (Module((), (Function("g", (), (), (), 1, b"\x05" * 16385),)), "MAX_FUNCTION_CODE"),
        (Module((b"x" * 4097,), ()), "constant 0 is longer than MAX_BYTES"),
        (Module((0,) * 1025, ()), "MAX_CONSTANTS"),
        (Module((), (Function("g", (), (), (), 6, b"\x05"),)), "both view and payable"),
        (Module((), (Function("g", (), (), (), 9, b"\x05"),)), "neither public nor view"),
        (
            Module((), tuple(Function(f"g{i}", (), (), (), 8, b"\x05") for i in range(2))),
            "more than one init",
        ),
        (
            Module((), tuple(Function(f"g{i}", (), (), (), 1, b"\x05") for i in range(257))),
            "MAX_FUNCTIONS",
        ),
    ],
)
def test_module_limits(module: Module, detail: str) -> None:
    with pytest.raises(ValidationError, match=detail):
        validate(module)


def test_module_size_checked_before_decoding() -> None:
    with pytest.raises(ValidationError, match="MAX_MODULE_SIZE"):
        load(b"\x00" * (limits.MAX_MODULE_SIZE + 1))


def test_load_caches_by_code_hash() -> None:
    code = encode(assemble(".func g() public\nRET\n"))
    assert load(code) is load(bytes(code))


def test_unreachable_code_with_bad_immediates_loads_and_runs() -> None:
    source = ".func g() -> int public\n    PUSHI 7\n    RET\n    JMP 999\n    LGET 9\n    CALL 77\n"
    program = load(encode(assemble(source)))
    assert program.info.functions[0].stacks[2:] == (None, None, None)
