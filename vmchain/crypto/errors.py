"""Errors raised by the crypto layer. Each message says what was wrong with the input."""


class CryptoError(ValueError):
    """Base class: a key, address or signature that cannot be used."""


class InvalidKey(CryptoError):
    """A public or private key that is malformed, of an unknown scheme, or not on its curve."""


class InvalidAddress(CryptoError):
    """An address that is not 20 bytes, or text that is not `0x` + 40 lowercase hex digits."""
