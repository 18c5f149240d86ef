"""A counter: storage, a constructor, public and view methods, an event, require."""

from vmchain.lang import Address, Contract, Event, emit, msg, public, require, view


class Bumped(Event):
    by: Address
    amount: int
    total: int


class Counter(Contract):
    owner: Address
    count: int

    def __init__(self, start: int) -> None:
        self.owner = msg.sender
        self.count = start

    @public
    def bump(self, amount: int) -> int:
        require(amount > 0, "amount must be positive")
        self.count += amount
        emit(Bumped(msg.sender, amount, self.count))
        return self.count

    @view
    def get(self) -> int:
        return self.count

    @public
    def reset(self) -> None:
        require(msg.sender == self.owner, "only the owner may reset")
        self.count = 0
