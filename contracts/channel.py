"""Payment channels for streaming M2M micropayments (DESIGN.md section 7).

A payer (a vehicle) opens a channel to a payee (a charger, a toll) with a deposit. Off chain it
signs vouchers (channel_id, cumulative amount) over
sha256(b"vmchain-voucher" || len(chain_id) (1 byte) || chain_id || this contract's 20 bytes ||
channel_id (32 bytes big-endian) || amount (32 bytes big-endian)); the payee checks them
locally and redeems the latest when it likes: amounts only rise, never past the deposit. The
payee closes (redeem, then refund the rest to the payer); once the timeout has passed the payer
may expire the channel and take back what was not redeemed.

Beyond DESIGN.md: `ToppedUp` (so a payee following events sees the deposit grow) and views a
payee uses to check a voucher against the channel without trusting the payer.
"""

from vmchain.lang import (
    Address,
    Contract,
    Event,
    Map,
    address_of,
    block,
    emit,
    msg,
    payable,
    public,
    require,
    sha256,
    transfer,
    verify,
    view,
)

VOUCHER_DOMAIN = b"vmchain-voucher"


class ChannelOpened(Event):
    channel_id: int
    payer: Address
    payee: Address
    deposit: int
    timeout_seconds: int


class Redeemed(Event):
    channel_id: int
    amount: int
    paid: int


class ToppedUp(Event):
    channel_id: int
    amount: int
    deposit: int


class ChannelClosed(Event):
    channel_id: int
    paid: int
    refunded: int


class Channel(Contract):
    last_id: int
    payers: Map[int, Address]
    payees: Map[int, Address]
    pubkeys: Map[int, bytes]
    deposits: Map[int, int]
    redeemed: Map[int, int]
    opened_at: Map[int, int]
    timeouts: Map[int, int]
    closed: Map[int, bool]

    @payable
    def open(self, payee: Address, timeout_seconds: int, payer_pubkey: bytes) -> int:
        require(address_of(payer_pubkey) == msg.sender, "payer_pubkey is not the sender's key")
        require(timeout_seconds > 0, "timeout_seconds must be positive")
        channel_id = self.last_id + 1
        self.last_id = channel_id
        self.payers[channel_id] = msg.sender
        self.payees[channel_id] = payee
        self.pubkeys[channel_id] = payer_pubkey
        self.deposits[channel_id] = msg.value
        self.opened_at[channel_id] = block.timestamp
        self.timeouts[channel_id] = timeout_seconds
        emit(ChannelOpened(channel_id, msg.sender, payee, msg.value, timeout_seconds))
        return channel_id

    @payable
    def top_up(self, channel_id: int) -> None:
        self._open_channel(channel_id)
        require(msg.value > 0, "top up some value")
        self.deposits[channel_id] += msg.value
        emit(ToppedUp(channel_id, msg.value, self.deposits[channel_id]))

    @public
    def redeem(self, channel_id: int, amount: int, sig: bytes) -> int:
        self._open_channel(channel_id)
        require(msg.sender == self.payees[channel_id], "only the payee")
        return self._redeem(channel_id, amount, sig)

    @public
    def close(self, channel_id: int, amount: int, sig: bytes) -> None:
        self._open_channel(channel_id)
        require(msg.sender == self.payees[channel_id], "only the payee")
        if amount > self.redeemed[channel_id]:
            self._redeem(channel_id, amount, sig)
        self._finish(channel_id)

    @public
    def expire(self, channel_id: int) -> None:
        self._open_channel(channel_id)
        require(msg.sender == self.payers[channel_id], "only the payer")
        deadline = self.opened_at[channel_id] + self.timeouts[channel_id]
        require(block.timestamp >= deadline, "the channel has not timed out")
        self._finish(channel_id)

    # -- views (what a payee checks a voucher against) ----------------------------------------

    @view
    def channel(self, channel_id: int) -> tuple[bytes, Address, int, int, int, bool]:
        """(payer_key, payee, deposit, redeemed, expires_at, is_open); zeros when unknown."""
        expires_at = self.opened_at[channel_id] + self.timeouts[channel_id]
        is_open = 0 < channel_id and channel_id <= self.last_id and not self.closed[channel_id]
        return (
            self.pubkeys[channel_id],
            self.payees[channel_id],
            self.deposits[channel_id],
            self.redeemed[channel_id],
            expires_at,
            is_open,
        )

    @view
    def deposit_of(self, channel_id: int) -> int:
        return self.deposits[channel_id]

    @view
    def redeemed_of(self, channel_id: int) -> int:
        return self.redeemed[channel_id]

    # -- internals -------------------------------------------------------------------------

    def voucher_digest(self, channel_id: int, amount: int) -> bytes:
        chain_id = block.chain_id
        return sha256(
            VOUCHER_DOMAIN
            + len(chain_id).to_bytes(1, "big")
            + chain_id
            + bytes(self.address)
            + channel_id.to_bytes(32, "big")
            + amount.to_bytes(32, "big")
        )

    def _open_channel(self, channel_id: int) -> None:
        require(0 < channel_id and channel_id <= self.last_id, "no such channel")
        require(not self.closed[channel_id], "the channel is closed")

    def _redeem(self, channel_id: int, amount: int, sig: bytes) -> int:
        already = self.redeemed[channel_id]
        require(amount > already, "amount must rise")
        require(amount <= self.deposits[channel_id], "amount exceeds the deposit")
        digest = self.voucher_digest(channel_id, amount)
        require(verify(self.pubkeys[channel_id], digest, sig), "bad voucher signature")
        self.redeemed[channel_id] = amount
        transfer(self.payees[channel_id], amount - already)
        emit(Redeemed(channel_id, amount, amount - already))
        return amount - already

    def _finish(self, channel_id: int) -> None:
        rest = self.deposits[channel_id] - self.redeemed[channel_id]
        self.closed[channel_id] = True
        if rest > 0:
            transfer(self.payers[channel_id], rest)
        emit(ChannelClosed(channel_id, self.redeemed[channel_id], rest))
