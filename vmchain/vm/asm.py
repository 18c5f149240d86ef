"""Assembler and disassembler: a readable text form of modules, for tests and golden files.

    ; a comment (to end of line)
    .const greeting bytes "hi"        ; a named pool constant: int 12 | bytes 0x0a0b | bytes "text"
    .func add(a: int, b: int) -> int public view     ; flags: public view payable init
    .local tmp: int                   ; a local beyond the params (name optional)
        LGET a                        ; locals by name or number
        LGET b
        ADD
        RET
    loop:                             ; a label; jumps take a label or a byte offset
        JMP loop
        CONST greeting                ; by name, or inline: CONST 7 / "x" / 0x00ff
        CALL add                      ; functions by name or number
        .byte 0xff                    ; raw bytes (to build invalid code in tests)

The pool holds declared and inline constants in order of first appearance (inline ones
deduplicated). ``disassemble`` prints every constant as ``.const cN``, locals by number
and labels as ``L<offset>``, so ``assemble(disassemble(m)) == m`` and
``disassemble(assemble(text))`` is a fixed point.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from vmchain.vm.module import FLAG_NAMES, Function, Module
from vmchain.vm.opcodes import BY_BYTE, BY_NAME, IMM_BYTES, JUMPS, OpSpec
from vmchain.vm.values import TYPE_BY_TEXT, Value, ValueType

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_FUNC_RE = re.compile(rf"\.func\s+({_IDENT})\s*\((.*)\)\s*(?:->\s*(\w+))?\s*(.*)")
_LABEL_RE = re.compile(rf"({_IDENT}):")
_IMM_RANGE = {"u8": (0, 0xFF), "u16": (0, 0xFFFF), "i16": (-0x8000, 0x7FFF)}


class AsmError(ValueError):
    """Assembly text that does not assemble; says the line and what is wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


def _strip(line: str) -> str:
    """Drop a ``;`` comment, but not a ``;`` inside a string literal."""
    in_str = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            in_str = not in_str
        elif ch == ";" and not in_str:
            return line[:i].strip()
    return line.strip()


def _literal(text: str, line: int) -> Value:
    try:
        if text.startswith('"'):
            return str(json.loads(text)).encode("utf-8")
        if text.startswith("0x"):
            return bytes.fromhex(text[2:])
        return int(text, 10)
    except ValueError:
        raise AsmError(line, f"bad literal {text!r}") from None


def _type(text: str, line: int) -> ValueType:
    found = TYPE_BY_TEXT.get(text.strip())
    if found is None:
        raise AsmError(line, f"unknown type {text.strip()!r} (int or bytes)")
    return found


@dataclass
class _Func:
    name: str
    params: list[ValueType]
    results: list[ValueType]
    flags: int
    line: int
    local_names: dict[str, int] = field(default_factory=dict)
    locals: list[ValueType] = field(default_factory=list)
    body: list[tuple[int, str, str | None]] = field(default_factory=list)  # (line, op, operand)


class _Assembler:
    def __init__(self) -> None:
        self.constants: list[Value] = []
        self.const_names: dict[str, int] = {}
        self.funcs: list[_Func] = []

    def constant(self, value: Value) -> int:
        for i, existing in enumerate(self.constants):
            if type(existing) is type(value) and existing == value:
                return i
        self.constants.append(value)
        return len(self.constants) - 1

    def parse(self, text: str) -> None:
        for number, raw in enumerate(text.splitlines(), 1):
            line = _strip(raw)
            if line:
                self.parse_line(number, line)

    def parse_line(self, number: int, line: str) -> None:
        if line.startswith(".const"):
            parts = line.split(None, 3)
            if len(parts) != 4 or parts[2] not in TYPE_BY_TEXT:
                raise AsmError(number, "expected .const NAME int|bytes LITERAL")
            value = _literal(parts[3], number)
            if type(value) is not (int if parts[2] == "int" else bytes):
                raise AsmError(number, f"literal {parts[3]} is not of type {parts[2]}")
            self.constants.append(value)
            self.const_names[parts[1]] = len(self.constants) - 1
        elif line.startswith(".func"):
            self.funcs.append(self.parse_func(number, line))
        elif not self.funcs:
            raise AsmError(number, "instruction outside a .func")
        elif line.startswith(".local"):
            self.parse_local(number, line[len(".local") :])
        else:
            self.parse_instruction(number, line)

    def parse_func(self, number: int, line: str) -> _Func:
        match = _FUNC_RE.fullmatch(line)
        if match is None:
            raise AsmError(number, "expected .func NAME(params) [-> type] [flags]")
        name, params_text, result, flags_text = match.groups()
        func = _Func(name, [], [_type(result, number)] if result else [], 0, number)
        for i, param in enumerate(p for p in params_text.split(",") if p.strip()):
            pname, _, ptype = param.rpartition(":")
            func.local_names[pname.strip() or f"${i}"] = i
            func.params.append(_type(ptype, number))
        for flag in flags_text.split():
            if flag not in FLAG_NAMES:
                raise AsmError(number, f"unknown flag {flag!r}")
            func.flags |= FLAG_NAMES[flag]
        return func

    def parse_local(self, number: int, text: str) -> None:
        func = self.funcs[-1]
        name, _, ltype = text.rpartition(":")
        index = len(func.params) + len(func.locals)
        if name.strip():
            func.local_names[name.strip()] = index
        func.locals.append(_type(ltype, number))

    def parse_instruction(self, number: int, line: str) -> None:
        func = self.funcs[-1]
        label = _LABEL_RE.fullmatch(line)
        if label:
            func.body.append((number, ":", label.group(1)))
            return
        op, _, operand = line.partition(" ")
        func.body.append((number, op.strip(), operand.strip() or None))

    def operand(
        self, func: _Func, number: int, spec: OpSpec, text: str, labels: dict[str, int]
    ) -> int:
        name = spec.name
        if name in JUMPS:
            return labels[text] if text in labels else _int(text, number)
        if name in ("LGET", "LSET"):
            return func.local_names[text] if text in func.local_names else _int(text, number)
        if name == "CALL":
            names = [f.name for f in self.funcs]
            return names.index(text) if text in names else _int(text, number)
        if name == "CONST":
            if text in self.const_names:
                return self.const_names[text]
            return self.constant(_literal(text, number))
        return _int(text, number)

    def encode_func(self, func: _Func) -> Function:
        labels: dict[str, int] = {}
        offset = 0
        for number, op, operand in func.body:
            if op == ":":
                labels[str(operand)] = offset
            else:
                offset += _size(number, op, operand)
        code = bytearray()
        for number, op, operand in func.body:
            if op == ":":
                continue
            if op == ".byte":
                code += bytes(_int(str(operand), number, 16) for _ in range(1))
                continue
            spec = BY_NAME[op]
            code.append(spec.byte)
            if spec.imm:
                if operand is None:
                    raise AsmError(number, f"{op} needs an operand")
                value = self.operand(func, number, spec, operand, labels)
                low, high = _IMM_RANGE[spec.imm]
                if not low <= value <= high:
                    raise AsmError(number, f"{op} operand {value} outside {low}..{high}")
                code += value.to_bytes(spec.imm_bytes, "big", signed=spec.imm == "i16")
            elif operand is not None:
                raise AsmError(number, f"{op} takes no operand")
        return Function(
            func.name,
            tuple(func.params),
            tuple(func.results),
            tuple(func.locals),
            func.flags,
            bytes(code),
        )


def _int(text: str, line: int, base: int = 10) -> int:
    try:
        return int(text, 0 if text.startswith(("0x", "-0x")) else base)
    except ValueError:
        raise AsmError(line, f"expected a number, got {text!r}") from None


def _size(line: int, op: str, operand: str | None) -> int:
    if op == ".byte":
        return 1
    spec = BY_NAME.get(op)
    if spec is None:
        raise AsmError(line, f"unknown instruction {op!r}")
    return spec.size


def assemble(text: str) -> Module:
    """Assemble text into a Module (encode it with module.encode)."""
    asm = _Assembler()
    asm.parse(text)
    functions = tuple(asm.encode_func(f) for f in asm.funcs)  # may add inline constants
    return Module(tuple(asm.constants), functions)


def _show_literal(value: Value) -> str:
    if isinstance(value, int):
        return str(value)
    if value and all(0x20 <= b < 0x7F and b not in b'"\\' for b in value):
        return '"' + value.decode("ascii") + '"'
    return "0x" + value.hex()


def _function_header(fn: Function) -> str:
    params = ", ".join(t.text for t in fn.params)
    result = f" -> {fn.results[0].text}" if fn.results else ""
    flags = [name for name, bit in FLAG_NAMES.items() if fn.flags & bit]
    return f".func {fn.name}({params}){result}" + "".join(f" {f}" for f in flags)


def _disassemble_code(fn: Function, functions: tuple[Function, ...]) -> list[str]:
    code = fn.code
    starts: list[tuple[int, OpSpec | None, int]] = []
    pos = 0
    while pos < len(code):
        spec = BY_BYTE.get(code[pos])
        if spec is None or pos + spec.size > len(code):
            starts.append((pos, None, code[pos]))
            pos += 1
            continue
        imm = int.from_bytes(code[pos + 1 : pos + spec.size], "big", signed=spec.imm == "i16")
        starts.append((pos, spec, imm))
        pos += spec.size
    boundaries = {p for p, spec, _ in starts if spec is not None}
    targets = {imm for _, spec, imm in starts if spec and spec.name in JUMPS} & boundaries
    lines: list[str] = []
    for pos, spec, imm in starts:
        if pos in targets:
            lines.append(f"  L{pos}:")
        if spec is None:
            lines.append(f"    .byte 0x{imm:02x}")
            continue
        operand = ""
        if spec.name in JUMPS:
            operand = f" L{imm}" if imm in targets else f" {imm}"
        elif spec.name == "CALL":
            operand = f" {functions[imm].name}" if imm < len(functions) else f" {imm}"
        elif spec.name == "CONST":
            operand = f" c{imm}"
        elif spec.imm:
            operand = f" {imm}"
        lines.append(f"    {spec.name}{operand}")
    return lines


def disassemble(module: Module) -> str:
    """The text form of a module; ``assemble`` turns it back into an equal Module."""
    lines = [
        f".const c{i} {_type_text(v)} {_show_literal(v)}" for i, v in enumerate(module.constants)
    ]
    for fn in module.functions:
        if lines:
            lines.append("")
        lines.append(_function_header(fn))
        lines += [f".local {t.text}" for t in fn.locals]
        lines += _disassemble_code(fn, module.functions)
    return "\n".join(lines) + "\n"


def _type_text(value: Value) -> str:
    return "int" if isinstance(value, int) else "bytes"


__all__ = ["IMM_BYTES", "AsmError", "assemble", "disassemble"]
