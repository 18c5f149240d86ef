"""An in-process chain for fast contract unit tests, without a node (like Foundry or Hardhat).

    from vmchain.testing import LocalChain
    chain = LocalChain()
    owner, car = chain.accounts[:2]
    parking = chain.deploy("contracts/parking.py", sender=owner)
    parking.transact("deposit", sender=car, value=500)
    chain.advance(3600)
    parking.call("deposit_of", car.address)  # typed, read-only

It is the real chain (`chain.ledger.Ledger` over a memory store, the dev genesis): every
`transact` seals one block at the chain's current time, which moves only when told.
"""

from vmchain.testing.chain import (
    Account,
    CallFailed,
    Deployed,
    EventRecord,
    LocalChain,
    Receipt,
    TransactionFailed,
)

__all__ = [
    "Account",
    "CallFailed",
    "Deployed",
    "EventRecord",
    "LocalChain",
    "Receipt",
    "TransactionFailed",
]
