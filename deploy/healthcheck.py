"""Container and systemd health check: ask the node's standard gRPC health service.

    python deploy/healthcheck.py [HOST:PORT]

HOST:PORT defaults to $VMCHAIN_HEALTH_ADDRESS, else 127.0.0.1:50051.

Exit 0 when `vmchain.v1.Node` answers SERVING, 1 otherwise (NOT_SERVING after a store error or
during shutdown, unreachable, timed out). With TLS on the node, set VMCHAIN_HEALTH_CA to the CA
file (and VMCHAIN_HEALTH_CERT / VMCHAIN_HEALTH_KEY for mutual TLS).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVICE = "vmchain.v1.Node"
TIMEOUT_S = 3.0


def _channel(address: str) -> grpc.Channel:
    ca = os.environ.get("VMCHAIN_HEALTH_CA")
    if not ca:
        return grpc.insecure_channel(address)
    cert = os.environ.get("VMCHAIN_HEALTH_CERT")
    key = os.environ.get("VMCHAIN_HEALTH_KEY")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=Path(ca).read_bytes(),
        private_key=Path(key).read_bytes() if key else None,
        certificate_chain=Path(cert).read_bytes() if cert else None,
    )
    return grpc.secure_channel(address, credentials)


def check(address: str) -> int:
    """0 when the node is SERVING, 1 otherwise (the reason on stderr)."""
    with _channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=TIMEOUT_S)
        except grpc.RpcError as exc:
            print(f"unhealthy: {address}: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"unhealthy: {address}: {SERVICE} is {status}", file=sys.stderr)
        return 1
    print(f"healthy: {address}: {SERVICE} is {status}")
    return 0


if __name__ == "__main__":
    default = os.environ.get("VMCHAIN_HEALTH_ADDRESS", "127.0.0.1:50051")
    sys.exit(check(sys.argv[1] if len(sys.argv) > 1 else default))
