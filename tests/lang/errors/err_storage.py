# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Address, Contract, Map, public


class C(Contract):
    pair: tuple[int, int]  # error: a storage field cannot be a tuple
    balance: int  # error: self.balance is built in
    counts: Map[int, int]
    count: int
    count: bytes  # error: name 'count' is declared twice

    @public
    def f(self, a: int) -> None:
        self.counts = 1  # error: cannot assign to a whole Map
        a.x = 1  # error: unsupported attribute 'x'
