"""Opcode handlers, grouped by family, and the two handler shapes the engines use.

- A *light* handler ``h(stack, locals, imm, pc) -> next pc`` touches only the operand
  stack and the locals; it may trap but never needs gas or the host.
- An *effect* ``e(ctx, gas, [imm,] *operands) -> (gas, *results)`` needs the context or
  charges dynamic gas. Both the reference interpreter and the translator call the same
  effects, so their semantics live in one place.

Frame operations (CALL, RET) belong to each engine. Operands arrive deepest first.
"""

from __future__ import annotations

from vmchain.vm.ops import arith, bytestr, compare, control, crypto, env, stack, state
from vmchain.vm.ops.common import Effect, LightHandler

_FAMILIES = (control, stack, arith, compare, bytestr, crypto, env, state)

LIGHT: dict[str, LightHandler] = {k: v for f in _FAMILIES for k, v in f.LIGHT.items()}
EFFECTS: dict[str, Effect] = {k: v for f in _FAMILIES for k, v in f.EFFECTS.items()}
FRAME_OPS = frozenset({"CALL", "RET"})

__all__ = ["EFFECTS", "FRAME_OPS", "LIGHT", "Effect", "LightHandler"]
