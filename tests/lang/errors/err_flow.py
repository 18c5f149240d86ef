# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, public, require


class C(Contract):
    @public
    def f(self, a: int) -> int:  # error: f may end without returning an int
        if a > 0:
            return 1

    @public
    def g(self, a: int) -> int:
        break  # error: break outside a loop
        continue  # error: continue outside a loop
        for i in range(a):
            i = 5  # error: cannot assign to the loop variable 'i'
        require(a > 0, a)  # error: the message of require() must be a string literal
        a + 1  # error: this expression does nothing
        return a

    @public
    def h(  # error: h has more than 16 parameters
        self,
        a: int,
        b: int,
        c: int,
        d: int,
        e: int,
        f: int,
        g: int,
        h: int,
        i: int,
        j: int,
        k: int,
        l: int,
        m: int,
        n: int,
        o: int,
        p: int,
        q: int,
    ) -> None:
        pass

    @public
    def t(self, pair: tuple[int, int]) -> None:  # error: tuple parameters are not supported
        x, y, z = (1, 2)  # error: cannot unpack tuple[int, int] into 3 names
        w = (1,)  # error: a tuple needs at least two items
        v = pair[2]  # error: tuple index 2 out of range
