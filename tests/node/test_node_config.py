"""node/config.py and node/clock.py: flag parsers, the node key file rule, the dev clock."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from vmchain.crypto import PrivateKey, Scheme
from vmchain.node.clock import DevClock, SystemClock, wall_ms
from vmchain.node.config import (
    is_loopback,
    load_node_key,
    parse_address,
    parse_duration_ms,
    parse_private_key,
    split_address,
)
from vmchain.node.errors import ConfigError

SECRET = "11" * 32


@pytest.mark.parametrize(
    ("text", "ms"), [("100ms", 100), ("2s", 2000), ("1m", 60_000), ("250", 250), ("0ms", 0)]
)
def test_durations(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "1.5s", "-1s", "10h", "ms"])
def test_bad_durations_name_the_flag(text: str) -> None:
    with pytest.raises(ConfigError, match=r"--block-time: .* is not a duration"):
        parse_duration_ms(text)


def test_addresses() -> None:
    assert parse_address("127.0.0.1:0", "--grpc") == "127.0.0.1:0"
    assert parse_address("[::1]:50051", "--grpc") == "[::1]:50051"
    assert split_address("[::1]:50051") == ("::1", 50051)
    assert is_loopback("127.0.0.1:1") and is_loopback("localhost:1") and is_loopback("[::1]:1")
    assert not is_loopback("0.0.0.0:50051")
    for bad in ("50051", "host:99999", "a b:1"):
        with pytest.raises(ConfigError, match=r"--grpc: .* is not host:port"):
            parse_address(bad, "--grpc")


def test_private_keys_in_every_accepted_form() -> None:
    key = PrivateKey.from_bytes(Scheme.SECP256K1, bytes.fromhex(SECRET))
    assert parse_private_key(SECRET, "k") == key
    assert parse_private_key(f"0x{SECRET}\n", "k") == key
    assert parse_private_key(f"secp256k1:{SECRET}", "k") == key
    p256 = parse_private_key(f"p256:0x{SECRET}", "k")
    assert p256.scheme is Scheme.P256


def test_a_bad_key_error_never_repeats_the_key() -> None:
    for text in ("12" * 31, "zz" * 32, "ff" * 32, f"curve25519:{SECRET}"):
        with pytest.raises(ConfigError) as caught:
            parse_private_key(text, "--node-key f")
        assert text.partition(":")[2 if ":" in text else 0] not in str(caught.value)


def test_key_file_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    path.write_text(SECRET)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"mode 0644.*chmod 600"):
        load_node_key(path)
    path.chmod(0o600)
    assert load_node_key(path).to_bytes().hex() == SECRET
    with pytest.raises(ConfigError, match="cannot read"):
        load_node_key(tmp_path / "missing.key")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_node_key(tmp_path)


def test_json_key_files_as_vmchain_keys_new_writes_them(tmp_path: Path) -> None:
    path = tmp_path / "node.json"
    path.write_text(json.dumps({"curve": "p256", "private_key": SECRET, "address": "0x00"}))
    path.chmod(0o600)
    key = load_node_key(path)
    assert (key.scheme, key.to_bytes().hex()) == (Scheme.P256, SECRET)
    path.write_text(json.dumps({"private_key": SECRET}))
    assert load_node_key(path).scheme is Scheme.SECP256K1
    for bad in ("{", '{"curve": "p256"}', '{"private_key": "00", "curve": 3}'):
        path.write_text(bad)
        with pytest.raises(ConfigError, match="--node-key"):
            load_node_key(path)


def test_system_clock_reads_the_wall_clock() -> None:
    clock = SystemClock()
    before = wall_ms()
    assert before <= clock.next_block_ms() <= wall_ms()
    assert clock.monotonic_ms() <= clock.monotonic_ms()


def test_dev_clock_pins_the_next_block_then_runs_on_from_there() -> None:
    clock = DevClock()
    target = wall_ms() + 10 * 86_400_000
    clock.set_next_block_time(target)
    time.sleep(0.01)
    assert clock.next_block_ms() == target  # exactly, however long it waits
    clock.block_sealed(target)
    assert target + 10 <= clock.next_block_ms() < target + 5_000
    now = clock.increase_time(3600)
    assert target + 3_600_000 <= now <= clock.next_block_ms() < target + 3_605_000


def test_dev_clock_increase_moves_a_pinned_time_too() -> None:
    clock = DevClock()
    clock.set_next_block_time(1_000_000)
    clock.increase_time(5)
    assert clock.next_block_ms() == 1_005_000
    clock.block_sealed(999)  # an earlier stamp does not consume the pin
    assert clock.next_block_ms() == 1_005_000
