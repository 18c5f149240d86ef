"""Hostile-input tests: fuzzed RPCs, bad signatures, floods and abusive contracts on real nodes."""
