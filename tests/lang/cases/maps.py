"""Storage maps: plain, nested, tuple-keyed, bytes-keyed; Address and bool values; del."""

from vmchain.lang import Address, Contract, Map, msg, public, view


class Maps(Contract):
    balances: Map[Address, int]
    allowed: Map[int, Map[Address, bool]]
    gates: Map[tuple[int, Address], bool]
    names: Map[bytes, Address]
    memo: bytes
    total: int

    @public
    def credit(self, who: Address, amount: int) -> None:
        self.balances[who] += amount
        self.total = self.total + amount

    @view
    def balance_of(self, who: Address) -> int:
        return self.balances[who]

    @public
    def allow(self, lot: int, who: Address, on: bool) -> None:
        self.allowed[lot][who] = on

    @view
    def is_allowed(self, lot: int, who: Address) -> bool:
        return self.allowed[lot][who]

    @public
    def add_gate(self, lot: int, gate: Address) -> None:
        self.gates[(lot, gate)] = True
        self.gates[lot, msg.sender] = True

    @public
    def remove_gate(self, lot: int, gate: Address) -> None:
        del self.gates[(lot, gate)]

    @view
    def is_gate(self, lot: int, gate: Address) -> bool:
        return self.gates[(lot, gate)]

    @public
    def register(self, name: bytes) -> None:
        self.names[name] = msg.sender
        self.memo = self.memo + name

    @view
    def owner_of(self, name: bytes) -> Address:
        return self.names[name]

    @view
    def summary(self) -> tuple[int, bytes]:
        return self.total, self.memo

    @view
    def first_lot_gate(self, gate: Address) -> bool:
        return self.gates[(1, gate)]
