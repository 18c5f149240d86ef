"""`vmchain contract compile|deploy|call|send`: the contract language from the command line.

    vmchain contract compile contracts/parking.py -o build     # build/Parking.vmc + .abi.json
    vmchain contract deploy contracts/parking.py --dev-account 0
    vmchain contract call 0xADDR quote 1 0xVEHICLE --abi build/Parking.abi.json
    vmchain contract send 0xADDR deposit --value 500 --abi build/Parking.abi.json --dev-account 3

Arguments are text, converted by the function's ABI types (int: decimal or 0x hex; bool: true
or false; bytes: 0x hex; Address: 0x + 40 hex). Compile errors print as FILE:LINE:COL lines and
exit 1; a compiler bug exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vmchain.cli.commands import Command, CommandError, UsageError
from vmchain.cli.commands.sdk_args import (
    add_node_arguments,
    add_signer_arguments,
    amount_arg,
    connect,
    emit,
    jsonable,
    receipt_document,
    sdk_errors,
    signer,
)
from vmchain.client import Abi
from vmchain.lang.abi import AbiFunction, ContractAbi
from vmchain.lang.compiler import Artifact, compile_file
from vmchain.lang.errors import CompileErrors, CompilerBug

EXIT_BUG = 2
MODULE_SUFFIX = ".vmc"
ABI_SUFFIX = ".abi.json"


class _Bug(Exception):
    """Carries a compiler bug to `run`, which exits 2."""


def _compile(path: Path) -> Artifact:
    try:
        return compile_file(path)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    except CompileErrors as exc:
        raise CommandError(str(exc)) from None
    except CompilerBug as exc:
        raise _Bug(f"compiler bug (please report it): {exc}") from None


def _load_abi(path: Path) -> ContractAbi:
    """An ABI from a .abi.json file, or compiled from a contract source."""
    if path.suffix == ".py":
        return _compile(path).abi
    try:
        return ContractAbi.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the ABI {path}: {exc}") from None


def _artifact(path: Path, abi_path: Path | None) -> Artifact:
    """What to deploy: a source file, or a .vmc module with its ABI (given or beside it)."""
    if path.suffix != MODULE_SUFFIX:
        return _compile(path)
    abi_file = abi_path or path.with_name(path.name[: -len(MODULE_SUFFIX)] + ABI_SUFFIX)
    abi = _load_abi(abi_file)
    try:
        code = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
    return Artifact(abi.contract, code, abi)


_BOOLS = {"true": True, "false": False, "1": True, "0": False}


def parse_value(type_text: str, text: str) -> Any:
    """A command-line argument as a value of ABI type `type_text`."""
    try:
        if type_text == "int":
            return int(text, 0)
        if type_text == "bool":
            return _BOOLS[text.lower()]
        if type_text == "bytes":
            return bytes.fromhex(text[2:] if text.startswith("0x") else text)
    except (ValueError, KeyError):
        raise UsageError(f"{text!r} is not a {type_text}") from None
    if type_text == "Address":
        return text
    raise UsageError(f"arguments of type {type_text} cannot be given on the command line")


def _values(fn: AbiFunction, texts: list[str]) -> list[Any]:
    if len(texts) != len(fn.inputs):
        names = " ".join(p.name for p in fn.inputs)
        raise UsageError(f"{fn.name} takes {len(fn.inputs)} arguments ({names}), got {len(texts)}")
    return [parse_value(p.type, t) for p, t in zip(fn.inputs, texts, strict=True)]


def _function(abi: ContractAbi, name: str) -> AbiFunction:
    if not abi.has_function(name):
        names = ", ".join(f.name for f in abi.functions)
        raise UsageError(f"{abi.contract} has no public function {name!r} (it has {names})")
    return abi.function(name)


# -- actions -------------------------------------------------------------------------------


def run_compile(args: argparse.Namespace) -> int:
    artifact = _compile(args.file)
    out: Path = args.output
    try:
        out.mkdir(parents=True, exist_ok=True)
        module = out / f"{artifact.name}{MODULE_SUFFIX}"
        abi = out / f"{artifact.name}{ABI_SUFFIX}"
        module.write_bytes(artifact.code)
        abi.write_text(artifact.abi_text())
    except OSError as exc:
        raise CommandError(f"cannot write to {out}: {exc.strerror or exc}") from None
    emit(
        args,
        {
            "contract": artifact.name,
            "module": str(module),
            "abi": str(abi),
            "bytes": len(artifact.code),
        },
    )
    return 0


def run_deploy(args: argparse.Namespace) -> int:
    artifact = _artifact(args.file, args.abi)
    values = _values(artifact.abi.constructor, args.args)
    wallet = signer(args)
    with connect(args) as node, sdk_errors():
        contract = node.deploy(wallet, artifact, *values, value=args.value)
    assert contract.deploy_receipt is not None
    document = receipt_document(contract.deploy_receipt)
    emit(args, {"contract": artifact.name, "address": contract.address, **document})
    return 0


def run_call(args: argparse.Namespace) -> int:
    abi = _load_abi(args.abi)
    fn = _function(abi, args.function)
    values = _values(fn, args.args)
    with connect(args) as node, sdk_errors():
        result = node.contract(args.address, Abi.from_typed(abi)).call(
            fn.name, *values, value=args.value
        )
    emit(args, {"return_value": jsonable(result)})
    return 0


def run_send(args: argparse.Namespace) -> int:
    abi = _load_abi(args.abi)
    fn = _function(abi, args.function)
    values = _values(fn, args.args)
    wallet = signer(args)
    with connect(args) as node, sdk_errors():
        contract = node.contract(args.address, Abi.from_typed(abi))
        receipt = contract.transact(wallet, fn.name, *values, value=args.value, check=False)
    emit(args, receipt_document(receipt))
    if not receipt.succeeded:
        raise CommandError(f"{fn.name} ended {receipt.status}: {receipt.error}")
    return 0


ACTIONS = {"compile": run_compile, "deploy": run_deploy, "call": run_call, "send": run_send}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="contract_command", metavar="ACTION")
    comp = actions.add_parser("compile", help="compile a contract to FILE.vmc and FILE.abi.json")
    comp.add_argument("file", type=Path, metavar="FILE")
    comp.add_argument("-o", "--output", type=Path, default=Path("build"), metavar="DIR")
    comp.add_argument("--json", action="store_true", help="print one JSON object")
    deploy = actions.add_parser("deploy", help="deploy a contract source or a .vmc module")
    deploy.add_argument("file", type=Path, metavar="FILE")
    deploy.add_argument("args", nargs="*", metavar="ARG", help="constructor arguments")
    deploy.add_argument("--abi", type=Path, metavar="FILE", help="ABI of a .vmc module")
    deploy.add_argument("--value", type=amount_arg, default=0, metavar="N")
    add_signer_arguments(deploy)
    add_node_arguments(deploy)
    for name, text in (("call", "read-only call"), ("send", "send a transaction")):
        sub = actions.add_parser(name, help=f"{text} to a deployed contract")
        sub.add_argument("address", metavar="ADDRESS")
        sub.add_argument("function", metavar="FUNCTION")
        sub.add_argument("args", nargs="*", metavar="ARG")
        sub.add_argument("--abi", type=Path, required=True, metavar="FILE", help=".abi.json or .py")
        sub.add_argument("--value", type=amount_arg, default=0, metavar="N")
        if name == "send":
            add_signer_arguments(sub)
        add_node_arguments(sub)


def run(args: argparse.Namespace) -> int:
    action = ACTIONS.get(args.contract_command or "")
    if action is None:
        raise UsageError("expected an action: compile, deploy, call or send")
    try:
        return action(args)
    except _Bug as exc:
        print(f"vmchain contract: {exc}", file=sys.stderr)
        return EXIT_BUG


COMMAND = Command("contract", "compile, deploy and call contracts", add_arguments, run)
