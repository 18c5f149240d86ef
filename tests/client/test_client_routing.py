"""The SDK's router: where a retry goes after UNAVAILABLE or silence (client/routing.py)."""

from __future__ import annotations

import grpc
import pytest

from vmchain.client.routing import Router


class Failure(grpc.RpcError):  # type: ignore[misc]  # grpc has no stubs
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


def router(target: str) -> tuple[Router, list[str]]:
    opened: list[str] = []

    def open_channel(address: str) -> object:
        opened.append(address)
        return object()

    return Router(target, open_channel), opened


def test_a_follower_hint_sends_the_retry_to_the_sealer() -> None:
    r, opened = router("a:1,b:2,c:3")
    r.route(Failure(grpc.StatusCode.UNAVAILABLE, "this node is a follower; the sealer is c:3"))
    assert r.current == "c:3"
    r.channel()
    assert opened == ["c:3"]
    r.route(Failure(grpc.StatusCode.UNAVAILABLE, "this node is a follower; the sealer is z:9"))
    assert r.current == "z:9"  # a sealer not in the list is followed too


def test_a_dead_node_moves_the_retry_round_robin() -> None:
    r, _ = router("a:1, b:2 ,c:3")
    assert r.targets == ["a:1", "b:2", "c:3"]
    down = Failure(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses")
    seen = []
    for _ in range(4):
        r.route(down)
        seen.append(r.current)
    assert seen == ["b:2", "c:3", "a:1", "b:2"]


def test_a_node_that_never_answered_moves_the_retry_one_that_did_stays() -> None:
    r, _ = router("a:1,b:2")
    r.route(Failure(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded"))  # grpc's own
    assert r.current == "b:2"
    # the node's own answer: its wait ran out, the tx is still pending there
    r.route(Failure(grpc.StatusCode.DEADLINE_EXCEEDED, "waited 30000 ms; tx is still pending"))
    assert r.current == "b:2"
    r.route(Failure(grpc.StatusCode.UNAVAILABLE, "Stream removed (ping timeout)"))
    assert r.current == "a:1"


def test_other_codes_and_a_single_node_stay_put() -> None:
    r, _ = router("a:1,b:2")
    r.route(Failure(grpc.StatusCode.DEADLINE_EXCEEDED, "tx is still pending"))
    r.route(Failure(grpc.StatusCode.INVALID_ARGUMENT, "bad signature"))
    assert r.current == "a:1"
    single, _ = router("a:1")
    single.route(Failure(grpc.StatusCode.UNAVAILABLE, "connection refused"))
    assert single.current == "a:1"


def test_channels_are_opened_once_per_address_and_closed() -> None:
    closed = []

    class Channel:
        def __init__(self, address: str) -> None:
            self.address = address

        def close(self) -> None:
            closed.append(self.address)

    r = Router("a:1,b:2", Channel)
    assert r.channel() is r.channel("a:1")
    r.channel("b:2")
    r.close()
    assert sorted(closed) == ["a:1", "b:2"]


def test_an_empty_target_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a node address HOST:PORT"):
        Router(" , ", lambda address: object())
