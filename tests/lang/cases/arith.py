"""Arithmetic, comparisons, boolean logic, loops, bytes and tuples (no storage)."""

from vmchain.lang import Contract, public, view

LIMIT = 2**64
TAG = b"vm" + b"chain"


class Arith(Contract):
    @view
    def add(self, a: int, b: int) -> int:
        return a + b

    @view
    def ops(self, a: int, b: int) -> tuple[int, int, int, int, int]:
        return a - b, a * b, a // b, a % b, -a

    @view
    def power(self, base: int, exp: int) -> int:
        result: int = base**exp
        return result

    @view
    def bits(self, a: int, b: int) -> int:
        return ((a & b) | (a ^ b)) + (a << 2) - (b >> 1) + ~a

    @view
    def clamp(self, x: int) -> int:
        return min(max(x, 0), LIMIT)

    @view
    def sign(self, x: int) -> int:
        if x > 0:
            return 1
        elif x == 0:
            return 0
        return -1

    @view
    def between(self, x: int, low: int, high: int) -> bool:
        return (low <= x and x < high) or not (x > high)

    @view
    def ceil_div(self, a: int, b: int) -> int:
        return 0 if a <= 0 else (a + b - 1) // b

    @view
    def sum_to(self, n: int) -> int:
        total = 0
        for i in range(1, n + 1):
            total += i
        return total

    @view
    def countdown(self, n: int) -> int:
        steps = 0
        for _ in range(n, 0, -2):
            steps += 1
        while True:
            if n <= 0:
                break
            n -= 3
            if n % 2 == 0:
                continue
            steps += 10
        return steps

    @view
    def tagged(self, data: bytes) -> bytes:
        return TAG + data[1:3] + data[:1] + data[len(data) - 1 :]

    @view
    def byte_at(self, data: bytes, i: int) -> int:
        return data[i]

    @view
    def word(self, n: int) -> bytes:
        return n.to_bytes(4, "big") + n.to_bytes(32, "big")

    @view
    def swap(self, a: int, b: bytes) -> tuple[bytes, int]:
        pair = (b, a)
        first, second = pair
        second, other = second + 1, first
        return other, second

    @public
    def noop(self) -> None:
        pass
