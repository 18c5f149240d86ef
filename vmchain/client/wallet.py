"""Wallets: a private key that signs transactions, and its key file.

A key file is either plain JSON `{"curve": "secp256k1" | "p256", "private_key": "<64 hex>",
"address": "0x…"}` or, when saved with a passphrase, an encrypted keystore (scrypt + AES-256-GCM,
format in vmchain/crypto/keystore.py). Both are written atomically with mode 0600; `load` also
reads the node's key file text form `[curve:][0x]<64 hex>`, and refuses a file that group or
others may read (saying how to fix it). A keystore is opened with the `passphrase` argument or,
when that is None, the `VMCHAIN_PASSPHRASE` environment variable. Nothing here logs or prints the
key or the passphrase; `repr(wallet)` shows only the address.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vmchain.chain.tx import Tx, TxBody, sign_body
from vmchain.client.errors import WalletError
from vmchain.crypto import CryptoError, PrivateKey, Scheme, address_to_text, scheme_from_name
from vmchain.crypto.keystore import (
    DEFAULT_SCRYPT,
    NONCE_BYTES,
    SALT_BYTES,
    KeystoreError,
    ScryptParams,
    is_keystore,
    open_keystore,
    seal,
)

KEY_FILE_MODE = 0o600
PASSPHRASE_ENV = "VMCHAIN_PASSPHRASE"
CURVE_NAMES: dict[Scheme, str] = {Scheme.SECP256K1: "secp256k1", Scheme.P256: "p256"}


def _scheme(curve: str) -> Scheme:
    try:
        return scheme_from_name(curve)
    except ValueError as exc:
        raise WalletError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class Wallet:
    """A signing key and its address."""

    key: PrivateKey = field(repr=False)
    address: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", address_to_text(self.key.address))

    @classmethod
    def generate(cls, curve: str = "secp256k1") -> Wallet:
        """A fresh key on "secp256k1" or "p256" from the OS CSPRNG."""
        return cls(PrivateKey.generate(_scheme(curve)))

    @classmethod
    def from_private_key(cls, private_key: str | bytes, curve: str = "secp256k1") -> Wallet:
        """From 32 bytes or 64 hex digits (an optional 0x prefix is allowed)."""
        raw = private_key
        if isinstance(raw, str):
            digits = raw[2:] if raw.startswith("0x") else raw
            try:
                raw = bytes.fromhex(digits)
            except ValueError:
                raise WalletError("private key must be 64 hex digits") from None
        try:
            return cls(PrivateKey.from_bytes(_scheme(curve), raw))
        except CryptoError as exc:
            raise WalletError(f"bad {curve} private key: {exc}") from None

    @property
    def curve(self) -> str:
        return CURVE_NAMES[self.key.scheme]

    @property
    def address_bytes(self) -> bytes:
        return self.key.address

    @property
    def public_key(self) -> bytes:
        """34 bytes: scheme byte || compressed point."""
        return self.key.public_key

    def private_key_hex(self) -> str:
        """The secret as 64 hex digits. Show it only on the user's explicit request."""
        return self.key.to_bytes().hex()

    def sign_transaction(self, body: TxBody) -> Tx:
        """Serialize `body` canonically and sign it; the body's sender must be this wallet."""
        return sign_body(self.key, body)

    # -- key files ---------------------------------------------------------------------------

    def to_json(
        self, passphrase: str | None = None, *, scrypt: ScryptParams = DEFAULT_SCRYPT
    ) -> str:
        """The key file text: plain JSON, or with `passphrase` an encrypted keystore (fresh
        random salt and nonce from the OS)."""
        document: dict[str, Any]
        if passphrase is None:
            document = {
                "curve": self.curve,
                "private_key": self.private_key_hex(),
                "address": self.address,
            }
        else:
            try:
                document = seal(
                    self.key.to_bytes(),
                    curve=self.curve,
                    address=self.address,
                    passphrase=passphrase,
                    salt=os.urandom(SALT_BYTES),
                    nonce=os.urandom(NONCE_BYTES),
                    params=scrypt,
                )
            except KeystoreError as exc:
                raise WalletError(str(exc)) from None
        return json.dumps(document, indent=2) + "\n"

    def save(
        self,
        path: str | Path,
        *,
        overwrite: bool = False,
        passphrase: str | None = None,
        scrypt: ScryptParams = DEFAULT_SCRYPT,
    ) -> Path:
        """Write the key file with mode 0600 (atomically; never over an existing file unless
        `overwrite`); encrypted with `passphrase` when one is given."""
        text = self.to_json(passphrase, scrypt=scrypt)
        target = Path(path)
        if target.exists() and not overwrite:
            raise WalletError(f"key file {target} already exists; not overwriting it")
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
        except OSError as exc:
            raise WalletError(f"cannot create key file {target}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), KEY_FILE_MODE)
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise WalletError(f"cannot write key file {target}: {exc.strerror}") from None
        return target

    @staticmethod
    def check_mode(path: str | Path) -> None:
        """Refuse a key file that group or others may access, saying how to fix it."""
        source = Path(path)
        try:
            mode = source.stat().st_mode
        except OSError as exc:
            raise WalletError(f"cannot read key file {source}: {exc.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise WalletError(
                f"key file {source} is accessible by group or others (mode "
                f"{stat.S_IMODE(mode):04o}); refusing to use it. Run: chmod 600 {source}"
            )

    @classmethod
    def load(cls, path: str | Path, passphrase: str | None = None) -> Wallet:
        """Read a key file; refuses one that group or others may read. An encrypted keystore
        is opened with `passphrase`, or $VMCHAIN_PASSPHRASE when that is None."""
        source = Path(path)
        cls.check_mode(source)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise WalletError(f"key file {source} is not a readable text file") from None
        if not text.lstrip().startswith("{"):
            return cls._from_text(text, source)
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            raise WalletError(f"key file {source} is not a readable JSON key file") from None
        if is_keystore(document):
            return cls._from_keystore(document, source, passphrase)
        return cls._from_document(document, source)

    @classmethod
    def _from_keystore(cls, document: Any, source: Path, passphrase: str | None) -> Wallet:
        if passphrase is None:
            passphrase = os.environ.get(PASSPHRASE_ENV)
        if passphrase is None:
            raise WalletError(
                f"key file {source} is an encrypted keystore: give its passphrase "
                f"(--passphrase-file FILE or ${PASSPHRASE_ENV})"
            )
        try:
            opened = open_keystore(document, passphrase, str(source))
        except KeystoreError as exc:
            raise WalletError(str(exc)) from None
        wallet = cls.from_private_key(opened.secret, opened.curve)
        if wallet.address != opened.address:
            raise WalletError(
                f"key file {source} says address {opened.address} but its key is {wallet.address}"
            )
        return wallet

    @classmethod
    def _from_text(cls, text: str, source: Path) -> Wallet:
        """The node key file form: `[curve:][0x]<64 hex digits>`."""
        curve, _, digits = text.strip().rpartition(":")
        digits = digits.strip().removeprefix("0x")
        if len(digits) != 64:
            raise WalletError(
                f"key file {source} is neither a JSON key file nor '[curve:]<64 hex digits>'"
            )
        return cls.from_private_key(digits, curve.strip() or "secp256k1")

    @classmethod
    def _from_document(cls, document: Any, source: Path) -> Wallet:
        if not isinstance(document, dict) or not isinstance(document.get("private_key"), str):
            raise WalletError(f"key file {source} has no 'private_key' hex string")
        curve = document.get("curve", "secp256k1")
        if not isinstance(curve, str):
            raise WalletError(f"key file {source}: 'curve' must be a string")
        wallet = cls.from_private_key(document["private_key"], curve)
        stated = document.get("address")
        if stated is not None and stated != wallet.address:
            raise WalletError(
                f"key file {source} says address {stated} but its key is {wallet.address}"
            )
        return wallet
