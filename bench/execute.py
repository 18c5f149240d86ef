"""Benchmark: signed txs executed, sealed and stored, vmchain's Ledger against py-evm, same run.

Workload 1, plain transfers: 2,000 signed transfers from 100 senders (each to a fresh address),
sealed in blocks of 500. Timed from the raw signed bytes, like a node receives them:
- vmchain: `decode_signed` + `Ledger.admit` per tx, then `Ledger.propose` + `Ledger.commit` per
  block, into a RocksDB store (one synced WriteBatch per block) in a fresh temporary directory;
- py-evm 0.12 (PragueVM, `MiningChain`, eth-keys' coincurve backend, in-memory AtomicDB): the
  transaction builder's `decode` per tx, then `mine_all(txs)` per block. py-evm's
  content-keyed caches are cleared before every timed run (research/peers.md, "Traps").

Workload 2, token transfers: 2,000 `transfer(to, amount)` calls from 100 holders to each other:
- vmchain: bench/token.asm (balances in storage, checks, a Transfer event), deployed and the
  holders funded in untimed setup blocks;
- py-evm: a minimal ERC-20 `transfer(address,uint256)` (and `balanceOf`) hand-assembled below
  (no solc here): non-payable and calldata checks, balances in a mapping at slot 0
  (keccak256(holder . 0)), balance and overflow checks, LOG3 Transfer, returns true; ~35k gas
  a transfer, deployed as runtime code in genesis with every holder's balance in storage. It
  runs fewer instructions than solc's output (so it flatters py-evm a little).

Runs interleave (vmchain, py-evm, vmchain token, py-evm token, ...) and print each pair's ratio;
within a pair vmchain's workload runs --vm-repeat times (its rate is over their total time), so
each side spans seconds of a shared, noisy machine rather than vmchain's half second. The RESULT
lines give medians over the pairs:

    RESULT vmchain_tps=<n> pyevm_tps=<n> ratio=<n>
    RESULT vmchain_call_tps=<n> pyevm_erc20_tps=<n> call_ratio=<n>

Usage: .venv/bin/python bench/execute.py [--runs 5] [--vm-repeat 3] [--txs 2000] [--block 500]
       [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run as a script, bench/ is first on sys.path, and a sibling bench/trie.py would shadow
# the `trie` package py-evm imports; look modules up from the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import eth.db.chain  # noqa: E402
import eth.db.header  # noqa: E402
import eth.db.trie  # noqa: E402
import trie.hexary  # noqa: E402
from eth.chains.base import MiningChain  # noqa: E402
from eth.db.atomic import AtomicDB  # noqa: E402
from eth.tools.builder.chain.builders import (  # noqa: E402
    build,
    chain_id,
    disable_pow_check,
    fork_at,
    genesis,
)
from eth.vm.forks.prague import PragueVM  # noqa: E402
from eth_keys.datatypes import PrivateKey as EthKey  # noqa: E402
from eth_utils.crypto import keccak  # noqa: E402

from vmchain.chain.executor import contract_address  # noqa: E402
from vmchain.chain.genesis import Genesis  # noqa: E402
from vmchain.chain.ledger import Ledger  # noqa: E402
from vmchain.chain.store import open_rocks  # noqa: E402
from vmchain.chain.tx import Tx, build_call, build_deploy, build_transfer, decode_signed  # noqa: E402
from vmchain.crypto import PrivateKey, Scheme  # noqa: E402
from vmchain.encoding import abi  # noqa: E402
from vmchain.vm.asm import assemble  # noqa: E402
from vmchain.vm.module import encode, selector  # noqa: E402

TOKEN_ASM = _HERE / "token.asm"
CHAIN_ID = "bench"
EVM_CHAIN_ID = 1337
FUNDS = 10**30
TOKENS = 10**24
TOKEN_GAS = 100_000
EVM_GAS_PRICE = 10**10
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def secret(tag: bytes) -> int:
    return int.from_bytes(hashlib.sha256(tag).digest(), "big") % SECP256K1_ORDER


def recipient(i: int) -> bytes:
    return hashlib.sha256(b"recipient %d" % i).digest()[:20]


@dataclass(frozen=True)
class Workload:
    """Raw signed txs for one side: setup blocks (untimed) and timed blocks."""

    setup: list[list[bytes]]
    timed: list[list[bytes]]

    @property
    def count(self) -> int:
        return sum(len(b) for b in self.timed)


def blocks_of(raws: Sequence[bytes], size: int) -> list[list[bytes]]:
    return [list(raws[i : i + size]) for i in range(0, len(raws), size)]


# -- vmchain -----------------------------------------------------------------------


class VmSide:
    def __init__(self, senders: int) -> None:
        self.keys = [
            PrivateKey.from_int(Scheme.SECP256K1, secret(b"s%d" % i)) for i in range(senders)
        ]
        self.sealer = PrivateKey.from_int(Scheme.SECP256K1, secret(b"sealer"))
        self.deployer = PrivateKey.from_int(Scheme.SECP256K1, secret(b"deployer"))
        funded = [*self.keys, self.deployer]
        self.genesis = Genesis(
            chain_id=CHAIN_ID,
            timestamp_ms=0,
            authorities=(self.sealer.address,),
            alloc=tuple(sorted((k.address, FUNDS) for k in funded)),
            max_validity_window=1000,
        )

    def transfers(self, count: int, block: int) -> Workload:
        raws = [
            build_transfer(
                self.keys[i % len(self.keys)], chain_id=CHAIN_ID, to=recipient(i), amount=1 + i,
                first_valid=1, last_valid=1000, gas_price=1,
            ).encoded
            for i in range(count)
        ]  # fmt: skip
        return Workload([], blocks_of(raws, block))

    def token(self, count: int, block: int) -> tuple[Workload, bytes]:
        code = encode(assemble(TOKEN_ASM.read_text()))
        deploy = build_deploy(
            self.deployer, chain_id=CHAIN_ID, code=code, init_args=abi.encode([TOKENS]),
            first_valid=1, last_valid=1000, gas_limit=1_000_000, gas_price=1,
        )  # fmt: skip
        token = contract_address(deploy.tx_id)
        fund = [
            self._call(self.deployer, token, k.address, TOKENS // (2 * len(self.keys)), i)
            for i, k in enumerate(self.keys)
        ]
        n = len(self.keys)
        timed = [
            self._call(self.keys[i % n], token, self.keys[(i * 7 + 3) % n].address, 1 + i % 97, i)
            for i in range(count)
        ]
        setup = [[deploy.encoded], [tx.encoded for tx in fund]]
        return Workload(setup, blocks_of([tx.encoded for tx in timed], block)), token

    def _call(self, key: PrivateKey, token: bytes, to: bytes, amount: int, note: int) -> Tx:
        return build_call(
            key, chain_id=CHAIN_ID, contract=token, function=selector("transfer"),
            args=abi.encode([to, amount]), first_valid=1, last_valid=1000,
            gas_limit=TOKEN_GAS, gas_price=1, note=note.to_bytes(4, "big"),
        )  # fmt: skip

    def run(self, work: Workload) -> tuple[float, list[Any]]:
        """Seconds for the timed blocks (fresh RocksDB store), and their receipts."""
        directory = tempfile.mkdtemp(prefix="vmchain-bench-")
        ledger = Ledger.open(open_rocks(directory), self.genesis)
        try:
            clock = [0]
            for raws in work.setup:
                receipts = self._block(ledger, raws, clock)
                assert all(r.status == "SUCCESS" for r in receipts), receipts
            start = time.perf_counter()
            out: list[Any] = []
            for raws in work.timed:
                out.extend(self._block(ledger, raws, clock))
            elapsed = time.perf_counter() - start
        finally:
            ledger.close()
            shutil.rmtree(directory)
        assert len(out) == work.count and all(r.status == "SUCCESS" for r in out)
        return elapsed, out

    def _block(self, ledger: Ledger, raws: list[bytes], clock: list[int]) -> list[Any]:
        txs = []
        for raw in raws:
            tx = decode_signed(raw)
            ledger.admit(tx)
            txs.append(tx)
        clock[0] += 100
        sealed = ledger.propose(txs, clock[0], self.sealer)
        ledger.commit(sealed)
        return list(sealed.receipts)


# -- py-evm ------------------------------------------------------------------------

# EVM opcodes used below.
OP = {
    "STOP": 0x00, "ADD": 0x01, "SUB": 0x03, "LT": 0x10, "GT": 0x11, "EQ": 0x14, "SHR": 0x1C,
    "KECCAK256": 0x20, "CALLER": 0x33, "CALLVALUE": 0x34, "CALLDATALOAD": 0x35,
    "CALLDATASIZE": 0x36, "POP": 0x50, "MSTORE": 0x52, "SLOAD": 0x54, "SSTORE": 0x55,
    "JUMPI": 0x57, "JUMPDEST": 0x5B, "DUP1": 0x80, "DUP2": 0x81, "DUP3": 0x82, "DUP4": 0x83,
    "SWAP1": 0x90, "LOG3": 0xA3, "RETURN": 0xF3, "REVERT": 0xFD,
}  # fmt: skip
TRANSFER_TOPIC = keccak(b"Transfer(address,address,uint256)")

ERC20 = """
    PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR
    DUP1 PUSH4 0xa9059cbb EQ PUSH2 @transfer JUMPI
    DUP1 PUSH4 0x70a08231 EQ PUSH2 @balance JUMPI
    PUSH1 0 DUP1 REVERT
transfer:
    JUMPDEST POP
    CALLVALUE PUSH2 @fail JUMPI
    PUSH1 0x44 CALLDATASIZE LT PUSH2 @fail JUMPI
    PUSH1 4 CALLDATALOAD DUP1 PUSH1 0xa0 SHR PUSH2 @fail JUMPI
    PUSH1 0x24 CALLDATALOAD
    CALLER PUSH1 0 MSTORE PUSH1 0 PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0 KECCAK256
    DUP1 SLOAD
    DUP1 DUP4 GT PUSH2 @fail JUMPI
    DUP3 SWAP1 SUB SWAP1 SSTORE
    DUP2 PUSH1 0 MSTORE PUSH1 0x40 PUSH1 0 KECCAK256
    DUP1 SLOAD DUP3 ADD
    DUP1 DUP4 GT PUSH2 @fail JUMPI
    SWAP1 SSTORE
    PUSH1 0 MSTORE CALLER PUSH32 @topic PUSH1 0x20 PUSH1 0 LOG3
    PUSH1 1 PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN
balance:
    JUMPDEST POP
    PUSH1 4 CALLDATALOAD PUSH1 0 MSTORE PUSH1 0 PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0 KECCAK256
    SLOAD PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN
fail:
    JUMPDEST PUSH1 0 DUP1 REVERT
"""


def evm_assemble(text: str) -> bytes:
    """Assemble the listing above: `label:`, opcodes, `PUSHn value|@label|@topic`."""
    tokens = text.split()
    labels: dict[str, int] = {}
    for final in (False, True):  # pass 1 places the labels (every size is fixed)
        out = bytearray()
        i = 0
        while i < len(tokens):
            token = tokens[i]
            i += 1
            if token.endswith(":"):
                labels[token[:-1]] = len(out)
                continue
            if not token.startswith("PUSH"):
                out.append(OP[token])
                continue
            width, arg = int(token[4:]), tokens[i]
            i += 1
            if arg == "@topic":
                value = int.from_bytes(TRANSFER_TOPIC, "big")
            elif arg.startswith("@"):
                value = labels[arg[1:]] if final else 0
            else:
                value = int(arg, 0)
            out += bytes([0x5F + width]) + value.to_bytes(width, "big")
    return bytes(out)


def balance_slot(holder: bytes) -> int:
    return int.from_bytes(keccak(holder.rjust(32, b"\x00") + bytes(32)), "big")


class EvmSide:
    def __init__(self, senders: int) -> None:
        self.keys = [EthKey(secret(b"s%d" % i).to_bytes(32, "big")) for i in range(senders)]
        self.addresses = [k.public_key.to_canonical_address() for k in self.keys]
        self.token = hashlib.sha256(b"erc20").digest()[:20]
        code = evm_assemble(ERC20)
        self.state: dict[bytes, dict[str, Any]] = {a: {"balance": FUNDS} for a in self.addresses}
        self.state[self.token] = {
            "balance": 0,
            "code": code,
            "storage": {balance_slot(a): TOKENS for a in self.addresses},
        }

    def chain(self) -> Any:
        params = {"gas_limit": 30_000_000, "timestamp": 1, "difficulty": 0, "nonce": bytes(8)}
        return build(
            MiningChain,
            fork_at(PragueVM, 0),
            disable_pow_check(),
            chain_id(EVM_CHAIN_ID),
            genesis(db=AtomicDB(), params=params, state=self.state),
        )

    def _sign(self, vm: Any, i: int, to: bytes, value: int, gas: int, data: bytes) -> bytes:
        n = len(self.keys)
        unsigned = vm.create_unsigned_transaction(
            nonce=i // n, gas_price=EVM_GAS_PRICE, gas=gas, to=to, value=value, data=data
        )
        raw: bytes = unsigned.as_signed_transaction(
            self.keys[i % n], chain_id=EVM_CHAIN_ID
        ).encode()
        return raw

    def transfers(self, count: int, block: int) -> Workload:
        vm = self.chain().get_vm()
        raws = [self._sign(vm, i, recipient(i), 1 + i, 21_000, b"") for i in range(count)]
        return Workload([], blocks_of(raws, block))

    def erc20(self, count: int, block: int) -> Workload:
        vm = self.chain().get_vm()
        n = len(self.keys)
        raws = []
        for i in range(count):
            to = self.addresses[(i * 7 + 3) % n]
            data = (
                bytes.fromhex("a9059cbb") + to.rjust(32, b"\x00") + (1 + i % 97).to_bytes(32, "big")
            )
            raws.append(self._sign(vm, i, self.token, 0, TOKEN_GAS, data))
        return Workload([], blocks_of(raws, block))

    def run(self, work: Workload) -> tuple[float, list[Any]]:
        chain = self.chain()
        clear_pyevm_caches()
        timestamp = 2
        start = time.perf_counter()
        computations: list[Any] = []
        receipts: list[Any] = []
        builder = chain.get_vm().get_transaction_builder()
        for raws in work.timed:
            txs = [builder.decode(raw) for raw in raws]
            _, block_receipts, done = chain.mine_all(txs, timestamp=timestamp)
            computations.extend(done)
            receipts.extend(block_receipts)
            timestamp += 1
        elapsed = time.perf_counter() - start
        assert len(computations) == work.count
        assert all(c.is_success for c in computations), [c.error for c in computations][:3]
        return elapsed, receipts  # gas_used is cumulative within each block


def clear_pyevm_caches() -> None:
    """py-evm caches trie roots and decoded data by content: clear them before a timed run."""
    eth.db.trie._make_trie_root_and_nodes.cache_clear()
    eth.db.header._decode_block_header.cache_clear()
    eth.db.chain.ChainDB._get_block_transactions.cache_clear()
    trie.hexary.HexaryTrie._cached_create_node_to_db_mapping.cache_clear()


# -- driver ------------------------------------------------------------------------


def profile(label: str, fn: Callable[[], object], lines: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    print(f"--- profile: {label} (by own time) ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="interleaved pairs")
    parser.add_argument(
        "--vm-repeat",
        type=int,
        default=3,
        help="vmchain timed runs per pair (their total time), so both sides span seconds",
    )
    parser.add_argument("--txs", type=int, default=2000)
    parser.add_argument("--block", type=int, default=500)
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="cProfile one vmchain run of each")
    opts = parser.parse_args()

    vm_side, evm_side = VmSide(opts.senders), EvmSide(opts.senders)
    work = {
        "vmchain": (vm_side.run, vm_side.transfers(opts.txs, opts.block)),
        "pyevm": (evm_side.run, evm_side.transfers(opts.txs, opts.block)),
        "vmchain_call": (vm_side.run, vm_side.token(opts.txs, opts.block)[0]),
        "pyevm_erc20": (evm_side.run, evm_side.erc20(opts.txs, opts.block)),
    }
    _, vm_receipts = vm_side.run(work["vmchain_call"][1])
    _, evm_receipts = evm_side.run(work["pyevm_erc20"][1])
    print(
        f"gas per token transfer: vmchain {vm_receipts[0].gas_used:,}, "
        f"py-evm ERC-20 {evm_receipts[0].gas_used:,}"
    )
    if opts.profile:
        for name in ("vmchain", "vmchain_call"):
            run, w = work[name]
            profile(name, lambda run=run, w=w: run(w))  # type: ignore[misc]
    rates: dict[str, list[float]] = {name: [] for name in work}
    for i in range(opts.runs):
        for name, (run, w) in work.items():
            repeat = opts.vm_repeat if name.startswith("vmchain") else 1
            elapsed = sum(run(w)[0] for _ in range(repeat))
            rates[name].append(repeat * w.count / elapsed)
        r = {name: values[-1] for name, values in rates.items()}
        print(
            f"run {i + 1}: vmchain {r['vmchain']:,.0f} tx/s, py-evm {r['pyevm']:,.0f} tx/s "
            f"(x{r['vmchain'] / r['pyevm']:.1f}); token: vmchain {r['vmchain_call']:,.0f} "
            f"calls/s, py-evm ERC-20 {r['pyevm_erc20']:,.0f} calls/s "
            f"(x{r['vmchain_call'] / r['pyevm_erc20']:.1f})",
            flush=True,
        )
    med = {name: statistics.median(values) for name, values in rates.items()}
    print(
        f"RESULT vmchain_tps={med['vmchain']:.0f} pyevm_tps={med['pyevm']:.0f} "
        f"ratio={med['vmchain'] / med['pyevm']:.2f}"
    )
    print(
        f"RESULT vmchain_call_tps={med['vmchain_call']:.0f} "
        f"pyevm_erc20_tps={med['pyevm_erc20']:.0f} "
        f"call_ratio={med['vmchain_call'] / med['pyevm_erc20']:.2f}"
    )


if __name__ == "__main__":
    main()
