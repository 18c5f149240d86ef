"""The contract VM: opcode table, module format, validation and the interpreter. Pure.

Public API: ``load(code) -> Program`` (decode + validate + prepare, cached per code
hash), ``execute(program, selector, args, host, gas_limit) -> ExecutionResult``, the
``Host`` protocol, ``Status`` and the error classes. docs/contracts.md specifies it all.
"""

from vmchain.vm.errors import HostError, ModuleError, Status, Trap, ValidationError, VMError
from vmchain.vm.execution import Engine, ExecutionResult, execute
from vmchain.vm.host import CallOutcome, Host
from vmchain.vm.module import Function, Module, decode, encode, selector
from vmchain.vm.program import Program, from_module, load

__all__ = [
    "CallOutcome",
    "Engine",
    "ExecutionResult",
    "Function",
    "Host",
    "HostError",
    "Module",
    "ModuleError",
    "Program",
    "Status",
    "Trap",
    "VMError",
    "ValidationError",
    "decode",
    "encode",
    "execute",
    "from_module",
    "load",
    "selector",
]
