"""Generated protobuf and gRPC code. Do not edit: regenerate with scripts/gen_protos.py."""
