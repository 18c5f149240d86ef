# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Address, Contract, Interface, public, view


class Token(Interface):
    @view
    def balance_of(self, who: Address) -> int:  # error: an interface method has no body
        return 1

    owner: Address  # error: an interface holds method stubs only


class C(Contract):
    @public
    def f(self) -> None:
        pass
