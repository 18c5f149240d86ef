"""Encrypted keystores: the format (crypto/keystore.py), Wallet.load/save, `vmchain keys`."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vmchain.cli.main import main
from vmchain.client import Wallet, WalletError
from vmchain.crypto.keystore import (
    LIGHT_SCRYPT,
    KeystoreError,
    ScryptParams,
    WrongPassphrase,
    is_keystore,
    open_keystore,
    seal,
)

SECRET = bytes(range(32))
ADDRESS = "0x" + "ab" * 20
PASSPHRASE = "correct horse"
# seal(SECRET, secp256k1, ADDRESS, PASSPHRASE, salt=0*16, nonce=0*12, n=4096 r=8 p=1)
PINNED_CIPHERTEXT = (
    "31a6fc66d3d3e99912acfc0f13cb66f353d6866e23b2f4dec771bd3db5d23948"
    "4da27982de0a1bd4c44955b9d94f0c86"
)


def pinned() -> dict[str, Any]:
    return seal(
        SECRET,
        curve="secp256k1",
        address=ADDRESS,
        passphrase=PASSPHRASE,
        salt=bytes(16),
        nonce=bytes(12),
        params=LIGHT_SCRYPT,
    )


def test_the_format_is_pinned_and_matches_a_reference() -> None:
    document = pinned()
    assert document == {
        "version": 1,
        "kind": "vmchain-keystore",
        "curve": "secp256k1",
        "address": ADDRESS,
        "kdf": {"name": "scrypt", "n": 4096, "r": 8, "p": 1, "dklen": 32, "salt": "00" * 16},
        "cipher": {"name": "aes-256-gcm", "nonce": "00" * 12},
        "ciphertext": PINNED_CIPHERTEXT,
    }
    # The same bytes from hashlib's scrypt and the documented associated data.
    key = hashlib.scrypt(PASSPHRASE.encode(), salt=bytes(16), n=4096, r=8, p=1, dklen=32)
    aad = json.dumps(
        {"address": ADDRESS, "curve": "secp256k1", "kind": "vmchain-keystore", "version": 1},
        separators=(",", ":"),
    ).encode()
    assert AESGCM(key).encrypt(bytes(12), SECRET, aad).hex() == PINNED_CIPHERTEXT
    opened = open_keystore(document, PASSPHRASE, "k.json")
    assert (opened.curve, opened.address, opened.secret) == ("secp256k1", ADDRESS, SECRET)
    assert is_keystore(document) and not is_keystore({"private_key": "00"})


def test_a_wrong_passphrase_or_an_edited_header_fails_the_tag() -> None:
    with pytest.raises(WrongPassphrase, match=r"^wrong passphrase for k\.json$"):
        open_keystore(pinned(), "correct horse ", "k.json")
    for field, value in (("address", "0x" + "cd" * 20), ("curve", "p256")):
        edited = pinned() | {field: value}
        with pytest.raises(WrongPassphrase, match=r"wrong passphrase for k\.json"):
            open_keystore(edited, PASSPHRASE, "k.json")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"version": 2}, "keystore version 2 unknown"),
        ({"kdf": {"name": "pbkdf2"}}, "kdf must be scrypt"),
        ({"cipher": {"name": "aes-128-ctr", "nonce": "00"}}, "cipher must be aes-256-gcm"),
        ({"ciphertext": "zz"}, "malformed keystore"),
        ({"address": 7}, "malformed keystore"),
        ({"kind": "other"}, "is not a vmchain keystore"),
    ],
)
def test_malformed_keystores_are_named(edit: dict[str, Any], message: str) -> None:
    with pytest.raises(KeystoreError, match=message):
        open_keystore(pinned() | edit, PASSPHRASE, "k.json")


def test_scrypt_costs_are_bounded() -> None:
    huge = pinned()
    huge["kdf"] = huge["kdf"] | {"n": 1 << 24}
    with pytest.raises(KeystoreError, match="scrypt parameters n=16777216 r=8 p=1 are out of"):
        open_keystore(huge, PASSPHRASE, "k.json")
    with pytest.raises(KeystoreError, match="out of range"):
        ScryptParams(n=1000).check("k")
    with pytest.raises(KeystoreError, match="passphrase is empty"):
        seal(SECRET, curve="p256", address=ADDRESS, passphrase="", salt=bytes(16), nonce=bytes(12))


# -- Wallet ---------------------------------------------------------------------------------


def test_wallet_saves_and_loads_an_encrypted_keystore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMCHAIN_PASSPHRASE", raising=False)
    wallet = Wallet.from_private_key("11" * 32, "p256")
    path = wallet.save(tmp_path / "gate.json", passphrase=PASSPHRASE, scrypt=LIGHT_SCRYPT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    document = json.loads(text)
    assert (document["address"], document["curve"]) == (wallet.address, "p256")
    assert len(bytes.fromhex(document["kdf"]["salt"])) == 16
    assert "11" * 32 not in text and PASSPHRASE not in text
    assert Wallet.load(path, passphrase=PASSPHRASE).private_key_hex() == "11" * 32
    with pytest.raises(WalletError, match=f"^wrong passphrase for {path}$"):
        Wallet.load(path, passphrase="nope")
    with pytest.raises(WalletError, match=r"is an encrypted keystore: give its passphrase"):
        Wallet.load(path)
    monkeypatch.setenv("VMCHAIN_PASSPHRASE", PASSPHRASE)
    assert Wallet.load(path).address == wallet.address
    other = wallet.save(tmp_path / "again.json", passphrase=PASSPHRASE, scrypt=LIGHT_SCRYPT)
    assert json.loads(other.read_text())["kdf"]["salt"] != document["kdf"]["salt"]
    path.chmod(0o640)
    with pytest.raises(WalletError, match=f"mode 0640.*Run: chmod 600 {path}"):
        Wallet.load(path, passphrase=PASSPHRASE)


def test_plain_key_files_keep_working(tmp_path: Path) -> None:
    wallet = Wallet.from_private_key("22" * 32)
    path = wallet.save(tmp_path / "plain.json")
    assert json.loads(path.read_text())["private_key"] == "22" * 32
    assert Wallet.load(path, passphrase="ignored").address == wallet.address


# -- vmchain keys -----------------------------------------------------------------------------


def secret_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_keys_new_encrypt_and_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMCHAIN_PASSPHRASE", raising=False)
    pw = secret_file(tmp_path / "pw", PASSPHRASE + "\n")
    path = tmp_path / "node.json"
    new = ("keys", "new", str(path), "--encrypt", "--passphrase-file", str(pw), "--json")
    code, out, _ = run(capsys, *new)
    assert code == 0
    created = json.loads(out)
    assert created["encrypted"] is True and stat.S_IMODE(path.stat().st_mode) == 0o600
    wallet = Wallet.load(path, passphrase=PASSPHRASE)  # the trailing newline is not part of it
    assert created["address"] == wallet.address
    assert wallet.private_key_hex() not in out + path.read_text()

    code, out, _ = run(capsys, "keys", "show", str(path), "--json")  # no passphrase needed
    assert (code, json.loads(out)) == (
        0,
        {"file": str(path), "address": wallet.address, "curve": "secp256k1", "encrypted": True},
    )
    code, out, err = run(capsys, "keys", "show", str(path), "--private", "--json")
    assert code == 1 and "needs a passphrase: use --passphrase-file FILE or set" in err
    assert run(capsys, "keys", "show", str(path), "--private", "--passphrase-file", str(pw))[0] == 0
    monkeypatch.setenv("VMCHAIN_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "keys", "show", str(path), "--private", "--json")
    assert json.loads(out)["private_key"] == wallet.private_key_hex()
    monkeypatch.setenv("VMCHAIN_PASSPHRASE", "wrong")
    code, out, err = run(capsys, "keys", "show", str(path), "--private")
    assert code == 1 and f"wrong passphrase for {path}" in out + err
    assert "wrong" not in (out + err).replace("wrong passphrase", "")


def test_keys_passphrase_sources_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMCHAIN_PASSPHRASE", raising=False)
    loose = secret_file(tmp_path / "pw", PASSPHRASE, mode=0o644)
    path = tmp_path / "k.json"
    code, _, err = run(
        capsys, "keys", "new", str(path), "--encrypt", "--passphrase-file", str(loose)
    )
    assert code == 1 and "has mode 0644" in err and f"chmod 600 {loose}" in err
    code, _, err = run(capsys, "keys", "new", str(path), "--encrypt")
    assert code == 1 and "needs a passphrase" in err
    empty = secret_file(tmp_path / "empty", "")
    code, _, err = run(
        capsys, "keys", "new", str(path), "--encrypt", "--passphrase-file", str(empty)
    )
    assert code == 1 and "is empty" in err
    code, _, err = run(capsys, "keys", "new", str(path), "--passphrase-file", str(empty))
    assert code == 2 and "--passphrase-file is for --encrypt" in err
    assert not path.exists()
    for flag in ("--passphrase", "--pass", "--passphrase=hunter2"):  # never an argument
        with pytest.raises(SystemExit) as exited:
            main(["keys", "new", str(path), "--encrypt", flag, "hunter2"])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "hunter2" not in err
        assert "never given on the command line" in err or "ambiguous option: --pass" in err
    assert not os.path.exists(path)
