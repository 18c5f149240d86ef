"""Canonical byte encodings shared by the trie, transactions and the ABI. Pure."""
