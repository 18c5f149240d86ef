# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, public


class C(Contract):
    count: int

    @public
    def f(self, a: int) -> int:
        print(a)  # error: unknown name 'print'
        b = y + 1  # error: unknown name 'y'
        c = sha256(b"x")  # error: unknown name 'sha256'
        d = msg.sender  # error: unknown name 'msg'
        self.total = 1  # error: unknown storage field 'total'
        e = self.missing  # error: unknown storage field 'missing'
        self.nothing(1)  # error: the contract has no method 'nothing'
        g = self.f  # error: method f must be called
        return self  # error: self is not a value

    @public
    def g(self) -> int:
        x = block.timestamp  # error: unknown name 'block'
        return x

    @public
    def p(self, msg: int) -> None:  # error: a parameter cannot be named 'msg'
        pass
