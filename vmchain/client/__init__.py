"""The Python SDK used by gates, vehicles, chargers and operators."""
