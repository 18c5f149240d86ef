"""The gRPC node: servicers, server wiring, metrics, configuration and dev controls."""
