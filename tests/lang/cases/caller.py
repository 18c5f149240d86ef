# mypy: disable-error-code="empty-body"
"""Cross-contract calls through interfaces: results, forwarded value, reverts, views."""

from vmchain.lang import Address, Contract, Interface, msg, payable, public, view


class CounterApi(Interface):
    @public
    def bump(self, amount: int) -> int: ...

    @view
    def get(self) -> int: ...


class WalletApi(Interface):
    @payable
    def deposit(self) -> int: ...

    @view
    def deposit_of(self, who: Address) -> int: ...


class LyingCounter(Interface):
    @view
    def bump(self, amount: int) -> int: ...


class PairApi(Interface):
    @view
    def summary(self) -> tuple[int, bytes]: ...


class Caller(Contract):
    last: int

    @public
    def bump_twice(self, counter: Address, amount: int) -> int:
        CounterApi(counter).bump(amount)
        self.last = CounterApi(counter).bump(amount)
        return self.last

    @view
    def read(self, counter: Address) -> int:
        return CounterApi(counter).get()

    @view
    def sneaky(self, counter: Address) -> int:
        return LyingCounter(counter).bump(1)

    @payable
    def forward(self, wallet: Address) -> int:
        WalletApi(wallet, value=msg.value).deposit()
        return WalletApi(wallet).deposit_of(self.address)

    @view
    def pair(self, target: Address) -> tuple[bytes, int]:
        total, memo = PairApi(target).summary()
        return memo, total
