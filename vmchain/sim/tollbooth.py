"""The toll booth the demo deploys: a payable `pay()` that counts revenue and emits Paid.

Written in VM assembly (vmchain/vm/asm.py) until the contract language lands; the parking and
payment-channel contracts of DESIGN.md section 7 will take its place in the city demo.
"""

from __future__ import annotations

from vmchain.vm.asm import assemble
from vmchain.vm.module import encode

TOLLBOOTH_ASM = """
.const REVENUE bytes "revenue"
.func pay() -> int public payable
.local total: int
    CONST REVENUE
    SLOAD
    BTOI
    CALLVALUE
    ADD
    LSET total
    CONST REVENUE
    LGET total
    ITOB
    SSTORE
    CONST "Paid"
    CALLER
    CALLVALUE
    EMIT 2
    LGET total
    RET
.func revenue() -> int public view
    CONST REVENUE
    SLOAD
    BTOI
    RET
"""


def tollbooth_code() -> bytes:
    """The module bytes of the toll booth."""
    return encode(assemble(TOLLBOOTH_ASM))
