"""vmchain: a deterministic contract VM and proof-of-authority payments chain.

The package is layered (see docs/architecture.md); lower layers never import higher ones:
encoding, crypto -> state, vm -> lang -> chain -> node, client -> cli, sim.
"""

__version__ = "0.1.0"
