# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, public


class C(Contract):
    @public
    def f(self, a: int, b: bytes) -> bool:
        x = a @ a  # error: the @ operator is not supported
        y = a is None  # error: 'is' is not supported
        z = b in b  # error: 'in' is not supported
        w = self.g(*b)  # error: * unpacking is not supported
        return a is not a  # error: 'is not' is not supported

    @public
    def g(self, a: bytes) -> None:
        v = a[::2]  # error: slices cannot have a step
        self.g(**a)  # error: ** arguments are not supported
