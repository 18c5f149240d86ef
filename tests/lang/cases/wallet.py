"""Value: a payable deposit, withdrawals by transfer, the contract's balance, events."""

from vmchain.lang import (
    Address,
    Contract,
    Event,
    Map,
    emit,
    msg,
    payable,
    public,
    require,
    transfer,
    view,
)


class Deposited(Event):
    who: Address
    amount: int


class Withdrawn(Event):
    who: Address
    to: Address
    amount: int


class Wallet(Contract):
    deposits: Map[Address, int]

    @payable
    def deposit(self) -> int:
        require(msg.value > 0, "send some value")
        self.deposits[msg.sender] += msg.value
        emit(Deposited(who=msg.sender, amount=msg.value))
        return self.deposits[msg.sender]

    @public
    def withdraw(self, to: Address, amount: int) -> None:
        require(amount <= self.deposits[msg.sender], "insufficient deposit")
        self.deposits[msg.sender] -= amount
        transfer(to, amount)
        emit(Withdrawn(msg.sender, to, amount=amount))

    @view
    def held(self) -> int:
        return self.balance

    @view
    def deposit_of(self, who: Address) -> int:
        return self.deposits[who]
