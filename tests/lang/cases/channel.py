"""Payment channels for streaming micropayments (DESIGN.md section 7): signatures, hashes,
addresses of public keys, the chain id and byte building."""

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
        self.deposits[channel_id] += msg.value

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
