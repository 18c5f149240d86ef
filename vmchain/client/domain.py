"""Domain helpers for the shipped contracts (DESIGN.md sections 7 and 10): parking gates,
vehicles, payees of payment channels, and vouchers.

    gate = Gate(node, gate_wallet, parking, lot_id=1)
    gate.enter(car.address)                      # sealed; the entry time (block seconds)
    fee = gate.exit(car.address)                 # sealed; the fee moved to the operator

    car = Vehicle(node, car_wallet)
    car.deposit(parking, 5_000)
    channel = car.open_channel(channels, charger.address, deposit=3_000, timeout_seconds=7200)
    voucher = car.pay(channel, 40)               # off chain: a signed cumulative amount
    charger = Payee(node, charger_wallet, channels)
    charger.watch(channel.channel_id)            # the channel as the chain has it
    charger.accept(voucher)                      # checked locally: no node, no gas
    charger.close(channel.channel_id)            # redeem the best voucher, refund the rest

Every transaction is signed once and, when the node does not answer in time (DEADLINE_EXCEEDED
or UNAVAILABLE after the SDK's own retries), the same signed bytes are submitted again: the node
never executes a tx id twice, so a gate that retries an exit charges the vehicle once. Calls use
a fixed gas limit (no estimate round trip) and a validity window starting at a head height read
at most once a second.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from vmchain.chain.tx import Call, Tx, TxBody
from vmchain.client.abi import encode_args, to_selector
from vmchain.client.errors import (
    ClientError,
    DeadlineExceeded,
    TransactionFailed,
    Unavailable,
)
from vmchain.client.types import Receipt
from vmchain.crypto import SIGNATURE_SIZE, address_to_text, signing_digest, to_address, verify

if TYPE_CHECKING:
    from vmchain.client.contract import Contract
    from vmchain.client.node_client import NodeClient
    from vmchain.client.wallet import Wallet

VOUCHER_DOMAIN = b"vmchain-voucher"
VOUCHER_MAGIC = b"VMVC\x01"
WORD = 32  # channel ids and amounts are signed as 32 bytes big-endian
DEFAULT_CALL_GAS = 100_000  # every call of the shipped contracts uses under 40,000
DEFAULT_ATTEMPTS = 3
HEAD_MAX_AGE_S = 1.0
NOTE_SIZE = 8

Address = str | bytes


class InvalidVoucher(ClientError):
    """A voucher a payee must not accept; the message says why."""


# -- vouchers ------------------------------------------------------------------------------


def voucher_digest(chain_id: str, contract: Address, channel_id: int, amount: int) -> bytes:
    """sha256(b"vmchain-voucher" || len(chain_id) || chain_id || contract || channel_id (32
    bytes) || amount (32 bytes)): exactly what the channel contract verifies."""
    chain = chain_id.encode()
    if not 0 < len(chain) < 256:
        raise ValueError(f"chain id must be 1..255 UTF-8 bytes, got {len(chain)}")
    if not 0 < channel_id < 2 ** (8 * WORD):
        raise ValueError(f"channel id must be positive and fit 32 bytes, got {channel_id}")
    if not 0 <= amount < 2 ** (8 * WORD):
        raise ValueError(f"voucher amount must be non-negative and fit 32 bytes, got {amount}")
    payload = b"".join(
        [
            bytes([len(chain)]),
            chain,
            to_address(contract),
            channel_id.to_bytes(WORD, "big"),
            amount.to_bytes(WORD, "big"),
        ]
    )
    return signing_digest(VOUCHER_DOMAIN, payload)


@dataclass(frozen=True, slots=True)
class Voucher:
    """A payer's signature on the cumulative `amount` of channel `channel_id` of `contract`
    (20 bytes) on chain `chain_id`. Checkable with no node: `voucher.verify(payer_pubkey)`."""

    chain_id: str
    contract: bytes
    channel_id: int
    amount: int
    signature: bytes = field(repr=False)

    @classmethod
    def sign(
        cls,
        wallet: Wallet,
        channel_contract: Contract | Address,
        channel_id: int,
        amount: int,
        *,
        chain_id: str | None = None,
    ) -> Voucher:
        """The payer's voucher. `channel_contract` is a Contract (its node names the chain) or
        an address (then `chain_id` is required)."""
        contract, chain = _contract_and_chain(channel_contract, chain_id)
        digest = voucher_digest(chain, contract, channel_id, amount)
        return cls(chain, contract, channel_id, amount, wallet.key.sign_digest(digest))

    @property
    def digest(self) -> bytes:
        return voucher_digest(self.chain_id, self.contract, self.channel_id, self.amount)

    @property
    def contract_address(self) -> str:
        return address_to_text(self.contract)

    def verify(self, payer_pubkey: bytes) -> bool:
        """True iff `payer_pubkey` (34 bytes) signed exactly this voucher."""
        try:
            digest = self.digest
        except ValueError:
            return False
        return verify(payer_pubkey, digest, self.signature)

    def to_bytes(self) -> bytes:
        """`VMVC 01 || len || chain id || contract || channel id || amount || signature`."""
        chain = self.chain_id.encode()
        return b"".join(
            [
                VOUCHER_MAGIC,
                bytes([len(chain)]),
                chain,
                self.contract,
                self.channel_id.to_bytes(WORD, "big"),
                self.amount.to_bytes(WORD, "big"),
                self.signature,
            ]
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Voucher:
        """The voucher `to_bytes` wrote; InvalidVoucher for anything else."""
        head = len(VOUCHER_MAGIC)
        if data[:head] != VOUCHER_MAGIC or len(data) <= head:
            raise InvalidVoucher("not a version-1 voucher (bad magic or version)")
        size = data[head]
        expected = head + 1 + size + 20 + 2 * WORD + SIGNATURE_SIZE
        if len(data) != expected:
            raise InvalidVoucher(
                f"a voucher with this chain id is {expected} bytes, not {len(data)}"
            )
        at = head + 1 + size
        try:
            chain = data[head + 1 : at].decode()
        except UnicodeDecodeError:
            raise InvalidVoucher("the voucher's chain id is not UTF-8") from None
        words = data[at + 20 : at + 20 + 2 * WORD]
        return cls(
            chain,
            data[at : at + 20],
            int.from_bytes(words[:WORD], "big"),
            int.from_bytes(words[WORD:], "big"),
            data[-SIGNATURE_SIZE:],
        )


def _contract_and_chain(
    channel_contract: Contract | Address, chain_id: str | None
) -> tuple[bytes, str]:
    if isinstance(channel_contract, str | bytes):
        if chain_id is None:
            raise ValueError("a voucher for a bare contract address needs chain_id=")
        return to_address(channel_contract), chain_id
    chain = chain_id if chain_id is not None else channel_contract.node.chain_info().chain_id
    return channel_contract.address_bytes, chain


# -- sending calls -------------------------------------------------------------------------


class _Head:
    """A recent head height for validity windows: read at most once per HEAD_MAX_AGE_S."""

    def __init__(self, node: NodeClient) -> None:
        self._node = node
        self._lock = threading.Lock()
        self._height = -1
        self._read_at = 0.0

    def height(self) -> int:
        with self._lock:
            now = time.monotonic()
            if self._height < 0 or now - self._read_at > HEAD_MAX_AGE_S:
                self._height = self._node.info().height
                self._read_at = now
            return self._height

    def saw(self, height: int) -> None:
        with self._lock:
            self._height = max(self._height, height)


@dataclass(frozen=True, slots=True)
class CallOptions:
    """How the helpers send: gas limit and price (None: the chain's minimum), the `wait` for
    each receipt (seconds, or True for the client's default) and how many times to submit."""

    gas_limit: int = DEFAULT_CALL_GAS
    gas_price: int | None = None
    wait: bool | float = True
    attempts: int = DEFAULT_ATTEMPTS


class _Sender:
    """Signs calls to contracts for one wallet and settles them idempotently."""

    def __init__(self, node: NodeClient, wallet: Wallet, options: CallOptions) -> None:
        if options.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {options.attempts}")
        self.node = node
        self.wallet = wallet
        self.options = options
        self._head = _Head(node)

    def build(self, contract: Contract, name: str, args: tuple[Any, ...], value: int = 0) -> Tx:
        """A signed call with the options' gas, a fresh note, valid from the head on."""
        info = self.node.chain_info()
        encoded = None if contract.abi is None else contract.abi.encode_call(name, args)
        payload = Call(
            contract.address_bytes,
            to_selector(name),
            encode_args(args) if encoded is None else encoded,
            value,
        )
        first = self._head.height() + 1
        price = self.options.gas_price
        body = TxBody(
            chain_id=info.chain_id,
            sender=self.wallet.address_bytes,
            first_valid=first,
            last_valid=first + max(1, info.max_validity_window) - 1,
            gas_limit=self.options.gas_limit,
            gas_price=info.min_gas_price if price is None else price,
            payload=payload,
            note=os.urandom(NOTE_SIZE),
        )
        return self.wallet.sign_transaction(body)

    def settle(self, contract: Contract, name: str, tx: Tx) -> Receipt:
        """Submit `tx` and wait for its sealed receipt, resubmitting the same signed bytes after
        a timeout; the typed result decoded; TransactionFailed unless it succeeded."""
        receipt = self._submit(tx)
        self._head.saw(receipt.height)
        if not receipt.succeeded:
            raise TransactionFailed(receipt)
        if contract.abi is None:
            return receipt
        typed = contract.abi.decode_result(name, receipt.return_data, receipt.return_value)
        return replace(receipt, return_value=typed)

    def _submit(self, tx: Tx) -> Receipt:
        for _ in range(self.options.attempts - 1):
            try:
                return self.node.submit(tx, wait=self.options.wait, check=False)
            except (DeadlineExceeded, Unavailable):
                continue  # the same bytes again: the node executes a tx id at most once
        return self.node.submit(tx, wait=self.options.wait, check=False)

    def send(self, contract: Contract, name: str, *args: Any, value: int = 0) -> Receipt:
        return self.settle(contract, name, self.build(contract, name, args, value))


def _event_arg(receipt: Receipt, event: str, name: str) -> Any:
    for e in receipt.events:
        if e.name == event and name in e.args:
            return e.args[name]
    raise ClientError(f"tx {receipt.tx_id} succeeded but emitted no {event} with {name!r}")


# -- gates ---------------------------------------------------------------------------------


class Gate:
    """A parking gate of lot `lot_id`: opens and closes sessions. One lane, one vehicle at a
    time: `last_receipt` is the receipt of the gate's latest enter or exit."""

    def __init__(
        self,
        node: NodeClient,
        wallet: Wallet,
        parking: Contract,
        lot_id: int,
        options: CallOptions | None = None,
    ) -> None:
        self.parking = parking
        self.lot_id = lot_id
        self.wallet = wallet
        self.last_receipt: Receipt | None = None
        self._sender = _Sender(node, wallet, options or CallOptions())

    @property
    def address(self) -> str:
        return self.wallet.address

    def build_enter(self, vehicle: Address) -> Tx:
        return self._sender.build(self.parking, "enter", (self.lot_id, _text(vehicle)))

    def build_exit(self, vehicle: Address) -> Tx:
        return self._sender.build(self.parking, "exit", (self.lot_id, _text(vehicle)))

    def settle(self, name: str, tx: Tx) -> Receipt:
        """Settle a tx from `build_enter`/`build_exit` (retrying it idempotently)."""
        receipt = self._sender.settle(self.parking, name, tx)
        self.last_receipt = receipt
        return receipt

    def enter(self, vehicle: Address) -> int:
        """Open the vehicle's session; the entry time (block timestamp, seconds)."""
        receipt = self.settle("enter", self.build_enter(vehicle))
        return int(_event_arg(receipt, "SessionOpened", "entry"))

    def exit(self, vehicle: Address) -> int:
        """Close the vehicle's session; the fee charged (TransactionFailed "insufficient
        deposit" leaves the session open)."""
        receipt = self.settle("exit", self.build_exit(vehicle))
        return int(receipt.return_value)

    def quote(self, vehicle: Address) -> int:
        """What the vehicle would pay leaving at the latest sealed block's time."""
        return int(self.parking.call("quote", self.lot_id, _text(vehicle)))


def _text(address: Address) -> str:
    return address if isinstance(address, str) else address_to_text(address)


# -- vehicles (payers) ---------------------------------------------------------------------


@dataclass(slots=True)
class PaymentChannel:
    """The payer's side of an open channel: `paid` is the cumulative amount signed so far."""

    contract: Contract
    channel_id: int
    payee: str
    deposit: int
    paid: int = 0

    @property
    def remaining(self) -> int:
        return self.deposit - self.paid


class Vehicle:
    """A vehicle's wallet: parking deposits and payment channels it pays through."""

    def __init__(
        self, node: NodeClient, wallet: Wallet, options: CallOptions | None = None
    ) -> None:
        self.node = node
        self.wallet = wallet
        self._sender = _Sender(node, wallet, options or CallOptions())

    @property
    def address(self) -> str:
        return self.wallet.address

    def deposit(self, parking: Contract, amount: int) -> Receipt:
        """Prepay `amount` into the parking contract."""
        return self._sender.send(parking, "deposit", value=amount)

    def withdraw(self, parking: Contract, amount: int) -> Receipt:
        """Take `amount` of the deposit back (not while a session is open)."""
        return self._sender.send(parking, "withdraw", amount)

    def deposit_of(self, parking: Contract) -> int:
        return int(parking.call("deposit_of", self.address))

    def open_channel(
        self, channels: Contract, payee: Address, deposit: int, timeout_seconds: int
    ) -> PaymentChannel:
        """Open a channel to `payee` holding `deposit`; refundable after `timeout_seconds`."""
        receipt = self._sender.send(
            channels, "open", _text(payee), timeout_seconds, self.wallet.public_key, value=deposit
        )
        return PaymentChannel(channels, int(receipt.return_value), _text(payee), deposit)

    def pay(self, channel: PaymentChannel, amount: int) -> Voucher:
        """Pay `amount` more through `channel`: a voucher for the new cumulative total, signed
        here and handed to the payee off chain. ValueError past the deposit (top up first)."""
        if amount < 0:
            raise ValueError(f"cannot pay a negative amount ({amount})")
        total = channel.paid + amount
        if total > channel.deposit:
            raise ValueError(
                f"channel {channel.channel_id}: paying {amount} makes {total}, more than its "
                f"deposit {channel.deposit}; top it up first"
            )
        voucher = Voucher.sign(self.wallet, channel.contract, channel.channel_id, total)
        channel.paid = total
        return voucher

    def top_up(self, channel: PaymentChannel, amount: int) -> Receipt:
        """Add `amount` to the channel's deposit."""
        receipt = self._sender.send(channel.contract, "top_up", channel.channel_id, value=amount)
        channel.deposit = int(_event_arg(receipt, "ToppedUp", "deposit"))
        return receipt

    def expire(self, channel: PaymentChannel) -> int:
        """Close a timed-out channel; what came back to the vehicle."""
        receipt = self._sender.send(channel.contract, "expire", channel.channel_id)
        return int(_event_arg(receipt, "ChannelClosed", "refunded"))


# -- payees --------------------------------------------------------------------------------


@dataclass(slots=True)
class IncomingChannel:
    """The payee's side of a channel: what the chain says, and the best voucher so far."""

    channel_id: int
    payer_key: bytes
    deposit: int
    redeemed: int
    expires_at: int
    best: Voucher | None = None

    @property
    def owed(self) -> int:
        """What the best voucher entitles the payee to beyond what it redeemed."""
        return 0 if self.best is None else self.best.amount - self.redeemed


class Payee:
    """The receiving end of payment channels (an EV charger, a toll): checks vouchers locally
    and redeems or closes when it likes. Needs the channel contract's typed ABI."""

    def __init__(
        self,
        node: NodeClient,
        wallet: Wallet,
        channels: Contract,
        options: CallOptions | None = None,
    ) -> None:
        self.channels = channels
        self.wallet = wallet
        self.open: dict[int, IncomingChannel] = {}
        self._chain_id = node.chain_info().chain_id
        self._sender = _Sender(node, wallet, options or CallOptions())

    @property
    def address(self) -> str:
        return self.wallet.address

    def watch(self, channel_id: int) -> IncomingChannel:
        """Start (or refresh) following channel `channel_id`, as the chain has it now."""
        state = self.channels.call("channel", channel_id)
        if not isinstance(state, tuple) or len(state) != 6:
            raise ClientError("the channel contract handle needs its typed ABI to read channels")
        payer_key, payee, deposit, redeemed, expires_at, is_open = state
        if not is_open:
            raise InvalidVoucher(f"channel {channel_id} is not open")
        if payee != self.address:
            raise InvalidVoucher(f"channel {channel_id} pays {payee}, not this payee")
        known = self.open.get(channel_id)
        incoming = IncomingChannel(channel_id, payer_key, deposit, redeemed, expires_at)
        incoming.best = None if known is None else known.best
        self.open[channel_id] = incoming
        return incoming

    def accept(self, voucher: Voucher) -> int:
        """Check a voucher with no node: this chain, this contract, a watched channel, more than
        the best so far, within the deposit, signed by the payer. Returns the increase."""
        incoming = self.open.get(voucher.channel_id)
        if voucher.chain_id != self._chain_id:
            raise InvalidVoucher(f"voucher refused: it is for chain {voucher.chain_id!r}")
        if voucher.contract != self.channels.address_bytes:
            raise InvalidVoucher(f"voucher refused: it is for contract {voucher.contract_address}")
        if incoming is None:
            raise InvalidVoucher(f"voucher refused: channel {voucher.channel_id} is not watched")
        best = incoming.redeemed if incoming.best is None else incoming.best.amount
        if voucher.amount <= best:
            raise InvalidVoucher(f"voucher refused: amount {voucher.amount} is not above {best}")
        if voucher.amount > incoming.deposit:
            raise InvalidVoucher(
                f"voucher refused: amount {voucher.amount} exceeds the deposit {incoming.deposit}"
            )
        if not voucher.verify(incoming.payer_key):
            raise InvalidVoucher("voucher refused: it is not signed by the channel's payer")
        incoming.best = voucher
        return voucher.amount - best

    def redeem(self, channel_id: int) -> int:
        """Redeem the best voucher of a channel; what was paid out now (0 if nothing owed)."""
        incoming = self._watched(channel_id)
        if incoming.best is None or incoming.owed <= 0:
            return 0
        best = incoming.best
        receipt = self._sender.send(
            self.channels, "redeem", channel_id, best.amount, best.signature
        )
        incoming.redeemed = best.amount
        return int(receipt.return_value)

    def close(self, channel_id: int) -> tuple[int, int]:
        """Close a channel with the best voucher: (total paid to the payee, refunded)."""
        incoming = self._watched(channel_id)
        best = incoming.best
        amount, signature = (0, b"") if best is None else (best.amount, best.signature)
        receipt = self._sender.send(self.channels, "close", channel_id, amount, signature)
        del self.open[channel_id]
        paid = int(_event_arg(receipt, "ChannelClosed", "paid"))
        return paid, int(_event_arg(receipt, "ChannelClosed", "refunded"))

    def _watched(self, channel_id: int) -> IncomingChannel:
        incoming = self.open.get(channel_id)
        if incoming is None:
            raise ClientError(f"channel {channel_id} is not watched by this payee")
        return incoming
