# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, public


class C(Contract):
    @public
    def f(self, a: int) -> int:
        s = {1, 2}  # error: sets are not supported
        d = {"a": 1}  # error: dict literals are not supported
        e = {}  # error: dict literals are not supported
        xs = [1, 2]  # error: lists are not supported
        ys = [i for i in range(3)]  # error: list comprehensions are not supported
        zs = {i for i in range(3)}  # error: set comprehensions are not supported
        g = sum(i for i in range(3))  # error: generator expressions are not supported
        t = f"{a}"  # error: f-strings are not supported
        return a
