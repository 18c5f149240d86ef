"""A loaded program: a decoded, validated module with its code prepared for running.

``load(code)`` decodes, validates and prepares once per code hash (a bounded cache), so
a contract pays for that at deploy and on its first call, not on every call. The
translated fast form is built on first use.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from types import MappingProxyType

from vmchain.vm import fastpath, interpreter
from vmchain.vm.module import Module, decode, encode
from vmchain.vm.validate import ModuleInfo, check_size, validate

CACHE_SIZE = 256
# Tiering: a program runs on the reference interpreter until it has burnt this much gas
# per byte of code there, then on its translated form. Translating costs ~9 µs per code
# byte and the reference runs ~0.1 µs per gas, so by then the translation has been paid
# for about once over by work the callers paid gas for. Either engine gives identical
# results, gas and traps, so this policy is invisible to consensus.
TRANSLATE_GAS_PER_CODE_BYTE = 100


class Program:
    """Everything needed to run a module; immutable once built (the fast form is lazy)."""

    __slots__ = (
        "_fast",
        "code_hash",
        "entries",
        "hot_after",
        "info",
        "module",
        "reference",
        "reference_gas",
    )

    def __init__(self, module: Module, info: ModuleInfo, code_hash: bytes) -> None:
        self.module = module
        self.info = info
        self.code_hash = code_hash
        self.entries = MappingProxyType({fn.selector: i for i, fn in enumerate(module.functions)})
        self.reference = interpreter.prepare(module, info)
        self._fast: fastpath.FastCode | None = None
        code_bytes = sum(len(fn.code) for fn in module.functions)
        self.hot_after = TRANSLATE_GAS_PER_CODE_BYTE * code_bytes
        self.reference_gas = 0  # gas run on the reference interpreter (Engine.AUTO)

    @property
    def translated(self) -> bool:
        """Whether the fast form exists yet."""
        return self._fast is not None

    @property
    def hot(self) -> bool:
        """Whether Engine.AUTO runs this program translated."""
        return self._fast is not None or self.reference_gas >= self.hot_after

    @property
    def fast(self) -> fastpath.FastCode:
        """The translated form, built on first use (once per loaded program)."""
        if self._fast is None:
            self._fast = fastpath.translate(self)
        return self._fast


_cache: OrderedDict[bytes, Program] = OrderedDict()


def load(code: bytes) -> Program:
    """Decode, validate and prepare module bytes; raises ModuleError (or ValidationError)."""
    check_size(code)
    code_hash = hashlib.sha256(code).digest()
    program = _cache.get(code_hash)
    if program is not None:
        _cache.move_to_end(code_hash)
        return program
    module = decode(code)
    program = Program(module, validate(module), code_hash)
    _cache[code_hash] = program
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return program


def from_module(module: Module) -> Program:
    """Load a Module object (encodes it, so it goes through exactly the deploy checks)."""
    return load(encode(module))
