# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Address, Contract, Map, msg, public


class C(Contract):
    count: int
    owner: Address
    balances: Map[Address, int]

    @public
    def f(self, a: int, flag: bool, data: bytes) -> int:
        self.count = b"x"  # error: cannot store bytes in an int field
        self.owner = data  # error: cannot store bytes in an Address field
        x: int = True  # error: the value of x must be int, got bool
        if a:  # error: a condition must be bool, got int
            pass
        y = a + data  # error: unsupported operand types for +: int and bytes
        z = flag + 1  # error: unsupported operand types for +: bool and int
        w = data < data  # error: < compares ints, got bytes and bytes
        v = msg.sender == data  # error: cannot compare Address with bytes
        self.balances[a] = 1  # error: the map key must be Address, got int
        self.balances = 5  # error: cannot assign to a whole Map
        a = data  # error: local 'a' is int, cannot assign bytes
        u = not a  # error: the operand of 'not' must be bool, got int
        t = 1 if flag else b""  # error: both branches must have one type
        s = "text"  # error: text is not a value
        return msg.sender  # error: the return value must be int, got Address

    @public
    def g(self, a: int) -> None:
        return a  # error: g returns nothing

    @public
    def h(self) -> int:
        return  # error: return needs an int value
