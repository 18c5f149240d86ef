# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, public


class C(Contract):
    @staticmethod  # error: unknown decorator 'staticmethod'
    def f(a: int) -> int:  # error: method f must take self first
        return a

    @public
    def g(self, a, b: int = 2) -> int:  # error: methods take plain positional parameters only
        return b

    @public
    def g2(self, a) -> int:  # error: parameter a needs a type annotation
        return 1

    @public
    def h(self, *items: int) -> None:  # error: methods take plain positional parameters only
        pass

    @public
    def k(self, x: list[int]) -> None:  # error: unsupported type annotation 'list[int]'
        pass

    @public
    def m(self, x: str) -> None:  # error: str is not a value type
        pass

    @public
    def n(self):  # error: method n needs a return annotation
        pass
