"""A loaded program: a decoded, validated module with its code prepared for running.

``load(code)`` decodes, validates and prepares once per code hash (a bounded cache), so
a contract pays for that at deploy and on its first call, not on every call. The
translated fast form is built on first use.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from types import MappingProxyType

from vmchain.vm import interpreter
from vmchain.vm.module import Module, decode, encode
from vmchain.vm.validate import ModuleInfo, check_size, validate

CACHE_SIZE = 256


class Program:
    """Everything needed to run a module; immutable once built (the fast form is lazy)."""

    __slots__ = ("code_hash", "entries", "info", "module", "reference")

    def __init__(self, module: Module, info: ModuleInfo, code_hash: bytes) -> None:
        self.module = module
        self.info = info
        self.code_hash = code_hash
        self.entries = MappingProxyType({fn.selector: i for i, fn in enumerate(module.functions)})
        self.reference = interpreter.prepare(module, info)


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
