"""Events with every field type, keyword and positional construction; internal helpers."""

from vmchain.lang import Address, Contract, Event, emit, msg, public, sha256


class Logged(Event):
    who: Address
    count: int
    flag: bool
    digest: bytes


class Empty(Event):
    pass


class Events(Contract):
    count: int

    @public
    def log(self, data: bytes) -> bytes:
        digest = self._digest(data)
        self.count += 1
        emit(Logged(msg.sender, self.count, flag=self._odd(self.count), digest=digest))
        emit(Empty())
        return digest

    def _digest(self, data: bytes) -> bytes:
        return sha256(data)

    def _odd(self, n: int) -> bool:
        return n % 2 == 1
