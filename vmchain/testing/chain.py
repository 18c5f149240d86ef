"""LocalChain: a Ledger over a memory store with dev accounts, time control and typed
contract handles (deploy from source, call, transact). Thin: the chain does the work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vmchain.chain.genesis import dev_genesis, dev_keys
from vmchain.chain.ledger import Ledger
from vmchain.chain.receipt import Event as ChainEvent
from vmchain.chain.store import memory_store
from vmchain.chain.tx import Tx, build_call, build_deploy, build_transfer
from vmchain.crypto import PrivateKey, address_to_text, to_address
from vmchain.encoding import abi as vm_abi
from vmchain.lang.abi import AbiFunction, ContractAbi
from vmchain.lang.compiler import Artifact, compile_file, compile_source

DEFAULT_TIME = 1_700_000_000  # seconds: the dev genesis time of a LocalChain
DEFAULT_GAS = 10_000_000
VALIDITY = 100


@dataclass(frozen=True, slots=True)
class Account:
    """A funded dev account: its key and its `0x` address."""

    key: PrivateKey

    @property
    def address(self) -> str:
        return address_to_text(self.key.address)

    @property
    def address_bytes(self) -> bytes:
        return self.key.address


@dataclass(frozen=True, slots=True)
class EventRecord:
    name: str
    args: dict[str, Any]  # by field name, typed (or {"data": values} for an unknown event)
    contract: str


@dataclass(frozen=True, slots=True)
class Receipt:
    """The outcome of a sealed transaction (or of a read-only call: height is the state's)."""

    status: str
    return_value: Any
    events: tuple[EventRecord, ...]
    error: str
    gas_used: int
    height: int
    tx_id: str = ""
    contract_address: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"


class TransactionFailed(Exception):
    """A sealed transaction whose status is not SUCCESS; `message` is the contract's."""

    def __init__(self, receipt: Receipt) -> None:
        self.receipt = receipt
        self.message = receipt.error
        super().__init__(f"{receipt.status}: {receipt.error}" if receipt.error else receipt.status)


class CallFailed(TransactionFailed):
    """A read-only call that did not succeed."""


Sender = Account | PrivateKey | None


class LocalChain:
    """The dev chain in memory; account 0 seals and is the default sender."""

    def __init__(self, *, timestamp: int = DEFAULT_TIME) -> None:
        self.ledger = Ledger.open(memory_store(), dev_genesis(timestamp * 1000))
        self.accounts = tuple(Account(key) for key in dev_keys())
        self._sealer = self.accounts[0].key
        self._time_ms = timestamp * 1000
        self._abis: dict[bytes, ContractAbi] = {}
        self._notes = 0

    # -- time and blocks -------------------------------------------------------------------

    @property
    def timestamp(self) -> int:
        """The next block's timestamp, in seconds."""
        return self._time_ms // 1000

    @property
    def height(self) -> int:
        return self.ledger.height()

    def advance(self, seconds: int) -> None:
        """Move the clock forward (the next block is stamped that much later)."""
        if seconds < 0:
            raise ValueError("time never goes backwards")
        self._time_ms += seconds * 1000

    def set_time(self, timestamp: int) -> None:
        """Stamp the next block at `timestamp` seconds (not before the head)."""
        if timestamp * 1000 < self.ledger.head().header.timestamp_ms:
            raise ValueError("time never goes backwards")
        self._time_ms = timestamp * 1000

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self.ledger.commit(self.ledger.propose([], self._time_ms, self._sealer))

    def balance(self, address: str | bytes) -> int:
        return self.ledger.account(to_address(address)).balance

    # -- transactions ----------------------------------------------------------------------

    def _key(self, sender: Sender) -> PrivateKey:
        if sender is None:
            return self.accounts[0].key
        return sender.key if isinstance(sender, Account) else sender

    def _window(self) -> dict[str, Any]:
        self._notes += 1
        first = self.height + 1
        return {
            "chain_id": self.ledger.params.chain_id,
            "first_valid": first,
            "last_valid": first + VALIDITY,
            "note": self._notes.to_bytes(8, "big"),
        }

    def seal(self, tx: Tx) -> Any:
        """Seal `tx` alone in the next block; the chain receipt (TxRejected if invalid)."""
        sealed = self.ledger.propose([tx], self._time_ms, self._sealer)
        if self.ledger.last_skipped:
            raise self.ledger.last_skipped[0]
        self.ledger.commit(sealed)
        return sealed.receipts[0]

    def transfer(self, to: str | bytes, amount: int, *, sender: Sender = None) -> Receipt:
        tx = build_transfer(self._key(sender), to=to, amount=amount, **self._window())
        return self._receipt(self.seal(tx), None, True)

    def deploy(
        self,
        source: str | Path | Artifact,
        *args: Any,
        sender: Sender = None,
        value: int = 0,
        gas: int = DEFAULT_GAS,
    ) -> Deployed:
        """Compile (a path, or an Artifact as is) and deploy; TransactionFailed if init fails."""
        artifact = source if isinstance(source, Artifact) else compile_file(source)
        abi = artifact.abi
        init_args = abi.encode_args(abi.constructor, args)
        tx = build_deploy(
            self._key(sender), code=artifact.code, init_args=init_args, value=value,
            gas_limit=gas, **self._window(),
        )  # fmt: skip
        receipt = self._receipt(self.seal(tx), None, True)
        assert receipt.contract_address is not None
        address = to_address(receipt.contract_address)
        self._abis[address] = abi
        return Deployed(self, address, abi, receipt)

    def deploy_source(self, text: str, *args: Any, path: str = "<source>", **kw: Any) -> Deployed:
        """Compile source text and deploy it."""
        return self.deploy(compile_source(path, text), *args, **kw)

    def _receipt(
        self, raw: Any, fn: AbiFunction | None, check: bool, contract: bytes = b""
    ) -> Receipt:
        """A typed Receipt from a chain receipt or a ledger CallOutcome."""
        created = getattr(raw, "contract_address", b"")
        receipt = Receipt(
            status=raw.status,
            return_value=decode_result(fn, self._abis.get(contract), raw.return_value),
            events=tuple(self._event(e) for e in raw.events),
            error=raw.error,
            gas_used=raw.gas_used,
            height=raw.height,
            tx_id="0x" + raw.tx_id.hex() if getattr(raw, "tx_id", b"") else "",
            contract_address=address_to_text(created) if created else None,
        )
        if check and not receipt.succeeded:
            raise TransactionFailed(receipt)
        return receipt

    def _event(self, event: ChainEvent) -> EventRecord:
        values = vm_abi.decode(event.data)
        abi = self._abis.get(event.contract)
        args = abi.event_args(event.name, values) if abi is not None else None
        return EventRecord(
            event.name,
            args if args is not None else {"data": values},
            address_to_text(event.contract),
        )


def decode_result(fn: AbiFunction | None, abi: ContractAbi | None, data: bytes) -> Any:
    if fn is not None and abi is not None:
        return abi.decode_return(fn, data)
    values = vm_abi.decode(data)
    return values[0] if len(values) == 1 else (values or None)


class Deployed:
    """A contract on a LocalChain, called by its typed ABI."""

    def __init__(
        self, chain: LocalChain, address: bytes, abi: ContractAbi, receipt: Receipt
    ) -> None:
        self.chain = chain
        self.address_bytes = address
        self.address = address_to_text(address)
        self.abi = abi
        self.deploy_receipt = receipt

    def __repr__(self) -> str:
        return f"Deployed({self.abi.contract} at {self.address})"

    def transact(
        self,
        name: str,
        *args: Any,
        sender: Sender = None,
        value: int = 0,
        gas: int = DEFAULT_GAS,
        check: bool = True,
    ) -> Receipt:
        """Send `name(*args)` in its own block; TransactionFailed unless it succeeds (check)."""
        fn = self.abi.function(name)
        tx = build_call(
            self.chain._key(sender), contract=self.address_bytes, function=fn.selector,
            args=self.abi.encode_args(fn, args), value=value, gas_limit=gas, **self.chain._window(),
        )  # fmt: skip
        return self.chain._receipt(self.chain.seal(tx), fn, check, self.address_bytes)

    def simulate(self, name: str, *args: Any, sender: Sender = None, value: int = 0) -> Receipt:
        """Run `name(*args)` read-only against the head, as if in the next block."""
        fn = self.abi.function(name)
        key = self.chain._key(sender)
        outcome = self.chain.ledger.call(
            key.address, self.address_bytes, fn.selector, self.abi.encode_args(fn, args), value,
            timestamp_ms=self.chain._time_ms,
        )  # fmt: skip
        return self.chain._receipt(outcome, fn, False, self.address_bytes)

    def call(self, name: str, *args: Any, sender: Sender = None, value: int = 0) -> Any:
        """The typed result of a read-only call; CallFailed unless it succeeds."""
        receipt = self.simulate(name, *args, sender=sender, value=value)
        if not receipt.succeeded:
            raise CallFailed(receipt)
        return receipt.return_value

    def balance(self) -> int:
        return self.chain.balance(self.address_bytes)
