# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, public


class C(Contract):
    @public
    def fact(self, n: int) -> int:
        if n <= 1:
            return 1
        return n * self.fact(n - 1)  # error: recursion is not supported: fact calls fact

    @public
    def ping(self, n: int) -> int:
        return self.pong(n)  # error: recursion is not supported: ping calls pong

    def pong(self, n: int) -> int:
        return self.ping(n)  # error: recursion is not supported: pong calls ping
