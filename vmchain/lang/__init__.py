"""The contract language: a Python subset compiled to VM modules, and its typed ABI.

A contract file imports what it uses from here (`Contract`, `Event`, `Interface`, `Address`,
`Map`, the decorators and builtins), so editors and type checkers understand it. The compiler
is `compile_source(path, text) -> Artifact` (vmchain.lang.compiler); docs/contracts.md, "The
contract language", is the reference.
"""

from vmchain.lang.api import (
    Address,
    Contract,
    Event,
    Interface,
    Map,
    NotInContract,
    address_of,
    block,
    emit,
    msg,
    payable,
    public,
    require,
    sha256,
    transfer,
    verify,
    view,
)

__all__ = [
    "Address",
    "Contract",
    "Event",
    "Interface",
    "Map",
    "NotInContract",
    "address_of",
    "block",
    "emit",
    "msg",
    "payable",
    "public",
    "require",
    "sha256",
    "transfer",
    "verify",
    "view",
]
