# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, msg, payable, public, view


class C(Contract):
    total: int

    @public
    def pay(self) -> None:
        self.total += msg.value  # error: msg.value is always 0 in pay: it is not @payable

    @view
    @payable
    def both(self) -> int:  # error: both cannot be both @view and @payable
        return 1

    @public
    @public
    def twice(self) -> int:  # error: a decorator of twice is repeated
        return 1

    @public
    def __init__(self) -> None:  # error: the constructor cannot be @public or @view
        pass

    @public
    def __secret(self) -> None:  # error: method names starting with __ are reserved
        pass
