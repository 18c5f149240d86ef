# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, Event, public


class Helper:  # error: class Helper must derive from exactly one of Contract, Event, Interface
    pass


class Both(Contract, Event):  # error: class Both must derive from exactly one
    pass


class Paid(Event):
    amount: int = 0  # error: event fields have no default

    def total(self) -> int:  # error: an event class holds only annotated fields
        return 1


class First(Contract):
    count: int = 0  # error: storage fields have no initial value
    LIMIT = 5  # error: a contract class holds storage fields and methods only

    @public
    def f(self) -> int:
        return 1


class Second(Contract):  # error: a contract file holds exactly one Contract class, found 2
    @public
    def g(self) -> int:
        return 2


print("hello")  # error: Expr is not allowed at the top of a contract
