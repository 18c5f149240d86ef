# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Address, Contract, Event, Map, emit, msg, public, transfer, view


class Seen(Event):
    who: Address


class C(Contract):
    count: int
    seen: Map[Address, bool]

    @view
    def writes(self) -> int:
        self.count = 1  # error: writes is a view but writes storage
        self.seen[msg.sender] = True  # error: writes is a view but writes storage
        del self.seen[msg.sender]  # error: writes is a view but writes storage
        return self.count

    @view
    def effects(self, to: Address) -> None:
        emit(Seen(to))  # error: effects is a view but emits an event
        transfer(to, 1)  # error: effects is a view but transfers value
        self.bump()  # error: effects is a view but calls bump, which writes storage
        self.indirect()  # error: effects is a view but calls indirect, which writes storage

    @public
    def bump(self) -> None:
        self.count += 1

    def indirect(self) -> None:
        self.bump()
