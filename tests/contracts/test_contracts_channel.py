"""The payment-channel contract on the in-process chain: the full lifecycle, every voucher the
contract must refuse, access rules, and expiry before, at and after the timeout."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vmchain.client import Voucher, Wallet
from vmchain.crypto import PrivateKey, Scheme
from vmchain.lang.compiler import compile_file
from vmchain.testing import Account, Deployed, LocalChain, Receipt, TransactionFailed

CHANNEL = compile_file(Path(__file__).resolve().parents[2] / "contracts" / "channel.py")
CHAIN_ID = "vmchain-dev"


@dataclass
class Setup:
    chain: LocalChain
    channel: Deployed
    payer: Account
    payee: Account
    other: Account

    def voucher(
        self,
        amount: int,
        cid: int = 1,
        *,
        key: PrivateKey | None = None,
        contract: bytes | None = None,
        chain_id: str = CHAIN_ID,
    ) -> bytes:
        """The signature of a voucher (by the payer, for this contract and chain by default)."""
        signer = Wallet(key or self.payer.key)
        where = contract or self.channel.address_bytes
        return Voucher.sign(signer, where, cid, amount, chain_id=chain_id).signature

    def open(self, value: int = 1000, timeout: int = 3600) -> int:
        receipt = self.channel.transact(
            "open", self.payee.address, timeout, self.payer.key.public_key,
            sender=self.payer, value=value,
        )  # fmt: skip
        return int(receipt.return_value)

    def redeem(self, amount: int, sig: bytes, cid: int = 1) -> int:
        return int(
            self.channel.transact("redeem", cid, amount, sig, sender=self.payee).return_value
        )


@pytest.fixture
def s() -> Setup:
    chain = LocalChain()
    return Setup(chain, chain.deploy(CHANNEL), *chain.accounts[1:4])


def events(receipt: Receipt) -> list[tuple[str, dict[str, Any]]]:
    return [(e.name, e.args) for e in receipt.events]


def test_the_voucher_digest_is_the_design_bytes(s: Setup) -> None:
    sig = s.voucher(300)
    digest = hashlib.sha256(
        b"vmchain-voucher" + bytes([len(CHAIN_ID)]) + CHAIN_ID.encode()
        + s.channel.address_bytes + (1).to_bytes(32, "big") + (300).to_bytes(32, "big")
    ).digest()  # fmt: skip
    voucher = Voucher(CHAIN_ID, s.channel.address_bytes, 1, 300, sig)
    assert voucher.digest == digest and voucher.verify(s.payer.key.public_key)


def test_full_lifecycle(s: Setup) -> None:
    opened = s.channel.transact(
        "open", s.payee.address, 3600, s.payer.key.public_key, sender=s.payer, value=1000
    )
    assert opened.return_value == 1
    assert events(opened) == [
        (
            "ChannelOpened",
            {
                "channel_id": 1,
                "payer": s.payer.address,
                "payee": s.payee.address,
                "deposit": 1000,
                "timeout_seconds": 3600,
            },
        )
    ]
    opened_at = s.chain.ledger.head().header.timestamp_ms // 1000
    assert s.channel.call("channel", 1) == (
        s.payer.key.public_key, s.payee.address, 1000, 0, opened_at + 3600, True,
    )  # fmt: skip
    payee_before = s.chain.balance(s.payee.address)
    first = s.channel.transact("redeem", 1, 250, s.voucher(250), sender=s.payee)
    assert first.return_value == 250
    assert events(first) == [("Redeemed", {"channel_id": 1, "amount": 250, "paid": 250})]
    topped = s.channel.transact("top_up", 1, sender=s.payer, value=500)
    assert events(topped) == [("ToppedUp", {"channel_id": 1, "amount": 500, "deposit": 1500})]
    assert s.redeem(1200, s.voucher(1200)) == 950
    payer_before = s.chain.balance(s.payer.address)
    closing = s.channel.transact("close", 1, 1400, s.voucher(1400), sender=s.payee)
    assert events(closing) == [
        ("Redeemed", {"channel_id": 1, "amount": 1400, "paid": 200}),
        ("ChannelClosed", {"channel_id": 1, "paid": 1400, "refunded": 100}),
    ]
    assert s.chain.balance(s.payee.address) - payee_before == 1400
    assert s.chain.balance(s.payer.address) - payer_before == 100
    assert (s.channel.balance(), s.channel.call("redeemed_of", 1)) == (0, 1400)
    assert s.channel.call("channel", 1)[5] is False
    for name, args, who, value in [
        ("redeem", (1, 1500, s.voucher(1500)), s.payee, 0),
        ("close", (1, 0, b""), s.payee, 0),
        ("top_up", (1,), s.payer, 5),
        ("expire", (1,), s.payer, 0),
    ]:
        with pytest.raises(TransactionFailed, match=r"^REVERTED: the channel is closed$"):
            s.channel.transact(name, *args, sender=who, value=value)


def test_channel_ids_count_up_and_close_without_a_voucher_refunds_all(s: Setup) -> None:
    assert [s.open(value=v) for v in (10, 20, 30)] == [1, 2, 3]
    closing = s.channel.transact("close", 2, 0, b"", sender=s.payee)
    assert events(closing) == [("ChannelClosed", {"channel_id": 2, "paid": 0, "refunded": 20})]
    assert s.channel.balance() == 40


BAD_SIGNATURE = "bad voucher signature"
REJECTED = [  # (case, amount, voucher(...) keywords, signer, message)
    ("another channel", 300, {"cid": 2}, "payer", BAD_SIGNATURE),
    ("another contract", 300, {"contract": bytes(range(20))}, "payer", BAD_SIGNATURE),
    ("another chain", 300, {"chain_id": "vmchain-prod"}, "payer", BAD_SIGNATURE),
    ("signed by the payee", 300, {}, "payee", BAD_SIGNATURE),
    ("signed by a stranger", 300, {}, "other", BAD_SIGNATURE),
    ("a lower amount", 199, {}, "payer", "amount must rise"),
    ("the same amount", 200, {}, "payer", "amount must rise"),
    ("more than the deposit", 1001, {}, "payer", "amount exceeds the deposit"),
]


@pytest.mark.parametrize(("case", "amount", "where", "signer", "message"), REJECTED)
def test_rejected_vouchers(
    s: Setup, case: str, amount: int, where: dict[str, Any], signer: str, message: str
) -> None:
    s.open()
    s.open()  # channel 2: same payer and payee
    s.redeem(200, s.voucher(200))
    key = {"payer": s.payer, "payee": s.payee, "other": s.other}[signer].key
    sig = s.voucher(amount, where.get("cid", 1), key=key, **{
        k: v for k, v in where.items() if k != "cid"
    })  # fmt: skip
    with pytest.raises(TransactionFailed) as failed:
        s.redeem(amount, sig)
    assert failed.value.message == message, case
    assert s.channel.call("redeemed_of", 1) == 200
    assert s.redeem(300, s.voucher(300)) == 100  # the right voucher still works


def test_a_truncated_or_garbage_signature_is_refused(s: Setup) -> None:
    s.open()
    good = s.voucher(100)
    for sig in (good[:63], b"", bytes(64), good[:32] + bytes(32)):
        with pytest.raises(TransactionFailed, match="bad voucher signature"):
            s.redeem(100, sig)


def test_access_rules(s: Setup) -> None:
    for args, message in [
        ((s.payee.address, 60, s.other.key.public_key), "payer_pubkey is not the sender's key"),
        ((s.payee.address, 0, s.payer.key.public_key), "timeout_seconds must be positive"),
    ]:
        with pytest.raises(TransactionFailed) as failed:
            s.channel.transact("open", *args, sender=s.payer, value=10)
        assert failed.value.message == message
    s.open()
    sig = s.voucher(10)
    misuse: list[tuple[str, tuple[Any, ...], Account, str]] = [
        ("redeem", (1, 10, sig), s.payer, "only the payee"),
        ("redeem", (1, 10, sig), s.other, "only the payee"),
        ("close", (1, 10, sig), s.payer, "only the payee"),
        ("expire", (1,), s.payee, "only the payer"),
        ("redeem", (2, 10, sig), s.payee, "no such channel"),
        ("redeem", (0, 10, sig), s.payee, "no such channel"),
        ("expire", (-1,), s.payer, "no such channel"),
    ]
    for name, args, who, message in misuse:
        with pytest.raises(TransactionFailed) as failed:
            s.channel.transact(name, *args, sender=who)
        assert failed.value.message == message, (name, who)
    for cid, value, message in [(7, 5, "no such channel"), (1, 0, "top up some value")]:
        with pytest.raises(TransactionFailed) as failed:
            s.channel.transact("top_up", cid, sender=s.other, value=value)
        assert failed.value.message == message


def test_expiry_before_at_and_after_the_timeout(s: Setup) -> None:
    s.open(value=900, timeout=600)
    opened_at = s.chain.ledger.head().header.timestamp_ms // 1000
    s.redeem(300, s.voucher(300))
    s.chain.set_time(opened_at + 599)
    with pytest.raises(TransactionFailed, match="the channel has not timed out"):
        s.channel.transact("expire", 1, sender=s.payer)
    s.chain.set_time(opened_at + 700)  # past the timeout the payee may still redeem
    assert s.redeem(400, s.voucher(400)) == 100
    before = s.chain.balance(s.payer.address)
    expired = s.channel.transact("expire", 1, sender=s.payer)
    assert events(expired) == [("ChannelClosed", {"channel_id": 1, "paid": 400, "refunded": 500})]
    assert s.chain.balance(s.payer.address) - before == 500
    with pytest.raises(TransactionFailed, match="the channel is closed"):
        s.redeem(500, s.voucher(500))
    s.open(value=50, timeout=60)
    s.chain.set_time(s.chain.ledger.head().header.timestamp_ms // 1000 + 60)  # exactly then
    assert events(s.channel.transact("expire", 2, sender=s.payer))[0][1]["refunded"] == 50


def test_a_p256_payer(s: Setup) -> None:
    payer = Account(PrivateKey.from_int(Scheme.P256, 0xC0FFEE))
    s.chain.transfer(payer.address, 10**9, sender=s.other)
    s.channel.transact(
        "open", s.payee.address, 60, payer.key.public_key, sender=payer, value=500
    )  # fmt: skip
    assert s.redeem(50, s.voucher(50, key=payer.key)) == 50
    with pytest.raises(TransactionFailed, match="bad voucher signature"):
        s.redeem(60, s.voucher(60))  # the secp256k1 dev key is not this channel's payer
