# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Address, Contract, Event, Map, emit, public


class Paid(Event):
    who: Address
    amount: int


class Bad(Event):
    items: Map[int, int]  # error: an event field cannot be Map[int, int]


class C(Contract):
    @public
    def f(self, who: Address) -> None:
        emit(Paid(who))  # error: field 'amount' of Paid is missing
        emit(Paid(who, amount=b"x"))  # error: field 'amount' of Paid must be int, got bytes
        emit(Paid(who, 1, 2))  # error: Paid has 2 fields, got 3 values
        emit(Paid(who, 1, memo=b""))  # error: Paid has no field 'memo'
        emit(Paid(who, 1, who=who))  # error: field 'who' of Paid is given twice
        emit(1)  # error: emit takes one event
        p = Paid(who, 1)  # error: event Paid can only be built inside emit(...)
