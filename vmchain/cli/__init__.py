"""The vmchain command line."""
