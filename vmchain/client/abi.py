"""Contract interfaces for the SDK: selectors, argument encoding, decoding results and events.

Until the compiler issue adds typed ABIs, a function is named by its selector
(`selector(name) = sha256(name)[:4]`), arguments are VM values (int or bytes; a `0x…` address text
is accepted wherever an address is expected and becomes its 20 bytes), return values and event
fields are decoded with `vmchain.encoding.abi`. An `Abi` only names event fields, so events
decode to a dict by field name; without one an event's args are `{"data": (values...)}`.

The provisional JSON form of an ABI is `{"events": {"Deposited": ["who", "amount"]}}`. The
compiler's typed ABI (`vmchain contract compile` writes it as `<Name>.abi.json`; see
`vmchain.lang.abi`) is accepted too: then arguments are encoded and results and events decoded
by their declared types (an Address is `0x` text both ways, a bool a bool, a tuple a tuple).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vmchain.client.errors import ArgumentError
from vmchain.crypto import InvalidAddress, address_from_text
from vmchain.encoding import abi as abi_encoding
from vmchain.lang.abi import AbiValueError, ContractAbi
from vmchain.vm.module import selector

SELECTOR_SIZE = 4

# What an ABI value list decodes to for a return value: None (no value), one value, or a tuple.
Decoded = Any


@dataclass(frozen=True, slots=True)
class Abi:
    """What the SDK knows of a contract's interface: the field names of each event, and with a
    compiler ABI (`typed`) the types of every function and event."""

    events: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    typed: ContractAbi | None = None

    @classmethod
    def from_typed(cls, typed: ContractAbi) -> Abi:
        """From the compiler's ABI (e.g. `Artifact.abi`)."""
        events = {e.name: tuple(f.name for f in e.fields) for e in typed.events}
        return cls(events=events, typed=typed)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Abi:
        """From the compiler's JSON (with "functions") or `{"events": {name: [field, ...]}}`;
        ValueError naming what is wrong."""
        if "functions" in document:
            return cls.from_typed(ContractAbi.from_json(document))
        unknown = set(document) - {"events"}
        if unknown:
            raise ValueError(f"unknown ABI keys {sorted(unknown)}; expected 'events'")
        events = document.get("events", {})
        if not isinstance(events, Mapping):
            raise ValueError("ABI 'events' must be an object {event name: [field names]}")
        checked: dict[str, tuple[str, ...]] = {}
        for name, fields in events.items():
            if not isinstance(fields, Sequence) or isinstance(fields, str | bytes):
                raise ValueError(f"ABI event {name!r}: fields must be a list of names")
            if not all(isinstance(f, str) and f for f in fields):
                raise ValueError(f"ABI event {name!r}: every field name must be a string")
            if len(set(fields)) != len(fields):
                raise ValueError(f"ABI event {name!r}: a field name appears twice")
            checked[str(name)] = tuple(fields)
        return cls(events=checked)

    @classmethod
    def load(cls, path: str | Path) -> Abi:
        """Read the JSON form from a file."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def event_args(self, name: str, values: tuple[abi_encoding.AbiValue, ...]) -> dict[str, Any]:
        """The args dict of event `name`: by field name when known and the count agrees."""
        if self.typed is not None:
            typed = self.typed.event_args(name, values)
            if typed is not None:
                return typed
        fields = self.events.get(name)
        if fields is None or len(fields) != len(values):
            return {"data": values}
        return dict(zip(fields, values, strict=True))

    def encode_call(self, name: str | bytes, args: Sequence[Any]) -> bytes | None:
        """The typed encoding of `name(*args)`, or None when the typed ABI does not know it."""
        if self.typed is None or not isinstance(name, str) or not self.typed.has_function(name):
            return None
        return typed_args(self.typed, name, args)

    def decode_result(self, name: str | bytes, data: bytes, default: Decoded) -> Decoded:
        """`name`'s return value decoded by its declared type (else `default`)."""
        if self.typed is None or not isinstance(name, str) or not self.typed.has_function(name):
            return default
        try:
            return self.typed.decode_return(self.typed.function(name), data)
        except AbiValueError:
            return default


def typed_args(typed: ContractAbi, name: str, args: Sequence[Any]) -> bytes:
    """Arguments encoded by a function's (or "__init__": the constructor's) declared types."""
    fn = typed.constructor if name == "__init__" else typed.function(name)
    try:
        return typed.encode_args(fn, args)
    except AbiValueError as exc:
        raise ArgumentError(str(exc)) from None


NO_ABI = Abi()


def to_selector(name_or_selector: str | bytes) -> bytes:
    """A function name's selector, or a 4-byte selector as given."""
    if isinstance(name_or_selector, bytes):
        if len(name_or_selector) != SELECTOR_SIZE:
            raise ArgumentError(f"a selector is {SELECTOR_SIZE} bytes, got {len(name_or_selector)}")
        return name_or_selector
    if not isinstance(name_or_selector, str) or not name_or_selector.isascii():
        raise ArgumentError(f"function name must be ASCII text, got {name_or_selector!r}")
    return selector(name_or_selector)


def to_value(value: Any, position: int) -> abi_encoding.AbiValue:
    """One argument as a VM value: int, bytes, or a 0x address text (to its 20 bytes)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        try:
            return address_from_text(value)
        except InvalidAddress:
            raise ArgumentError(
                f"argument {position} is the text {value!r}; only a 0x address text is "
                "accepted (pass other text as bytes, e.g. 'x'.encode())"
            ) from None
    raise ArgumentError(
        f"argument {position} is a {type(value).__name__}; VM values are int or bytes "
        "(or a 0x address text)"
    )


def encode_args(args: Sequence[Any]) -> bytes:
    """The ABI encoding of call arguments."""
    values = [to_value(value, i) for i, value in enumerate(args)]
    try:
        return abi_encoding.encode(values)
    except abi_encoding.AbiError as exc:
        raise ArgumentError(f"arguments cannot be encoded: {exc}") from None


def decode_values(data: bytes) -> tuple[abi_encoding.AbiValue, ...] | None:
    """The ABI values in `data`, or None when `data` is not an ABI value list."""
    try:
        return abi_encoding.decode(data)
    except abi_encoding.AbiError:
        return None


def decode_return(data: bytes) -> Decoded:
    """A return value: None for no value, the value for one, a tuple for several.

    Bytes that are not an ABI value list (which a well-formed node never sends) are returned
    as they are.
    """
    values = decode_values(data)
    if values is None:
        return data
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def event_args(abi: Abi, name: str, data: bytes) -> dict[str, Any]:
    """An event's args: by field name when `abi` knows the event, else {"data": values}."""
    values = decode_values(data)
    if values is None:
        return {"raw": data}
    return abi.event_args(name, values)
