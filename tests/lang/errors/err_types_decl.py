# mypy: ignore-errors
# ruff: noqa
from vmchain.lang import Contract, Map, public


class C(Contract):
    nested: Map[Map[int, int], int]  # error: a Map key cannot be Map[int, int]
    bad: Map[int]  # error: Map takes a key and a value type
    values: Map[int, tuple[int, int]]  # error: a Map value cannot be tuple[int, int]
    single: tuple[int]  # error: a tuple type needs at least two items
    deep: tuple[int, tuple[int, int]]  # error: a tuple cannot hold tuple[int, int]
    text: str  # error: str is not a value type
    items: list  # error: lists are not supported
    other: Thing  # error: unknown type 'Thing'

    @public
    def f(self) -> None:
        pass
