"""Replication of the chain through an external consensus service (DESIGN.md section 14).

`etcd` is the client for etcd's v3 gRPC API that replicated node mode is built on; the other
`etcd_*` modules are its parts (errors, value types, endpoint failover, watch, lease keepalive).
"""
