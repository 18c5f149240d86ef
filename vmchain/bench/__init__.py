"""`vmchain bench`: a load generator against a running node, with exact latency percentiles.

stats.py (nearest-rank percentiles over integer microseconds) and schedule.py (the mix of
kinds, the open-loop send times) are pure; report.py turns what happened to each operation into
the report `vmchain bench` prints and writes as JSON; fleet.py sets up the gates, vehicles and
contracts; load.py drives the load (threads, gRPC).
"""
