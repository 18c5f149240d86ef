"""Unit tests of the VMCHAIN_FAILPOINTS parser and of FailPoints/FailingStore."""

from __future__ import annotations

import errno

import pytest

from vmchain.node.failpoints import (
    FailingStore,
    FailPointError,
    FailPoints,
    InjectedIOError,
    parse,
)
from vmchain.state.kv import Batch, MemoryStore


def test_parse_reads_points_actions_and_counts() -> None:
    armed = parse(" store.write.after=crash@3 , commit.before_ack=ioerror ")
    assert {name: (arm.action, arm.at) for name, arm in armed.items()} == {
        "store.write.after": ("crash", 3),
        "commit.before_ack": ("ioerror", 1),
    }
    assert parse("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("store.write=crash", "unknown fail point in 'store.write=crash'"),
        ("store.write.after", "unknown fail point in 'store.write.after'"),
        ("store.write.after=explode", "unknown action in 'store.write.after=explode'"),
        ("store.write.after=crash@0", "must be a whole number >= 1"),
        ("store.write.after=crash@x", "must be a whole number >= 1"),
    ],
)
def test_parse_rejects_bad_specs_with_what_was_wrong(text: str, message: str) -> None:
    with pytest.raises(FailPointError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse(text)


def test_ioerror_fires_from_the_nth_hit_on_and_store_writes_stop() -> None:
    store = MemoryStore(["default"])
    points = FailPoints.from_env({"VMCHAIN_FAILPOINTS": "store.write.before=ioerror@2"})
    assert points
    failing = FailingStore(store, points)
    first = Batch()
    first.put("default", b"a", b"1")
    failing.write(first)
    second = Batch()
    second.put("default", b"b", b"2")
    for _ in range(2):
        with pytest.raises(InjectedIOError) as caught:
            failing.write(second)
        assert caught.value.errno == errno.EIO
    assert store.cf("default").get(b"a") == b"1"
    assert store.cf("default").get(b"b") is None


def test_unarmed_points_do_nothing() -> None:
    points = FailPoints.from_env({})
    assert not points
    for _ in range(3):
        points.hit("store.write.after")
