# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, msg


class C(Contract):  # error: contract C has no public method
    count: int

    def helper(self) -> int:
        return self.count
