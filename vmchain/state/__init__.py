"""World state: KV stores, the Merkle Patricia trie and the account/storage namespaces."""
