"""Walking the model: every node below a statement list, in source order."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from vmchain.lang import model as m


def nodes(item: Any) -> Iterator[Any]:
    """`item` and every model node inside it, depth first, fields in declaration order."""
    if isinstance(item, tuple):
        for element in item:
            yield from nodes(element)
        return
    if not dataclasses.is_dataclass(item) or isinstance(item, m.Type | m.Pos):
        return
    yield item
    for fld in dataclasses.fields(item):
        yield from nodes(getattr(item, fld.name))


def attributes_in(body: tuple[m.Stmt, ...]) -> Iterator[m.Attr]:
    for node in nodes(body):
        if isinstance(node, m.Attr):
            yield node
