"""The payment channel of DESIGN.md section 7 in the language: vouchers signed off chain
(secp256k1 and P-256) verified on chain, redeem, close, expire, and the refusals."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from vmchain.crypto import PrivateKey, Scheme
from vmchain.testing import Account, Deployed, LocalChain, TransactionFailed

CHANNEL = Path(__file__).resolve().parent / "cases" / "channel.py"


def digest(chain: LocalChain, contract: Deployed, channel_id: int, amount: int) -> bytes:
    chain_id = chain.ledger.params.chain_id.encode()
    return hashlib.sha256(
        b"vmchain-voucher"
        + bytes([len(chain_id)])
        + chain_id
        + contract.address_bytes
        + channel_id.to_bytes(32, "big")
        + amount.to_bytes(32, "big")
    ).digest()


def voucher(key: PrivateKey, chain: LocalChain, contract: Deployed, cid: int, amount: int) -> bytes:
    return key.sign_digest(digest(chain, contract, cid, amount))


@pytest.fixture
def setup() -> tuple[LocalChain, Deployed, Account, Account]:
    chain = LocalChain()
    return chain, chain.deploy(CHANNEL), chain.accounts[1], chain.accounts[2]


def test_a_voucher_is_bound_to_its_contract(
    setup: tuple[LocalChain, Deployed, Account, Account],
) -> None:
    chain, channel, payer, payee = setup
    other = chain.deploy(CHANNEL)
    for contract in (channel, other):
        contract.transact("open", payee.address, 60, payer.key.public_key, sender=payer, value=9)
    for_other = voucher(payer.key, chain, other, 1, 5)
    with pytest.raises(TransactionFailed, match="bad voucher signature"):
        channel.transact("redeem", 1, 5, for_other, sender=payee)
    assert other.transact("redeem", 1, 5, for_other, sender=payee).return_value == 5


def test_open_redeem_close(setup: tuple[LocalChain, Deployed, Account, Account]) -> None:
    chain, channel, payer, payee = setup
    opened = channel.transact(
        "open", payee.address, 3600, payer.key.public_key, sender=payer, value=1000
    )
    assert opened.return_value == 1
    assert opened.events[0].args == {
        "channel_id": 1,
        "payer": payer.address,
        "payee": payee.address,
        "deposit": 1000,
        "timeout_seconds": 3600,
    }
    before = chain.balance(payee.address)
    sig = voucher(payer.key, chain, channel, 1, 300)
    redeemed = channel.transact("redeem", 1, 300, sig, sender=payee)
    assert redeemed.return_value == 300
    assert redeemed.events[0].args == {"channel_id": 1, "amount": 300, "paid": 300}
    with pytest.raises(TransactionFailed, match="amount must rise"):
        channel.transact("redeem", 1, 300, sig, sender=payee)
    with pytest.raises(TransactionFailed, match="bad voucher signature"):
        channel.transact("redeem", 1, 400, sig, sender=payee)
    with pytest.raises(TransactionFailed, match="only the payee"):
        channel.transact("redeem", 1, 400, voucher(payer.key, chain, channel, 1, 400), sender=payer)
    with pytest.raises(TransactionFailed, match="amount exceeds the deposit"):
        big = voucher(payer.key, chain, channel, 1, 1001)
        channel.transact("redeem", 1, 1001, big, sender=payee)
    refund_before = chain.balance(payer.address)
    closing = channel.transact(
        "close", 1, 700, voucher(payer.key, chain, channel, 1, 700), sender=payee
    )
    assert [(e.name, e.args) for e in closing.events] == [
        ("Redeemed", {"channel_id": 1, "amount": 700, "paid": 400}),
        ("ChannelClosed", {"channel_id": 1, "paid": 700, "refunded": 300}),
    ]
    assert chain.balance(payee.address) - before == 700
    assert chain.balance(payer.address) - refund_before == 300
    assert channel.balance() == 0
    with pytest.raises(TransactionFailed, match="the channel is closed"):
        channel.transact("top_up", 1, sender=payer, value=5)


def test_a_p256_payer_and_expiry(setup: tuple[LocalChain, Deployed, Account, Account]) -> None:
    chain, channel, funder, payee = setup
    payer = Account(PrivateKey.from_int(Scheme.P256, 0xC0FFEE))
    chain.transfer(payer.address, 10_000, sender=funder)
    with pytest.raises(TransactionFailed, match="payer_pubkey is not the sender's key"):
        channel.transact("open", payee.address, 60, funder.key.public_key, sender=payer, value=1)
    channel.transact("open", payee.address, 60, payer.key.public_key, sender=payer, value=500)
    channel.transact("top_up", 1, sender=payer, value=100)
    channel.transact("redeem", 1, 50, voucher(payer.key, chain, channel, 1, 50), sender=payee)
    with pytest.raises(TransactionFailed, match="the channel has not timed out"):
        channel.transact("expire", 1, sender=payer)
    chain.advance(60)
    before = chain.balance(payer.address)
    expired = channel.transact("expire", 1, sender=payer)
    assert expired.events[0].args == {"channel_id": 1, "paid": 50, "refunded": 550}
    assert chain.balance(payer.address) - before == 550
    with pytest.raises(TransactionFailed, match="no such channel"):
        channel.transact("expire", 2, sender=payer)
