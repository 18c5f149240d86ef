"""Opcode handlers, grouped by family."""
