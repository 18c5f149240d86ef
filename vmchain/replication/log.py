"""Where the replicated chain lives in etcd: the key layout of the shared block log.

Under one prefix per chain (default ``/vmchain/<chain id>/``):

- ``genesis``: the genesis block's hash, written once by the first node; a node whose genesis
  differs refuses to join.
- ``blocks/<height>``: each sealed block's canonical bytes (chain.block.Block.to_bytes), the
  height as 20 decimal digits so that key order is height order. Only the sealer writes here,
  each height once (a create-if-absent txn guarded by its election key).
- ``sealer``: the v3election election; the leader's value is its advertised gRPC address.
"""

from __future__ import annotations

from dataclasses import dataclass

HEIGHT_DIGITS = 20


class LogKeyError(ValueError):
    """A key under blocks/ that is not a block height."""


@dataclass(frozen=True, slots=True)
class LogKeys:
    """The keys of one chain's log under `prefix` (ends with '/')."""

    prefix: bytes

    @classmethod
    def for_chain(cls, chain_id: str, root: str = "/vmchain/") -> LogKeys:
        return cls(f"{root.rstrip('/')}/{chain_id}/".encode())

    @property
    def genesis(self) -> bytes:
        return self.prefix + b"genesis"

    @property
    def election(self) -> bytes:
        return self.prefix + b"sealer"

    @property
    def blocks_prefix(self) -> bytes:
        return self.prefix + b"blocks/"

    @property
    def blocks_end(self) -> bytes:
        """The range end just past every block key ('blocks0' sorts after 'blocks/...')."""
        return self.prefix + b"blocks0"

    def block(self, height: int) -> bytes:
        return self.blocks_prefix + b"%0*d" % (HEIGHT_DIGITS, height)

    def height_of(self, key: bytes) -> int:
        digits = key[len(self.blocks_prefix) :]
        if not key.startswith(self.blocks_prefix) or len(digits) != HEIGHT_DIGITS:
            raise LogKeyError(f"{key!r} is not a block key under {self.blocks_prefix!r}")
        if not digits.isdigit():
            raise LogKeyError(f"{key!r} is not a block key under {self.blocks_prefix!r}")
        return int(digits)
