"""Transactions, blocks, genesis, the executor, the mempool, the sealer and the chain store."""
