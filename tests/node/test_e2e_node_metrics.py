"""End to end: scrape the real /metrics endpoint; every DESIGN.md section 12 name exists and moves.

The names are an API: this test fails when one disappears or is renamed.
"""

from __future__ import annotations

import re

import grpc
import pytest
from node_helpers import KEYS, NodeProcess, assert_rpc_error, call, deploy, submit, transfer
from prometheus_client.parser import text_string_to_metric_families

from vmchain._proto.vmchain.v1 import node_pb2 as npb
from vmchain.chain.tx import signed_message
from vmchain.crypto import PrivateKey, Scheme
from vmchain.encoding import abi
from vmchain.node.metrics import METRIC_NAMES

pytestmark = pytest.mark.e2e

EXPECTED = (
    "vmchain_chain_height",
    "vmchain_last_block_timestamp_seconds",
    "vmchain_block_seal_seconds",
    "vmchain_block_transactions",
    "vmchain_block_gas_used",
    "vmchain_transactions_total",
    "vmchain_tx_rejected_total",
    "vmchain_tx_inclusion_seconds",
    "vmchain_mempool_transactions",
    "vmchain_mempool_bytes",
    "vmchain_vm_gas_total",
    "vmchain_state_commit_seconds",
    "vmchain_grpc_requests_total",
    "vmchain_grpc_request_seconds",
    "vmchain_contract_events_total",
)


def sample(text: str, name: str, labels: str = "") -> float:
    """The value of one sample (labels like 'status="SUCCESS",x="y"', any order); 0 if absent."""
    wanted = set(labels.split(",")) if labels else set()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found = {f'{k}="{v}"' for k, v in s.labels.items()}
            if s.name == name and found == wanted:
                return float(s.value)
    return 0.0


def test_metric_names_are_the_design_api() -> None:
    assert METRIC_NAMES == EXPECTED


def test_metrics_exist_and_move(dev_node: NodeProcess) -> None:
    node = dev_node.node
    before = dev_node.scrape()
    for name in EXPECTED:
        base = name.removesuffix("_total")
        assert re.search(rf"^# TYPE ({name}|{base}) ", before, re.M), name
    to = PrivateKey.from_int(Scheme.SECP256K1, 31337).address
    tx = transfer(node, KEYS[6], to, 5, gas_price=1, note=b"metrics")
    receipt = submit(node, tx).receipt
    contract = submit(node, deploy(node, KEYS[6], note=b"metrics")).receipt.contract_address
    pinged = submit(node, call(node, KEYS[6], contract, "ping", abi.encode([1]), b"m")).receipt
    assert [e.name for e in pinged.events] == ["Ping"]
    bad = signed_message(transfer(node, KEYS[6], to, 5, note=b"metrics-bad"))
    bad.signature = bytes(64)
    assert_rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        "bad_signature",
        node.SubmitTransaction,
        npb.SubmitRequest(tx=bad),
    )
    after = dev_node.scrape()
    assert (
        sample(after, "vmchain_chain_height")
        >= receipt.height
        > sample(before, "vmchain_chain_height")
    )
    assert sample(after, "vmchain_last_block_timestamp_seconds") > 0
    moved = [
        ("vmchain_transactions_total", 'status="SUCCESS"'),
        ("vmchain_tx_rejected_total", 'reason="bad_signature"'),
        ("vmchain_block_seal_seconds_count", ""),
        ("vmchain_state_commit_seconds_count", ""),
        ("vmchain_block_transactions_sum", ""),
        ("vmchain_block_gas_used_sum", ""),
        ("vmchain_tx_inclusion_seconds_count", ""),
        ("vmchain_vm_gas_total", ""),
        ("vmchain_grpc_requests_total", 'method="Node/SubmitTransaction",code="OK"'),
        ("vmchain_grpc_requests_total", 'method="Node/SubmitTransaction",code="INVALID_ARGUMENT"'),
        ("vmchain_contract_events_total", 'event="Ping"'),
        ("vmchain_grpc_request_seconds_count", 'method="Node/SubmitTransaction"'),
    ]
    for name, labels in moved:
        assert sample(after, name, labels) > sample(before, name, labels), (name, labels)
    assert sample(after, "vmchain_vm_gas_total") - sample(before, "vmchain_vm_gas_total") >= (
        receipt.gas_used
    )
    assert "vmchain_mempool_transactions" in after and "vmchain_mempool_bytes" in after
