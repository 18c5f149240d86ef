"""Fresh private key material from the operating system's CSPRNG.

The one module of the crypto layer that reads the environment; consensus code never calls it.
"""

from __future__ import annotations

import secrets


def random_secret(order: int) -> int:
    """A uniformly random integer in [1, order - 1]."""
    return secrets.randbelow(order - 1) + 1
