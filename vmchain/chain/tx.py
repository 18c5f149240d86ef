"""Transactions: frozen domain types, canonical decoding, tx ids, intrinsic gas and builders.

The protobuf `TransactionBody` is the canonical wire and signing format (DESIGN.md section 3); it
is converted to and from the dataclasses here and never leaves this module's public API. A body
is accepted only in its one canonical form: it must parse, carry no unknown fields, and
re-serialize (deterministic=True) to exactly the bytes received. The tx id is sha256(body bytes)
and the signature is over sha256(b"vmchain-tx" || body bytes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from google.protobuf.message import DecodeError

from vmchain._proto.vmchain.v1 import types_pb2 as pb
from vmchain.chain.errors import Reason, TxRejected
from vmchain.crypto import (
    ADDRESS_SIZE,
    InvalidKey,
    PrivateKey,
    address_of,
    signing_digest,
    to_address,
    verify,
)
from vmchain.encoding.amount import decode_amount, encode_amount
from vmchain.encoding.errors import EncodingError, NonCanonical

TX_DOMAIN = b"vmchain-tx"
SELECTOR_SIZE = 4

# Intrinsic gas: what a transaction costs before any code runs (see docs/chain.md). A plain
# transfer costs exactly this; calls and deploys add what the VM charges.
TX_BASE_GAS = 21_000
GAS_PER_BODY_BYTE = 16


def intrinsic_gas(body_size: int) -> int:
    """TX_BASE_GAS + GAS_PER_BODY_BYTE per byte of the serialized body."""
    return TX_BASE_GAS + GAS_PER_BODY_BYTE * body_size


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move `amount` minor units to `to`."""

    to: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class Deploy:
    """Create a contract from a VM module, running its constructor with `init_args`."""

    code: bytes
    init_args: bytes = b""
    value: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    """Call `function` (a 4-byte selector) of `contract` with ABI-encoded `args`."""

    contract: bytes
    function: bytes
    args: bytes = b""
    value: int = 0


Payload = Transfer | Deploy | Call


@dataclass(frozen=True, slots=True)
class TxBody:
    """What a sender signs."""

    chain_id: str
    sender: bytes
    first_valid: int
    last_valid: int
    gas_limit: int
    gas_price: int
    payload: Payload
    note: bytes = b""

    @property
    def value(self) -> int:
        """Minor units this tx moves out of the sender besides gas."""
        payload = self.payload
        return payload.amount if isinstance(payload, Transfer) else payload.value

    @property
    def max_cost(self) -> int:
        """The most this tx can take from the sender: gas_limit * gas_price + value."""
        return self.gas_limit * self.gas_price + self.value


@dataclass(frozen=True, slots=True)
class Tx:
    """A decoded, signature-checked transaction and the exact bytes it arrived as."""

    body: TxBody
    body_bytes: bytes
    public_key: bytes
    signature: bytes
    tx_id: bytes
    encoded: bytes  # the canonical SignedTransaction bytes (what tx_root commits to)

    @property
    def sender(self) -> bytes:
        return self.body.sender

    @property
    def size(self) -> int:
        return len(self.encoded)

    def to_bytes(self) -> bytes:
        return self.encoded


# ---------------------------------------------------------------------------------------------
# Strict protobuf parsing, shared with block.py and receipt.py


class WireProblem(ValueError):
    """Bytes that are not the canonical serialization of a message (`non_canonical` says which)."""

    def __init__(self, message: str, *, non_canonical: bool) -> None:
        super().__init__(message)
        self.non_canonical = non_canonical


M = TypeVar("M")


def parse_canonical(message_type: type[M], raw: bytes, what: str) -> M:
    """Parse `raw` as `message_type`, requiring its one canonical form; WireProblem otherwise."""
    message: Any = message_type()
    try:
        message.ParseFromString(raw)
    except DecodeError as exc:
        raise WireProblem(f"{what} does not parse: {exc}", non_canonical=False) from None
    if message.SerializeToString(deterministic=True) != raw:
        raise WireProblem(
            f"{what} is not canonical: it does not re-serialize to the same bytes "
            "(fields out of order, repeated, padded, or defaults written out)",
            non_canonical=True,
        )
    message.DiscardUnknownFields()
    if message.ByteSize() != len(raw):
        raise WireProblem(f"{what} carries unknown fields", non_canonical=True)
    result: M = message
    return result


# ---------------------------------------------------------------------------------------------
# Body <-> protobuf


def _malformed(message: str, tx_id: bytes | None = None) -> TxRejected:
    return TxRejected(Reason.MALFORMED, message, tx_id)


def _check_size(value: bytes, size: int, what: str) -> None:
    if len(value) != size:
        raise _malformed(f"{what} must be {size} bytes, got {len(value)}")


def _amount(raw: bytes, what: str) -> int:
    """Decode a canonical amount (DESIGN.md section 3); TxRejected naming the field otherwise."""
    try:
        return decode_amount(raw)
    except NonCanonical as exc:
        raise TxRejected(Reason.NON_CANONICAL, f"{what}: {exc}") from None
    except EncodingError as exc:
        raise _malformed(f"{what}: {exc}") from None


def _payload_from_message(message: Any) -> Payload:
    kind = message.WhichOneof("payload")
    if kind == "transfer":
        t = message.transfer
        _check_size(t.to, ADDRESS_SIZE, "transfer.to")
        return Transfer(to=t.to, amount=_amount(t.amount, "transfer.amount"))
    if kind == "deploy":
        d = message.deploy
        return Deploy(code=d.code, init_args=d.init_args, value=_amount(d.value, "deploy.value"))
    if kind == "call":
        c = message.call
        _check_size(c.contract, ADDRESS_SIZE, "call.contract")
        _check_size(c.function, SELECTOR_SIZE, "call.function (selector)")
        return Call(
            contract=c.contract,
            function=c.function,
            args=c.args,
            value=_amount(c.value, "call.value"),
        )
    raise _malformed("body has no payload: one of transfer, deploy or call is required")


def decode_body(raw: bytes) -> TxBody:
    """The TxBody of canonical body bytes; TxRejected (malformed / non_canonical) otherwise."""
    try:
        message: Any = parse_canonical(pb.TransactionBody, raw, "transaction body")
    except WireProblem as exc:
        reason = Reason.NON_CANONICAL if exc.non_canonical else Reason.MALFORMED
        raise TxRejected(reason, str(exc)) from None
    _check_size(message.sender, ADDRESS_SIZE, "sender")
    return TxBody(
        chain_id=message.chain_id,
        sender=message.sender,
        first_valid=message.first_valid,
        last_valid=message.last_valid,
        gas_limit=message.gas_limit,
        gas_price=message.gas_price,
        payload=_payload_from_message(message),
        note=message.note,
    )


def _payload_kwargs(payload: Payload) -> dict[str, Any]:
    if isinstance(payload, Transfer):
        _check_size(payload.to, ADDRESS_SIZE, "transfer.to")
        return {"transfer": pb.Transfer(to=payload.to, amount=encode_amount(payload.amount))}
    if isinstance(payload, Deploy):
        value = encode_amount(payload.value)
        return {"deploy": pb.Deploy(code=payload.code, init_args=payload.init_args, value=value)}
    _check_size(payload.contract, ADDRESS_SIZE, "call.contract")
    _check_size(payload.function, SELECTOR_SIZE, "call.function (selector)")
    call = pb.Call(
        contract=payload.contract,
        function=payload.function,
        args=payload.args,
        value=encode_amount(payload.value),
    )
    return {"call": call}


def encode_body(body: TxBody) -> bytes:
    """The canonical body bytes (deterministic protobuf). Raises on fields that cannot be sent."""
    _check_size(body.sender, ADDRESS_SIZE, "sender")
    message = pb.TransactionBody(
        chain_id=body.chain_id,
        sender=body.sender,
        first_valid=body.first_valid,
        last_valid=body.last_valid,
        gas_limit=body.gas_limit,
        gas_price=body.gas_price,
        note=body.note,
        **_payload_kwargs(body.payload),
    )
    raw: bytes = message.SerializeToString(deterministic=True)
    return raw


def tx_id_of(body_bytes: bytes) -> bytes:
    """sha256 of the body bytes exactly as signed."""
    return hashlib.sha256(body_bytes).digest()


# ---------------------------------------------------------------------------------------------
# Signed transactions


def _encode_signed(body_bytes: bytes, public_key: bytes, signature: bytes) -> bytes:
    message = pb.SignedTransaction(body=body_bytes, public_key=public_key, signature=signature)
    raw: bytes = message.SerializeToString(deterministic=True)
    return raw


def _canonical_signed(data: bytes | Any) -> tuple[Any, bytes]:
    """The parsed SignedTransaction and its canonical bytes (which `data` must already be)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        if not isinstance(data, pb.SignedTransaction):
            raise TypeError(f"expected bytes or SignedTransaction, got {type(data).__name__}")
        data = data.SerializeToString(deterministic=True)
    raw = bytes(data)
    try:
        return parse_canonical(pb.SignedTransaction, raw, "signed transaction"), raw
    except WireProblem as exc:
        reason = Reason.NON_CANONICAL if exc.non_canonical else Reason.MALFORMED
        raise TxRejected(reason, str(exc)) from None


def decode_signed(data: bytes | Any) -> Tx:
    """Decode and check a SignedTransaction (raw bytes or the protobuf message).

    Checks, in order: the wrapper and body parse canonically, field sizes and amounts, the
    public key's shape, sender == address_of(public_key), and the signature. Raises TxRejected
    with the reason; tx_id is set on the error once the body bytes are known.
    """
    message, raw = _canonical_signed(data)
    return decode_signed_message(message, encoded=raw)


def decode_signed_message(
    message: Any, *, check_signature: bool = True, encoded: bytes | None = None
) -> Tx:
    """decode_signed for a SignedTransaction message already parsed canonically (in a block).

    check_signature=False is only for bytes this node verified and wrote itself; `encoded` is
    the message's canonical bytes when the caller has them (they are not re-serialized).
    """
    body_bytes: bytes = message.body
    public_key: bytes = message.public_key
    signature: bytes = message.signature
    tx_id = tx_id_of(body_bytes)
    try:
        body = decode_body(body_bytes)
    except TxRejected as exc:
        raise TxRejected(exc.reason, exc.message, tx_id) from None
    _check_key_and_sender(body, public_key, tx_id)
    if check_signature and not verify(public_key, signing_digest(TX_DOMAIN, body_bytes), signature):
        raise TxRejected(
            Reason.BAD_SIGNATURE,
            f"signature ({len(signature)} bytes) does not verify over the body with the given "
            "public key (a valid one is 64 bytes r||s, low-S)",
            tx_id,
        )
    if encoded is None:
        encoded = _encode_signed(body_bytes, public_key, signature)
    return Tx(body, body_bytes, public_key, signature, tx_id, encoded)


def _check_key_and_sender(body: TxBody, public_key: bytes, tx_id: bytes) -> None:
    try:
        signer = address_of(public_key)
    except InvalidKey as exc:
        raise TxRejected(Reason.BAD_PUBLIC_KEY, str(exc), tx_id) from None
    if signer != body.sender:
        raise TxRejected(
            Reason.WRONG_SENDER,
            f"sender 0x{body.sender.hex()} is not the address of the signing key "
            f"(0x{signer.hex()})",
            tx_id,
        )


# ---------------------------------------------------------------------------------------------
# Builders (SDK and tests)


def sign_body(key: PrivateKey, body: TxBody) -> Tx:
    """Serialize `body` canonically and sign it with `key`, whose address must be the sender."""
    if key.address != body.sender:
        raise ValueError(
            f"key address 0x{key.address.hex()} is not the body's sender 0x{body.sender.hex()}"
        )
    body_bytes = encode_body(body)
    signature = key.sign(TX_DOMAIN, body_bytes)
    encoded = _encode_signed(body_bytes, key.public_key, signature)
    return Tx(body, body_bytes, key.public_key, signature, tx_id_of(body_bytes), encoded)


def fit_intrinsic_gas(body: TxBody) -> TxBody:
    """`body` with gas_limit set to exactly the intrinsic gas of the resulting body."""
    gas = 0
    while True:
        candidate = replace(body, gas_limit=gas)
        needed = intrinsic_gas(len(encode_body(candidate)))
        if needed == gas:
            return candidate
        gas = needed  # grows monotonically with the varint length; converges in a few steps


def build_transfer(
    key: PrivateKey,
    *,
    chain_id: str,
    to: bytes | str,
    amount: int,
    first_valid: int,
    last_valid: int,
    gas_price: int = 0,
    gas_limit: int | None = None,
    note: bytes = b"",
) -> Tx:
    """A signed transfer; gas_limit defaults to its intrinsic gas (all a transfer uses)."""
    body = TxBody(
        chain_id=chain_id,
        sender=key.address,
        first_valid=first_valid,
        last_valid=last_valid,
        gas_limit=gas_limit or 0,
        gas_price=gas_price,
        payload=Transfer(to=to_address(to), amount=amount),
        note=note,
    )
    return sign_body(key, fit_intrinsic_gas(body) if gas_limit is None else body)


def build_call(
    key: PrivateKey,
    *,
    chain_id: str,
    contract: bytes | str,
    function: bytes,
    args: bytes = b"",
    value: int = 0,
    first_valid: int,
    last_valid: int,
    gas_limit: int,
    gas_price: int = 0,
    note: bytes = b"",
) -> Tx:
    """A signed contract call (`function` is the 4-byte selector, `args` ABI-encoded)."""
    payload = Call(contract=to_address(contract), function=function, args=args, value=value)
    body = TxBody(
        chain_id, key.address, first_valid, last_valid, gas_limit, gas_price, payload, note
    )
    return sign_body(key, body)


def build_deploy(
    key: PrivateKey,
    *,
    chain_id: str,
    code: bytes,
    init_args: bytes = b"",
    value: int = 0,
    first_valid: int,
    last_valid: int,
    gas_limit: int,
    gas_price: int = 0,
    note: bytes = b"",
) -> Tx:
    """A signed deploy of a VM module with ABI-encoded constructor arguments."""
    payload = Deploy(code=code, init_args=init_args, value=value)
    body = TxBody(
        chain_id, key.address, first_valid, last_valid, gas_limit, gas_price, payload, note
    )
    return sign_body(key, body)


def signed_message(tx: Tx) -> Any:
    """The protobuf SignedTransaction of `tx`, for node/ and block encoding only."""
    return pb.SignedTransaction.FromString(tx.encoded)
