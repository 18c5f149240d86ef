# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, public

RATE = 0.5  # error: floats are not supported


class C(Contract):
    price: float  # error: floats are not supported

    @public
    def f(self, a: int, b: int) -> int:
        x = 1.5  # error: floats are not supported
        y = a / b  # error: '/' is float division
        z = 2j  # error: complex numbers are not supported
        return a
