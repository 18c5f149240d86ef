"""Crypto family: sha256 (per-word gas), signature verification, address derivation."""

from __future__ import annotations

import hashlib

from vmchain.crypto import InvalidKey, address_of, verify
from vmchain.vm.context import ExecContext
from vmchain.vm.errors import BadArgument
from vmchain.vm.ops.common import Effect, LightHandler, Locals, Stack, charge, per_word
from vmchain.vm.values import words

_SHA_WORD = per_word("SHA256")


def sha256(ctx: ExecContext, gas: int, data: bytes) -> tuple[int, bytes]:
    gas = charge(gas, words(len(data)) * _SHA_WORD, "SHA256")
    return gas, hashlib.sha256(data).digest()


def verify_sig(pubkey: bytes, digest: bytes, sig: bytes) -> int:
    """1 if ``sig`` is valid; any malformed input is simply 0."""
    return 1 if verify(pubkey, digest, sig) else 0


def address(pubkey: bytes) -> bytes:
    try:
        return address_of(pubkey)
    except InvalidKey as exc:
        raise BadArgument(f"ADDROF: {exc}") from None


def op_verify(s: Stack, loc: Locals, a: None, pc: int) -> int:
    sig = s.pop()
    digest = s.pop()
    s[-1] = verify_sig(s[-1], digest, sig)
    return pc + 1


def op_addrof(s: Stack, loc: Locals, a: None, pc: int) -> int:
    s[-1] = address(s[-1])
    return pc + 1


LIGHT: dict[str, LightHandler] = {"VERIFY": op_verify, "ADDROF": op_addrof}
EFFECTS: dict[str, Effect] = {"SHA256": sha256}
