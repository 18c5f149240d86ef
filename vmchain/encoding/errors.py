"""Errors raised when bytes are not the one canonical encoding of a value."""

from __future__ import annotations


class EncodingError(ValueError):
    """Bytes that do not decode to a value, or a value that cannot be encoded."""


class Truncated(EncodingError):
    """The input ends before the encoded value does."""


class NonCanonical(EncodingError):
    """The input decodes, but is not the one canonical form of its value."""


class OutOfRange(EncodingError):
    """The value is negative or above the largest value the encoding allows."""
