"""Module format: exact bytes, exact round trips, and clear errors for anything else."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmchain.vm.asm import assemble
from vmchain.vm.errors import ModuleError
from vmchain.vm.module import Function, Module, decode, encode, selector
from vmchain.vm.values import ValueType

SOURCE = """
.const greeting bytes "hi"
.func add(a: int, b: int) -> int public view
    LGET a
    LGET b
    ADD
    RET
.func init() init
    RET
"""
GOLDEN = (
    "0056 4d43 01"  # magic, version
    "0001 0200000002 6869"  # one constant: bytes "hi"
    "0002"  # two functions
    "03 616464 {sel_add} 03 02 0101 01 01 00 0006 1500 1501 20 05"
    "04 696e6974 {sel_init} 08 00 00 00 0001 05"
)


def test_selector_is_sha256_of_the_name() -> None:
    assert selector("add") == hashlib.sha256(b"add").digest()[:4]
    assert selector("transfer").hex() == hashlib.sha256(b"transfer").hexdigest()[:8]


def test_exact_encoding() -> None:
    module = assemble(SOURCE)
    expected = GOLDEN.format(sel_add=selector("add").hex(), sel_init=selector("init").hex())
    assert encode(module).hex() == expected.replace(" ", "")
    assert decode(encode(module)) == module


def test_function_properties() -> None:
    add, init = assemble(SOURCE).functions
    assert (add.public, add.view, add.payable, add.init) == (True, True, False, False)
    assert (init.public, init.init) == (False, True)
    assert add.local_types == (ValueType.INT, ValueType.INT)


def _valid() -> bytes:
    return encode(assemble(SOURCE))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b"\x01VMC" + b[4:], "bad magic"),
        (lambda b: b[:4] + b"\x02" + b[5:], "unsupported module version 2"),
        (lambda b: b + b"\x00", "1 trailing bytes"),
        (lambda b: b[:-1], "truncated module: code"),
        (lambda b: b[:7] + b"\x03" + b[8:], "unknown value tag 0x03"),
        (lambda b: b.replace(b"add", b"a-d"), "not an ASCII identifier"),
        (lambda b: b.replace(selector("add"), b"\x00" * 4), "is not sha256(name)[:4]"),
        (lambda b: b.replace(b"\x03\x02\x01\x01", b"\x83\x02\x01\x01"), "unknown flag bits"),
        (lambda b: b.replace(b"\x02\x01\x01\x01\x01", b"\x02\x01\x07\x01\x01"), "unknown type"),
        (lambda b: b.replace(b"init", b"add\x00")[:-1], "not an ASCII identifier"),
    ],
)
def test_decode_errors(mutate: object, message: str) -> None:
    data = mutate(_valid())  # type: ignore[operator]
    with pytest.raises(ModuleError, match=re.escape(message)):
        decode(data)


def test_every_truncation_is_rejected() -> None:
    data = _valid()
    for cut in range(len(data)):
        with pytest.raises(ModuleError):
            decode(data[:cut])


def test_duplicates_rejected() -> None:
    fn = Function("f", (), (), (), 1, b"\x05")
    with pytest.raises(ModuleError, match="appears twice"):
        encode(Module((), (fn, fn)))
    with pytest.raises(ModuleError, match="not an ASCII identifier"):
        encode(Module((), (Function("é", (), (), (), 1, b"\x05"),)))
    with pytest.raises(ModuleError, match="outside -2\\*\\*255"):
        encode(Module((2**255,), ()))


def test_decode_rejects_non_bytes() -> None:
    with pytest.raises(ModuleError, match="must be bytes"):
        decode("text")  # type: ignore[arg-type]


@settings(max_examples=400)
@given(st.binary(max_size=200))
def test_random_bytes_decode_or_reject(data: bytes) -> None:
    try:
        module = decode(b"\x00VMC\x01" + data)
    except ModuleError:
        return
    assert encode(module) == b"\x00VMC\x01" + data


@settings(max_examples=400)
@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_byte_flips_decode_or_reject(position: int, value: int) -> None:
    data = bytearray(_valid())
    data[position % len(data)] = value
    try:
        module = decode(bytes(data))
    except ModuleError:
        return
    assert encode(module) == bytes(data)
