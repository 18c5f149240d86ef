# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, Event, public


class Pärked(Event):  # error: event name 'Pärked' must be ASCII
    n: int


class C(Contract):
    @public
    def f(self) -> int:
        return 100000000000000000000000000000000000000000000000000000000000000000000000000000000  # error: integer literal outside -2**255..2**255-1

    @public
    def größe(self) -> None:  # error: method name 'größe' must be ASCII
        pass
