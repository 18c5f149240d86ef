"""Encrypted keystores: a private key sealed with a passphrase (scrypt + AES-256-GCM).

The one definition of the keystore format, shared by the wallet (client/wallet.py) and the node
key loader (cli `vmchain node --node-key`). Pure: the caller hands in the random salt and nonce
(`os.urandom` at the edge), so this module reads no clock, randomness or files. A keystore is a
JSON object:

    {
      "version": 1,
      "kind": "vmchain-keystore",
      "curve": "secp256k1" | "p256",
      "address": "0x<40 hex>",                      # in clear, to identify the file
      "kdf": {"name": "scrypt", "n": 131072, "r": 8, "p": 1, "dklen": 32, "salt": "<32 hex>"},
      "cipher": {"name": "aes-256-gcm", "nonce": "<24 hex>"},
      "ciphertext": "<hex of the 32-byte key || 16-byte GCM tag>"
    }

The key is derived with scrypt(passphrase UTF-8, salt, n, r, p) and the private key's 32 bytes are
sealed with AES-256-GCM; the associated data is the canonical JSON of version, kind, curve and
address, so editing the clear address (or the curve) makes decryption fail like a wrong
passphrase would. A wrong passphrase is a GCM tag failure: `WrongPassphrase`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from vmchain.crypto.errors import CryptoError

VERSION = 1
KIND = "vmchain-keystore"
KDF_NAME = "scrypt"
CIPHER_NAME = "aes-256-gcm"
KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
MAX_SCRYPT_N = 1 << 20  # 1 GiB at r=8: refuse files that would exhaust memory


class KeystoreError(CryptoError):
    """A keystore document that is malformed or uses an unknown version, KDF or cipher."""


class WrongPassphrase(KeystoreError):
    """The passphrase does not open the keystore (or the file was tampered with)."""


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost: memory is 128 * n * r bytes. The default is ~128 MiB and ~0.5 s."""

    n: int = 1 << 17
    r: int = 8
    p: int = 1

    def check(self, source: str) -> None:
        n_ok = 2 <= self.n <= MAX_SCRYPT_N and self.n & (self.n - 1) == 0
        if not n_ok or not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise KeystoreError(
                f"{source}: scrypt parameters n={self.n} r={self.r} p={self.p} are out of range "
                f"(n a power of two up to {MAX_SCRYPT_N}, r 1-32, p 1-16)"
            )


DEFAULT_SCRYPT = ScryptParams()
LIGHT_SCRYPT = ScryptParams(n=1 << 12, r=8, p=1)  # tests only: ~4 MiB


@dataclass(frozen=True, slots=True)
class Opened:
    """What a keystore holds: the curve name, the address text and the 32 secret bytes."""

    curve: str
    address: str
    secret: bytes


def is_keystore(document: Any) -> bool:
    """Whether a parsed JSON document is an encrypted keystore (rather than a plain key file)."""
    return isinstance(document, dict) and document.get("kind") == KIND


def _aad(curve: str, address: str) -> bytes:
    header = {"version": VERSION, "kind": KIND, "curve": curve, "address": address}
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _derive(passphrase: str, salt: bytes, params: ScryptParams) -> bytes:
    kdf = Scrypt(salt=salt, length=KEY_BYTES, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase.encode("utf-8"))


def seal(
    secret: bytes,
    *,
    curve: str,
    address: str,
    passphrase: str,
    salt: bytes,
    nonce: bytes,
    params: ScryptParams = DEFAULT_SCRYPT,
) -> dict[str, Any]:
    """The keystore document for `secret`; `salt` (16) and `nonce` (12) must be fresh random."""
    if len(secret) != KEY_BYTES or len(salt) != SALT_BYTES or len(nonce) != NONCE_BYTES:
        raise KeystoreError(
            f"seal needs a {KEY_BYTES}-byte secret, {SALT_BYTES}-byte salt and "
            f"{NONCE_BYTES}-byte nonce"
        )
    if not passphrase:
        raise KeystoreError("the passphrase is empty; choose one")
    params.check("keystore")
    sealed = AESGCM(_derive(passphrase, salt, params)).encrypt(nonce, secret, _aad(curve, address))
    return {
        "version": VERSION,
        "kind": KIND,
        "curve": curve,
        "address": address,
        "kdf": {
            "name": KDF_NAME,
            "n": params.n,
            "r": params.r,
            "p": params.p,
            "dklen": KEY_BYTES,
            "salt": salt.hex(),
        },
        "cipher": {"name": CIPHER_NAME, "nonce": nonce.hex()},
        "ciphertext": sealed.hex(),
    }


def open_keystore(document: Any, passphrase: str, source: str) -> Opened:
    """Decrypt a keystore document; `source` names it in errors (e.g. the file path).

    Raises WrongPassphrase when the GCM tag does not verify, KeystoreError when the document is
    malformed. Messages never contain the passphrase or key material.
    """
    fields = _fields(document, source)
    curve, address, params, salt, nonce, sealed = fields
    try:
        secret = AESGCM(_derive(passphrase, salt, params)).decrypt(
            nonce, sealed, _aad(curve, address)
        )
    except InvalidTag:
        raise WrongPassphrase(f"wrong passphrase for {source}") from None
    if len(secret) != KEY_BYTES:
        raise KeystoreError(f"{source}: the keystore holds {len(secret)} bytes, not a key")
    return Opened(curve, address, secret)


def _fields(document: Any, source: str) -> tuple[str, str, ScryptParams, bytes, bytes, bytes]:
    if not is_keystore(document):
        raise KeystoreError(f"{source} is not a vmchain keystore")
    if document.get("version") != VERSION:
        raise KeystoreError(f"{source}: keystore version {document.get('version')!r} unknown")
    kdf, cipher = document.get("kdf"), document.get("cipher")
    if not isinstance(kdf, dict) or kdf.get("name") != KDF_NAME:
        raise KeystoreError(f"{source}: the keystore's kdf must be scrypt")
    if not isinstance(cipher, dict) or cipher.get("name") != CIPHER_NAME:
        raise KeystoreError(f"{source}: the keystore's cipher must be {CIPHER_NAME}")
    try:
        curve, address = document["curve"], document["address"]
        params = ScryptParams(n=kdf["n"], r=kdf["r"], p=kdf["p"])
        salt = bytes.fromhex(kdf["salt"])
        nonce = bytes.fromhex(cipher["nonce"])
        sealed = bytes.fromhex(document["ciphertext"])
        typed = isinstance(curve, str) and isinstance(address, str)
        ints = all(type(v) is int for v in (params.n, params.r, params.p))
        if not typed or not ints or kdf.get("dklen", KEY_BYTES) != KEY_BYTES:
            raise TypeError("bad field type")
    except (KeyError, TypeError, ValueError):
        raise KeystoreError(f"{source}: malformed keystore (a field is missing or bad)") from None
    params.check(source)
    if len(salt) < SALT_BYTES or len(nonce) != NONCE_BYTES:
        raise KeystoreError(f"{source}: malformed keystore (salt or nonce has a bad length)")
    return curve, address, params, salt, nonce, sealed
