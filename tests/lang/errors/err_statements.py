# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, public


class C(Contract):
    @public
    def f(self, a: int) -> int:
        try:  # error: try/except is not supported
            a = 1
        except ValueError:
            a = 2
        with open("x") as h:  # error: 'with' is not supported
            a = 3
        raise ValueError("no")  # error: raise is not supported
        assert a > 0  # error: assert is not supported
        global counter  # error: global is not supported
        match a:  # error: match is not supported
            case 1:
                pass
        del a  # error: only map entries can be deleted
        return a

    @public
    def g(self, a: int) -> int:
        h = lambda x: x  # error: lambdas are not supported
        if (b := a) > 1:  # error: assignment expressions (:=) are not supported
            pass
        for x in [1, 2]:  # error: for loops only iterate over range(...)
            pass
        for y in self.items():  # error: for loops only iterate over range(...)
            pass
        while a > 0:
            a -= 1
        else:
            a = 0  # error: loop else clauses are not supported
        for i in range(0, 10, a):  # error: range's step must be a non-zero integer literal
            pass
        return a

    @public
    def h(self, a: int) -> int:
        def inner() -> int:  # error: nested functions are not supported
            return 1

        class Inner:  # error: nested classes are not supported
            pass

        x = y = 1  # error: chained assignment is not supported
        return 1 if 0 < a < 5 else 2  # error: chained comparisons are not supported
