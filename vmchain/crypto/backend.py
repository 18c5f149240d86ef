"""What a signature backend provides: three functions over raw curve values.

Every backend signs with RFC 6979 deterministic nonces and low-S normalisation, and verifies
only canonical signatures (1 <= r < n, 1 <= s <= n/2) over a 32-byte digest. Verification never
raises: any malformed input is simply not a valid signature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Backend(NamedTuple):
    """One implementation of one curve."""

    name: str
    public_point: Callable[[int], bytes]  # secret -> 33-byte compressed point
    sign_digest: Callable[[int, bytes], bytes]  # (secret, digest32) -> r || s (low-S)
    verify_digest: Callable[[bytes, bytes, bytes], bool]  # (point33, digest32, sig64) -> ok
    valid_point: Callable[[bytes], bool]  # point33 -> on the curve
