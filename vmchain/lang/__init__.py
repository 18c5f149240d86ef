"""The contract language: a Python subset compiled to VM modules, and the ABI."""
