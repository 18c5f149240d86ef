"""The typed ABI: a contract's interface as JSON, and typed values over the VM value encoding.

The VM encodes lists of ints and byte strings (`vmchain.encoding.abi`). The language's types
map onto them:

    int      an int
    bool     the int 0 or 1
    bytes    bytes
    Address  bytes of length 20 (the SDK shows `0x` + 40 hex digits and accepts that text)
    tuple    one bytes value holding the ABI encoding of its items (a return value only)

Call arguments are the list of the function's inputs; a return value is the list of its one
result (or empty); an event's data is the list of its fields. The JSON document
(`abi_json`) names the contract, its constructor, its public functions (name, selector,
typed inputs, returns, view, payable) and its events (typed fields).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vmchain.crypto import InvalidAddress, address_from_text, address_to_text
from vmchain.encoding import abi as vm_abi
from vmchain.lang import model as m
from vmchain.lang.check import Checked
from vmchain.vm.module import selector

ABI_VERSION = 1
ADDRESS_SIZE = 20
SCALAR_TYPES = ("int", "bool", "bytes", "Address")


class AbiValueError(ValueError):
    """A value that does not fit its ABI type, or data that does not decode as it."""


@dataclass(frozen=True, slots=True)
class AbiParam:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class AbiFunction:
    name: str
    inputs: tuple[AbiParam, ...]
    returns: str | None
    view: bool = False
    payable: bool = False

    @property
    def selector(self) -> bytes:
        return selector(self.name)


@dataclass(frozen=True, slots=True)
class AbiEvent:
    name: str
    fields: tuple[AbiParam, ...]


def tuple_items(type_text: str) -> tuple[str, ...] | None:
    """The item types of "tuple[a, b]", or None for a scalar type."""
    if not type_text.startswith("tuple[") or not type_text.endswith("]"):
        return None
    return tuple(part.strip() for part in type_text[len("tuple[") : -1].split(","))


def _check_type(type_text: str) -> None:
    items = tuple_items(type_text)
    if type_text not in SCALAR_TYPES and (items is None or not set(items) <= set(SCALAR_TYPES)):
        raise AbiValueError(f"unknown ABI type {type_text!r}")


# -- values --------------------------------------------------------------------------------


def to_vm(type_text: str, value: Any, what: str = "value") -> vm_abi.AbiValue:
    """A Python value as the VM value of ABI type `type_text`."""
    items = tuple_items(type_text)
    if items is not None:
        if not isinstance(value, tuple | list) or len(value) != len(items):
            raise AbiValueError(f"{what} must be a {type_text} ({len(items)} items)")
        return vm_abi.encode(
            [
                to_vm(t, v, f"{what} item {i}")
                for i, (t, v) in enumerate(zip(items, value, strict=True))
            ]
        )
    if type_text == "int" and type(value) is int:
        if not vm_abi.INT_MIN <= value <= vm_abi.INT_MAX:
            raise AbiValueError(f"{what} {value} is outside -2**255..2**255-1")
        return value
    if type_text == "bool" and type(value) is bool:
        return int(value)
    if type_text == "bytes" and isinstance(value, bytes | bytearray):
        return bytes(value)
    if type_text == "Address":
        return _address(value, what)
    raise AbiValueError(f"{what} must be {_article(type_text)}, got {type(value).__name__}")


def _article(type_text: str) -> str:
    return {"int": "an int", "bool": "a bool", "bytes": "bytes", "Address": "an Address"}.get(
        type_text, type_text
    )


def _address(value: Any, what: str) -> bytes:
    if isinstance(value, str):
        try:
            return address_from_text(value)
        except InvalidAddress as exc:
            raise AbiValueError(f"{what}: {exc}") from None
    if isinstance(value, bytes | bytearray) and len(value) == ADDRESS_SIZE:
        return bytes(value)
    raise AbiValueError(f"{what} must be an Address: '0x' + 40 hex digits or 20 bytes")


def from_vm(type_text: str, value: vm_abi.AbiValue) -> Any:
    """The Python value of VM value `value` of ABI type `type_text`."""
    items = tuple_items(type_text)
    if items is not None:
        if not isinstance(value, bytes):
            raise AbiValueError(f"a {type_text} is encoded as bytes, got an int")
        try:
            inner = vm_abi.decode(value)
        except vm_abi.AbiError as exc:
            raise AbiValueError(f"a {type_text} does not decode: {exc}") from None
        if len(inner) != len(items):
            raise AbiValueError(f"a {type_text} has {len(items)} items, the data {len(inner)}")
        return tuple(from_vm(t, v) for t, v in zip(items, inner, strict=True))
    want = int if type_text in ("int", "bool") else bytes
    if not isinstance(value, want):
        raise AbiValueError(f"a {type_text} value cannot be {type(value).__name__}")
    if type_text == "bool":
        if value not in (0, 1):
            raise AbiValueError(f"a bool must be 0 or 1, got {value!r}")
        return value == 1
    if type_text == "Address":
        assert isinstance(value, bytes)
        if len(value) != ADDRESS_SIZE:
            raise AbiValueError(f"an Address is 20 bytes, got {len(value)}")
        return address_to_text(value)
    return value


# -- the contract's ABI ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractAbi:
    """What a caller needs to talk to a contract: its functions and events, typed."""

    contract: str
    constructor: AbiFunction
    functions: tuple[AbiFunction, ...]
    events: tuple[AbiEvent, ...]

    def function(self, name: str) -> AbiFunction:
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise AbiValueError(f"{self.contract} has no public function {name!r}")

    def has_function(self, name: str) -> bool:
        return any(fn.name == name for fn in self.functions)

    def event(self, name: str) -> AbiEvent | None:
        return next((e for e in self.events if e.name == name), None)

    def encode_args(self, fn: AbiFunction, args: Sequence[Any]) -> bytes:
        """The ABI encoding of `args` for `fn` (checked against its input types)."""
        if len(args) != len(fn.inputs):
            raise AbiValueError(f"{fn.name} takes {len(fn.inputs)} arguments, got {len(args)}")
        values = [
            to_vm(p.type, v, f"argument {p.name!r} of {fn.name}")
            for p, v in zip(fn.inputs, args, strict=True)
        ]
        return vm_abi.encode(values)

    def decode_return(self, fn: AbiFunction, data: bytes) -> Any:
        """A function's return value (None when it returns nothing)."""
        try:
            values = vm_abi.decode(data)
        except vm_abi.AbiError as exc:
            raise AbiValueError(f"the result of {fn.name} does not decode: {exc}") from None
        if fn.returns is None or not values:
            return None
        return from_vm(fn.returns, values[0])

    def event_args(self, name: str, values: Sequence[vm_abi.AbiValue]) -> dict[str, Any] | None:
        """An event's fields by name, typed; None when the event or its shape is unknown."""
        event = self.event(name)
        if event is None or len(event.fields) != len(values):
            return None
        try:
            return {f.name: from_vm(f.type, v) for f, v in zip(event.fields, values, strict=True)}
        except AbiValueError:
            return None

    def to_json(self) -> dict[str, Any]:
        return {
            "abi_version": ABI_VERSION,
            "contract": self.contract,
            "constructor": {
                "inputs": _params_json(self.constructor.inputs),
                "payable": self.constructor.payable,
            },
            "functions": [_function_json(fn) for fn in self.functions],
            "events": [{"name": e.name, "fields": _params_json(e.fields)} for e in self.events],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ContractAbi:
        """Read the JSON form; AbiValueError naming what is wrong."""
        try:
            ctor = document.get("constructor") or {"inputs": []}
            return cls(
                contract=str(document["contract"]),
                constructor=AbiFunction(
                    "__init__",
                    _params(ctor["inputs"]),
                    None,
                    False,
                    bool(ctor.get("payable", False)),
                ),
                functions=tuple(_function(f) for f in document["functions"]),
                events=tuple(
                    AbiEvent(str(e["name"]), _params(e["fields"]))
                    for e in document.get("events", ())
                ),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise AbiValueError(f"not a contract ABI document: missing or bad {exc}") from None


def _params_json(params: tuple[AbiParam, ...]) -> list[dict[str, str]]:
    return [{"name": p.name, "type": p.type} for p in params]


def _function_json(fn: AbiFunction) -> dict[str, Any]:
    return {
        "name": fn.name,
        "selector": "0x" + fn.selector.hex(),
        "inputs": _params_json(fn.inputs),
        "returns": fn.returns,
        "view": fn.view,
        "payable": fn.payable,
    }


def _params(items: Any) -> tuple[AbiParam, ...]:
    params = tuple(AbiParam(str(p["name"]), str(p["type"])) for p in items)
    for p in params:
        _check_type(p.type)
    return params


def _function(item: Mapping[str, Any]) -> AbiFunction:
    returns = item.get("returns")
    if returns is not None:
        _check_type(str(returns))
    fn = AbiFunction(
        str(item["name"]),
        _params(item["inputs"]),
        None if returns is None else str(returns),
        bool(item.get("view", False)),
        bool(item.get("payable", False)),
    )
    declared = item.get("selector")
    if declared is not None and declared != "0x" + fn.selector.hex():
        raise AbiValueError(f"function {fn.name}: selector {declared} is not sha256(name)[:4]")
    return fn


def _type_text(typ: m.Type) -> str:
    return str(typ)


def _abi_function(method: m.Method) -> AbiFunction:
    inputs = tuple(AbiParam(p.name, _type_text(p.type)) for p in method.params)
    returns = None if method.returns == m.NONE else _type_text(method.returns)
    return AbiFunction(method.name, inputs, returns, method.view, method.payable)


def abi_of(checked: Checked) -> ContractAbi:
    """The typed ABI of a checked contract: public functions in source order, events."""
    methods = checked.source.contract.methods
    init = next((x for x in methods if x.is_init), None)
    constructor = AbiFunction("__init__", (), None) if init is None else _abi_function(init)
    return ContractAbi(
        contract=checked.name,
        constructor=constructor,
        functions=tuple(_abi_function(x) for x in methods if x.public),
        events=tuple(
            AbiEvent(e.name, tuple(AbiParam(f.name, _type_text(f.type)) for f in e.fields))
            for e in checked.source.events
        ),
    )
