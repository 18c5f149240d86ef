# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Address, Contract, Interface, public, view


class Token(Interface):
    @public
    def send(self, to: Address, amount: int) -> bool: ...

    @view
    def balance_of(self, who: Address) -> int: ...


class C(Contract):
    @view
    def peek(self, token: Address, to: Address) -> bool:
        # the next line calls a method that is no view:
        ok = Token(token).send(to, 1)  # error: peek is a view but calls Token.send
        return ok

    @public
    def pay(self, token: Address, to: Address) -> None:
        Token(token, value=5).send(to, 1)  # error: Token.send is not payable
        Token(token).burn(1)  # error: interface Token has no method 'burn'
        Token(token).send(to)  # error: Token.send() takes 2 arguments, got 1
        Token(1).send(to, 1)  # error: the address of Token must be Address, got int
        Token(token, gas=5).send(to, 1)  # error: Token(...) takes only value=
        x = Token(token)  # error: Token(address) is called through a method
