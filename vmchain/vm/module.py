"""Module format: the bytes a contract is deployed as, and their decoded form.

Layout (integers big-endian):

    magic    4 bytes  00 56 4D 43  ("\\0VMC")
    version  1 byte   01
    nconst   u16, then each constant ABI-encoded (encoding/abi.py: int or bytes)
    nfunc    u16, then each function:
        name      u8 length + ASCII identifier
        selector  4 bytes = sha256(name)[:4]
        flags     u8: 1 public, 2 view, 4 payable, 8 init (the constructor)
        params    u8 count + one type byte each (1 int, 2 bytes)
        results   u8 count + type bytes (0 or 1 result)
        locals    u8 count + type bytes (locals beyond the params)
        code      u16 length + bytecode

``decode`` accepts exactly what ``encode`` produces: any other input raises
``ModuleError`` (never another exception), and ``encode(decode(b)) == b`` for every
accepted ``b``. Size and code rules are checked afterwards by ``validate``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from vmchain.encoding import abi
from vmchain.vm.errors import ModuleError
from vmchain.vm.values import Value, ValueType

MAGIC = b"\x00VMC"
VERSION = 1
FLAG_PUBLIC = 1
FLAG_VIEW = 2
FLAG_PAYABLE = 4
FLAG_INIT = 8
ALL_FLAGS = FLAG_PUBLIC | FLAG_VIEW | FLAG_PAYABLE | FLAG_INIT
FLAG_NAMES: dict[str, int] = {
    "public": FLAG_PUBLIC,
    "view": FLAG_VIEW,
    "payable": FLAG_PAYABLE,
    "init": FLAG_INIT,
}
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_U16 = 0xFFFF


def selector(name: str) -> bytes:
    """A function's selector: the first 4 bytes of sha256 of its ASCII name."""
    return hashlib.sha256(name.encode("ascii")).digest()[:4]


@dataclass(frozen=True, slots=True)
class Function:
    """One function of a module. Locals 0..len(params)-1 are the parameters."""

    name: str
    params: tuple[ValueType, ...]
    results: tuple[ValueType, ...]
    locals: tuple[ValueType, ...]
    flags: int
    code: bytes

    @property
    def selector(self) -> bytes:
        return selector(self.name)

    @property
    def local_types(self) -> tuple[ValueType, ...]:
        """Types of all locals: the parameters, then the declared locals."""
        return self.params + self.locals

    @property
    def public(self) -> bool:
        return bool(self.flags & FLAG_PUBLIC)

    @property
    def view(self) -> bool:
        return bool(self.flags & FLAG_VIEW)

    @property
    def payable(self) -> bool:
        return bool(self.flags & FLAG_PAYABLE)

    @property
    def init(self) -> bool:
        return bool(self.flags & FLAG_INIT)


@dataclass(frozen=True, slots=True)
class Module:
    """A decoded module: constant pool and function table (each function owns its code)."""

    constants: tuple[Value, ...]
    functions: tuple[Function, ...]

    def function_by_selector(self, sel: bytes) -> Function | None:
        for fn in self.functions:
            if fn.selector == sel:
                return fn
        return None


def _check_function(fn: Function, index: int) -> None:
    if not isinstance(fn.name, str) or not _NAME_RE.fullmatch(fn.name):
        raise ModuleError(f"function {index}: name {fn.name!r} is not an ASCII identifier")
    if fn.flags & ~ALL_FLAGS:
        raise ModuleError(f"function {fn.name!r}: unknown flag bits 0x{fn.flags:02x}")
    for what, types in (("params", fn.params), ("results", fn.results), ("locals", fn.locals)):
        if len(types) > 255:
            raise ModuleError(f"function {fn.name!r}: more than 255 {what}")
        if not all(isinstance(t, ValueType) for t in types):
            raise ModuleError(f"function {fn.name!r}: {what} must be ValueTypes")
    if len(fn.code) > _U16:
        raise ModuleError(f"function {fn.name!r}: code longer than 65535 bytes")


def _check_module(module: Module) -> None:
    if len(module.constants) > _U16 or len(module.functions) > _U16:
        raise ModuleError("more than 65535 constants or functions")
    names: set[str] = set()
    selectors: set[bytes] = set()
    for index, fn in enumerate(module.functions):
        _check_function(fn, index)
        if fn.name in names:
            raise ModuleError(f"function name {fn.name!r} appears twice")
        if fn.selector in selectors:
            raise ModuleError(f"function {fn.name!r}: selector {fn.selector.hex()} collides")
        names.add(fn.name)
        selectors.add(fn.selector)


def _types(types: tuple[ValueType, ...]) -> bytes:
    return bytes((len(types), *types))


def encode(module: Module) -> bytes:
    """The module's bytes. Raises ModuleError for a module that has no encoding."""
    _check_module(module)
    try:
        consts = abi.encode(module.constants)
    except abi.AbiError as exc:
        raise ModuleError(f"constant pool: {exc}") from None
    out = [MAGIC, bytes((VERSION,)), len(module.constants).to_bytes(2, "big"), consts]
    out.append(len(module.functions).to_bytes(2, "big"))
    for fn in module.functions:
        name = fn.name.encode("ascii")
        out += [bytes((len(name),)), name, fn.selector, bytes((fn.flags,))]
        out += [_types(fn.params), _types(fn.results), _types(fn.locals)]
        out += [len(fn.code).to_bytes(2, "big"), fn.code]
    return b"".join(out)


class _Reader:
    """A cursor over module bytes; every shortfall is a ModuleError."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, count: int, what: str) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            raise ModuleError(f"truncated module: {what} at offset {self.pos} needs {count} bytes")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def u16(self, what: str) -> int:
        return int.from_bytes(self.take(2, what), "big")

    def types(self, what: str) -> tuple[ValueType, ...]:
        raw = self.take(self.u8(f"{what} count"), what)
        for byte in raw:
            if byte not in (ValueType.INT, ValueType.BYTES):
                raise ModuleError(f"unknown type byte 0x{byte:02x} in {what}")
        return tuple(ValueType(byte) for byte in raw)


def _read_constant(reader: _Reader) -> Value:
    try:
        value, reader.pos = abi.decode_value(reader.data, reader.pos)
    except abi.AbiError as exc:
        raise ModuleError(f"constant pool: {exc}") from None
    return value


def _read_function(reader: _Reader, index: int) -> Function:
    raw_name = reader.take(reader.u8("name length"), "function name")
    name = raw_name.decode("latin-1")
    if not _NAME_RE.fullmatch(name):
        raise ModuleError(f"function {index}: name {raw_name!r} is not an ASCII identifier")
    sel = reader.take(4, "selector")
    if sel != selector(name):
        raise ModuleError(f"function {name!r}: selector {sel.hex()} is not sha256(name)[:4]")
    flags = reader.u8("flags")
    params = reader.types("params")
    results = reader.types("results")
    local_types = reader.types("locals")
    code = reader.take(reader.u16("code length"), "code")
    return Function(name, params, results, local_types, flags, code)


def decode(data: bytes) -> Module:
    """Decode module bytes; anything but the canonical encoding raises ModuleError."""
    if not isinstance(data, bytes):
        raise ModuleError(f"module must be bytes, not {type(data).__name__}")
    reader = _Reader(data)
    if reader.take(4, "magic") != MAGIC:
        raise ModuleError("not a vmchain module: bad magic (expected 00 56 4d 43)")
    version = reader.u8("version")
    if version != VERSION:
        raise ModuleError(f"unsupported module version {version} (this VM runs version 1)")
    constants = tuple(_read_constant(reader) for _ in range(reader.u16("constant count")))
    functions = tuple(_read_function(reader, i) for i in range(reader.u16("function count")))
    if reader.pos != len(data):
        raise ModuleError(f"{len(data) - reader.pos} trailing bytes after the function table")
    module = Module(constants, functions)
    _check_module(module)
    return module
