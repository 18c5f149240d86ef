"""Environment family: who called, this contract, the value sent, the block, balances."""

from __future__ import annotations

from vmchain.vm.context import ExecContext, host_int
from vmchain.vm.ops.common import Effect, LightHandler


def caller(ctx: ExecContext, gas: int) -> tuple[int, bytes]:
    return gas, ctx.caller


def self_address(ctx: ExecContext, gas: int) -> tuple[int, bytes]:
    return gas, ctx.address


def call_value(ctx: ExecContext, gas: int) -> tuple[int, int]:
    return gas, ctx.value


def height(ctx: ExecContext, gas: int) -> tuple[int, int]:
    return gas, ctx.height


def timestamp(ctx: ExecContext, gas: int) -> tuple[int, int]:
    return gas, ctx.timestamp


def timestamp_ms(ctx: ExecContext, gas: int) -> tuple[int, int]:
    return gas, ctx.timestamp_ms


def chain_id(ctx: ExecContext, gas: int) -> tuple[int, bytes]:
    return gas, ctx.chain_id


def balance(ctx: ExecContext, gas: int, address: bytes) -> tuple[int, int]:
    return gas, host_int(ctx.host.balance(address), "balance")


LIGHT: dict[str, LightHandler] = {}
EFFECTS: dict[str, Effect] = {
    "CALLER": caller,
    "SELF": self_address,
    "CALLVALUE": call_value,
    "HEIGHT": height,
    "TIMESTAMP": timestamp,
    "TIMESTAMPMS": timestamp_ms,
    "CHAINID": chain_id,
    "BALANCE": balance,
}
