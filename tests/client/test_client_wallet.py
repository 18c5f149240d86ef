"""Wallets: keys on both curves, exact addresses, key files (mode 0600, refused when readable by
others), and signing transaction bodies the chain accepts."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from vmchain.chain.genesis import dev_key
from vmchain.chain.tx import Transfer, TxBody, decode_signed, intrinsic_gas
from vmchain.client import Wallet, WalletError
from vmchain.crypto import Scheme

DEV0_HEX = dev_key(0).to_bytes().hex()
DEV0_ADDRESS = "0x05bb3779f0f4c50d138b95162e524df299b71c91"


def test_from_private_key_gives_the_documented_dev_address() -> None:
    wallet = Wallet.from_private_key(DEV0_HEX)
    assert wallet.address == DEV0_ADDRESS
    assert wallet.curve == "secp256k1"
    assert wallet.public_key == dev_key(0).public_key
    assert len(wallet.public_key) == 34 and wallet.public_key[0] == 1
    assert Wallet.from_private_key("0x" + DEV0_HEX) == wallet


@pytest.mark.parametrize(("curve", "scheme"), [("secp256k1", 1), ("p256", 2), ("P-256", 2)])
def test_generate_on_each_curve(curve: str, scheme: int) -> None:
    a, b = Wallet.generate(curve), Wallet.generate(curve)
    assert a.key.scheme == Scheme(scheme)
    assert a.public_key[0] == scheme
    assert a.address != b.address
    assert a.address.startswith("0x") and len(a.address) == 42


def test_bad_keys_and_curves_say_what_is_wrong() -> None:
    with pytest.raises(WalletError, match="unknown curve 'ed25519'"):
        Wallet.generate("ed25519")
    with pytest.raises(WalletError, match="64 hex digits"):
        Wallet.from_private_key("zz")
    with pytest.raises(WalletError, match="out of range"):
        Wallet.from_private_key("00" * 32)


def test_repr_never_shows_the_key() -> None:
    wallet = Wallet.from_private_key(DEV0_HEX)
    assert DEV0_HEX not in repr(wallet)
    assert str(dev_key(0).secret) not in repr(wallet)
    assert DEV0_ADDRESS in repr(wallet)


def test_save_and_load_round_trip_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "gate.key"
    wallet = Wallet.generate("p256")
    wallet.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document == {
        "curve": "p256",
        "private_key": wallet.private_key_hex(),
        "address": wallet.address,
    }
    assert Wallet.load(path) == wallet
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_save_does_not_overwrite_unless_told(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    first = Wallet.generate()
    first.save(path)
    with pytest.raises(WalletError, match="already exists"):
        Wallet.generate().save(path)
    assert Wallet.load(path) == first
    second = Wallet.generate()
    second.save(path, overwrite=True)
    assert Wallet.load(path) == second


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_load_refuses_a_key_file_others_can_read(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "k.json"
    Wallet.generate().save(path)
    os.chmod(path, mode)
    with pytest.raises(WalletError) as caught:
        Wallet.load(path)
    assert f"mode {mode:04o}" in str(caught.value)
    assert f"chmod 600 {path}" in str(caught.value)


def test_load_rejects_broken_files(tmp_path: Path) -> None:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        path.chmod(0o600)
        return path

    with pytest.raises(WalletError, match="not a readable JSON key file"):
        Wallet.load(write("a", "{not json"))
    with pytest.raises(WalletError, match="neither a JSON key file nor"):
        Wallet.load(write("a2", "hello"))
    with pytest.raises(WalletError, match="no 'private_key'"):
        Wallet.load(write("b", '{"curve": "p256"}'))
    lying = json.dumps({"curve": "secp256k1", "private_key": DEV0_HEX, "address": "0x" + "11" * 20})
    with pytest.raises(WalletError, match="says address 0x1111"):
        Wallet.load(write("c", lying))
    with pytest.raises(WalletError, match="cannot read key file"):
        Wallet.load(tmp_path / "missing")
    # The minimal form {curve, private_key} loads, and so does the node's key file text form.
    minimal = json.dumps({"curve": "secp256k1", "private_key": DEV0_HEX})
    assert Wallet.load(write("d", minimal)).address == DEV0_ADDRESS
    assert Wallet.load(write("e", f"0x{DEV0_HEX}\n")).address == DEV0_ADDRESS
    p256 = Wallet.generate("p256")
    assert Wallet.load(write("f", f"p256:{p256.private_key_hex()}")) == p256


def test_sign_transaction_makes_a_tx_the_chain_accepts() -> None:
    wallet = Wallet.from_private_key(DEV0_HEX)
    body = TxBody(
        chain_id="vmchain-dev",
        sender=wallet.address_bytes,
        first_valid=1,
        last_valid=1000,
        gas_limit=intrinsic_gas(80),
        gas_price=0,
        payload=Transfer(to=b"\xb0" * 20, amount=5),
        note=b"n",
    )
    tx = wallet.sign_transaction(body)
    assert decode_signed(tx.encoded) == tx
    assert tx.public_key == wallet.public_key
    other = Wallet.generate()
    with pytest.raises(ValueError, match="is not the body's sender"):
        other.sign_transaction(body)
