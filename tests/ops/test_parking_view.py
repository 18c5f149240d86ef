"""The parking view of node/metrics.py, driven by sealed receipts carrying contract events.

Sessions (SessionOpened / SessionClosed and the fee), channel vouchers (ChannelOpened, Redeemed,
ChannelClosed) and the settlement lag, with exact values, and the real parking contract's events
on an in-process chain; events of the same name with another
shape, undecodable data and unrelated events move nothing.
"""

from __future__ import annotations

from pathlib import Path

from vmchain.chain.genesis import DEV_CHAIN_ID as DEV
from vmchain.chain.receipt import Event, Receipt
from vmchain.client import Voucher, Wallet
from vmchain.encoding import abi
from vmchain.lang.compiler import compile_file
from vmchain.node.metrics import BlockStats, Metrics
from vmchain.testing import LocalChain

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
PARKING_CODE = compile_file(CONTRACTS / "parking.py")
CHANNEL_CODE = compile_file(CONTRACTS / "channel.py")

PARKING = b"\x01" * 20
CHANNEL = b"\x02" * 20
CAR_A = b"\xaa" * 20
CAR_B = b"\xbb" * 20


def _event(contract: bytes, name: str, *fields: int | bytes) -> Event:
    return Event(contract=contract, name=name, data=abi.encode(list(fields)), index=0)


def _block(metrics: Metrics, height: int, timestamp_s: int, *events: Event) -> None:
    tx_id = height.to_bytes(32, "big")
    receipt = Receipt(tx_id, height, 0, "SUCCESS", 1, events=events)
    _commit(metrics, height, timestamp_s * 1000, (receipt,))


def _commit(
    metrics: Metrics, height: int, timestamp_ms: int, receipts: tuple[Receipt, ...]
) -> None:
    metrics.block_committed(
        BlockStats(
            height=height,
            timestamp_ms=timestamp_ms,
            gas_used=1,
            receipts=receipts,
            seal_seconds=0.001,
            commit_seconds=0.001,
            inclusion_seconds=(),
        )
    )


def _replay(chain: LocalChain) -> Metrics:
    """A fresh Metrics moved by every block of `chain`, as the runtime moves it."""
    metrics = Metrics()
    for height in range(1, chain.height + 1):
        block = chain.ledger.block(height)
        header = block.block.header
        _commit(metrics, header.height, header.timestamp_ms, block.receipts)
    return metrics


def _value(metrics: Metrics, name: str, labels: dict[str, str] | None = None) -> float:
    value = metrics.registry.get_sample_value(name, labels or {})
    assert value is not None, name
    return float(value)


def test_sessions_fees_and_duration() -> None:
    m = Metrics()
    _block(m, 1, 1_000, _event(PARKING, "SessionOpened", 7, CAR_A, 1_000))
    _block(m, 2, 1_060, _event(PARKING, "SessionOpened", 7, CAR_B, 1_060))
    assert _value(m, "vmchain_parking_sessions_open") == 2
    _block(m, 3, 4_600, _event(PARKING, "SessionClosed", 7, CAR_A, 1_000, 4_600, 250))
    assert _value(m, "vmchain_parking_sessions_opened_total") == 2
    assert _value(m, "vmchain_parking_sessions_closed_total") == 1
    assert _value(m, "vmchain_parking_sessions_open") == 1
    assert _value(m, "vmchain_parking_fees_settled_total") == 250
    assert _value(m, "vmchain_parking_session_duration_seconds_sum") == 3_600
    assert _value(m, "vmchain_parking_session_duration_seconds_bucket", {"le": "3600.0"}) == 1
    assert _value(m, "vmchain_parking_session_duration_seconds_bucket", {"le": "1800.0"}) == 0
    assert _value(m, "vmchain_contract_events_total", {"event": "SessionClosed"}) == 1


def test_a_session_opened_before_the_node_started_does_not_go_negative() -> None:
    m = Metrics()
    _block(m, 1, 50, _event(PARKING, "SessionClosed", 1, CAR_A, 0, 50, 9))
    assert _value(m, "vmchain_parking_sessions_open") == 0
    assert _value(m, "vmchain_parking_sessions_closed_total") == 1
    assert _value(m, "vmchain_parking_fees_settled_total") == 9


def test_vouchers_and_settlement_lag() -> None:
    m = Metrics()
    _block(m, 1, 100, _event(CHANNEL, "ChannelOpened", 1, CAR_A, CAR_B, 1_000, 3_600))
    _block(m, 2, 160, _event(CHANNEL, "Redeemed", 1, 40, 40))
    _block(m, 3, 460, _event(CHANNEL, "Redeemed", 1, 100, 60))
    _block(m, 4, 1_360, _event(CHANNEL, "ChannelClosed", 1, 100, 900))
    _block(m, 5, 1_400, _event(CHANNEL, "Redeemed", 9, 5, 5))  # opened before the node started
    assert _value(m, "vmchain_channel_vouchers_redeemed_total") == 3
    assert _value(m, "vmchain_channel_redeemed_amount_total") == 105
    # lags: 60 (open -> redeem), 300 (redeem -> redeem), 900 (redeem -> close); channel 9 unknown
    assert _value(m, "vmchain_channel_settlement_lag_seconds_count") == 3
    assert _value(m, "vmchain_channel_settlement_lag_seconds_sum") == 1_260


def test_foreign_shapes_and_junk_move_nothing() -> None:
    m = Metrics()
    _block(
        m,
        1,
        10,
        _event(PARKING, "SessionOpened", 1, CAR_A),  # two fields, not three
        Event(contract=PARKING, name="SessionClosed", data=b"\xff\x00", index=1),
        _event(PARKING, "Ping", 1),
    )
    for name in (
        "vmchain_parking_sessions_opened_total",
        "vmchain_parking_sessions_closed_total",
        "vmchain_parking_sessions_open",
        "vmchain_parking_fees_settled_total",
        "vmchain_channel_vouchers_redeemed_total",
    ):
        assert _value(m, name) == 0, name
    assert _value(m, "vmchain_contract_events_total", {"event": "SessionOpened"}) == 1


def test_mempool_capacity_and_store_errors() -> None:
    m = Metrics()
    m.mempool_capacity(50_000, 32 * 1024 * 1024)
    m.store_failed()
    assert _value(m, "vmchain_mempool_capacity_transactions") == 50_000
    assert _value(m, "vmchain_mempool_capacity_bytes") == 32 * 1024 * 1024
    assert _value(m, "vmchain_store_errors_total") == 1


def test_the_real_parking_contract_moves_the_view() -> None:
    """contracts/parking.py on an in-process chain: its events have the shapes the view reads."""
    chain = LocalChain()
    owner, gate, car, other = chain.accounts[:4]
    parking = chain.deploy(PARKING_CODE, sender=owner)
    parking.transact("add_lot", 7, 0, 60, 5, 0, sender=owner)  # no grace, 5 per started minute
    parking.transact("add_gate", 7, gate.address, sender=owner)
    for vehicle in (car, other):
        parking.transact("deposit", sender=vehicle, value=10**6)
        parking.transact("enter", 7, vehicle.address, sender=gate)
    chain.advance(3_600)
    parking.transact("exit", 7, car.address, sender=gate)
    m = _replay(chain)
    assert _value(m, "vmchain_parking_sessions_opened_total") == 2
    assert _value(m, "vmchain_parking_sessions_closed_total") == 1
    assert _value(m, "vmchain_parking_sessions_open") == 1
    assert _value(m, "vmchain_parking_fees_settled_total") == 300  # 60 started minutes x 5
    assert _value(m, "vmchain_parking_session_duration_seconds_sum") == 3_600


def test_the_real_channel_contract_moves_the_view() -> None:
    """contracts/channel.py: open, two vouchers redeemed 60 s and 300 s apart, close 900 s on."""
    chain = LocalChain()
    channel = chain.deploy(CHANNEL_CODE)
    payer, payee = chain.accounts[1:3]

    def sig(amount: int) -> bytes:
        voucher = Voucher.sign(Wallet(payer.key), channel.address_bytes, 1, amount, chain_id=DEV)
        return voucher.signature

    channel.transact(
        "open", payee.address, 3_600, payer.key.public_key, sender=payer, value=1_000
    )  # fmt: skip
    chain.advance(60)
    channel.transact("redeem", 1, 40, sig(40), sender=payee)
    chain.advance(300)
    channel.transact("redeem", 1, 100, sig(100), sender=payee)
    chain.advance(900)
    channel.transact("close", 1, 150, sig(150), sender=payee)
    m = _replay(chain)
    assert _value(m, "vmchain_channel_vouchers_redeemed_total") == 3  # close redeems too
    assert _value(m, "vmchain_channel_redeemed_amount_total") == 150
    assert _value(m, "vmchain_channel_settlement_lag_seconds_count") == 4
    assert _value(m, "vmchain_channel_settlement_lag_seconds_sum") == 60 + 300 + 900
