"""Random well-formed VM programs, for property and differential tests.

``generate(seed)`` builds a validating module from a seeded ``random.Random``: typed
expressions (every opcode family, traps included), statements whose boundaries have an
empty stack (so jumps between them, forward or backward, always validate), bounded loops,
wild jumps (which may loop until the gas runs out), calls between functions (recursion
included), selects whose join points carry a value on the stack, storage, events,
transfers and cross-contract calls to itself. ``run(seed, engine)`` deploys it in a fresh
MemoryWorld and returns everything observable.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from vmchain.crypto import PrivateKey, Scheme
from vmchain.encoding import abi
from vmchain.vm.asm import assemble
from vmchain.vm.execution import Engine
from vmchain.vm.module import Module, encode, selector
from vmchain.vm.testing_host import MemoryWorld
from vmchain.vm.values import Value

CALLER = b"\xa1" * 20
GAS_LIMITS = (0, 60, 3_000, 20_000, 100_000, 100_000, 400_000)
_KEY = PrivateKey.from_int(Scheme.SECP256K1, 99)
_DIGEST = hashlib.sha256(b"random programs").digest()
_SIG = _KEY.sign_digest(_DIGEST)
_INT_OPS = [
    "ADD",
    "SUB",
    "MUL",
    "DIV",
    "MOD",
    "AND",
    "OR",
    "XOR",
    "SHL",
    "SHR",
    "LT",
    "LE",
    "GT",
    "GE",
    "EQ",
    "NE",
]
_EDGE_INTS = (0, 1, -1, 2, 255, 256, 2**255 - 1, -(2**255), 2**128, -(2**64), 2**254)


@dataclass
class _Func:
    name: str
    params: list[str]
    result: str | None
    flags: str
    locals: list[str] = field(default_factory=list)


class _Gen:
    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.funcs: list[_Func] = []
        self.lines: list[str] = []
        self.fn: _Func | None = None
        self.labels = 0
        self.boundaries: list[str] = []

    # -- helpers
    def emit(self, *lines: str) -> None:
        self.lines.extend(lines)

    def label(self) -> str:
        self.labels += 1
        return f"L{self.labels}"

    def typ(self) -> str:
        return self.rnd.choice(("int", "bytes"))

    def local_of(self, t: str) -> int | None:
        assert self.fn is not None
        types = self.fn.params + self.fn.locals
        found = [i for i, lt in enumerate(types) if lt == t]
        return self.rnd.choice(found) if found else None

    def small_int(self) -> int:
        return self.rnd.choice((self.rnd.randint(-5, 20), self.rnd.randint(-32768, 32767)))

    # -- expressions
    def expr(self, t: str, depth: int = 0) -> None:
        leaf = depth >= 3 or self.rnd.random() < 0.3
        if t == "int":
            (self.int_leaf if leaf else self.int_node)(depth)
        else:
            (self.bytes_leaf if leaf else self.bytes_node)(depth)

    def int_leaf(self, depth: int) -> None:
        choice = self.rnd.randint(0, 9)
        local = self.local_of("int")
        if choice < 3:
            self.emit(f"PUSHI {self.small_int()}")
        elif choice < 5:
            value = self.rnd.choice(
                (self.rnd.choice(_EDGE_INTS), self.rnd.randint(-(2**255), 2**255 - 1))
            )
            self.emit(f"CONST {value}")
            if self.rnd.random() < 0.5:  # hide the literal from the translator's peepholes
                self.emit("PUSHI 0", "OR")
        elif choice < 8 and local is not None:
            self.emit(f"LGET {local}")
        else:
            self.emit(self.rnd.choice(("HEIGHT", "CALLVALUE", "TIMESTAMP", "TIMESTAMPMS")))

    def int_node(self, depth: int) -> None:
        choice = self.rnd.randint(0, 15)
        if choice < 6:
            self.expr("int", depth + 1)
            self.expr("int", depth + 1)
            self.emit(self.rnd.choice(_INT_OPS))
        elif choice == 6:
            self.expr("int", depth + 1)
            self.expr("int", depth + 1)
            self.emit("SWAP", self.rnd.choice(_INT_OPS))
        elif choice == 7:
            self.expr("int", depth + 1)
            self.emit("DUP", self.rnd.choice(_INT_OPS))
        elif choice == 8:
            self.expr("int", depth + 1)
            self.emit(self.rnd.choice(("NEG", "LNOT")))
        elif choice == 9:
            self.expr("bytes", depth + 1)
            self.emit(self.rnd.choice(("LEN", "BTOI")))
        elif choice == 10:
            self.expr("bytes", depth + 1)
            self.expr("bytes", depth + 1)
            self.emit(self.rnd.choice(("EQ", "NE")))
        elif choice == 11:
            self.select("int", depth)
        elif choice == 12:
            self.call_expr("int", depth)
        elif choice == 13:
            self.emit("SELF", "BALANCE")
        elif choice == 14:
            self.verify()
        else:
            data = abi.encode([self.small_int(), b"x"])
            self.emit(
                f"CONST 0x{data.hex()}", f"PUSHI {self.rnd.choice((0, 0, 0, 1, 2))}", "UNPACKI"
            )

    def verify(self) -> None:
        sig = _SIG if self.rnd.random() < 0.5 else bytes(64)
        self.emit(f"CONST 0x{_KEY.public_key.hex()}", f"CONST 0x{_DIGEST.hex()}")
        self.emit(f"CONST 0x{sig.hex()}", "VERIFY")

    def bytes_leaf(self, depth: int) -> None:
        choice = self.rnd.randint(0, 6)
        local = self.local_of("bytes")
        if choice < 3:
            raw = self.rnd.randbytes(self.rnd.choice((0, 1, 4, 20, 33, 40)))
            self.emit(f"CONST 0x{raw.hex()}")
        elif choice < 5 and local is not None:
            self.emit(f"LGET {local}")
        else:
            self.emit(self.rnd.choice(("CALLER", "SELF", "CHAINID")))

    def bytes_node(self, depth: int) -> None:
        choice = self.rnd.randint(0, 10)
        if choice < 3:
            self.expr("bytes", depth + 1)
            self.expr("bytes", depth + 1)
            self.emit("CONCAT")
        elif choice == 3:
            self.expr("bytes", depth + 1)
            self.emit(f"PUSHI {self.rnd.randint(-1, 3)}", f"PUSHI {self.rnd.randint(0, 40)}")
            self.emit("SLICE")
        elif choice == 4:
            self.expr("int", depth + 1)
            self.emit("ITOB")
        elif choice == 5:
            self.expr("bytes", depth + 1)
            self.emit("SHA256")
        elif choice == 6:
            self.expr("bytes", depth + 1)
            self.emit("SLOAD")
        elif choice == 7:
            key = _KEY.public_key if self.rnd.random() < 0.9 else b"bad"
            self.emit(f"CONST 0x{key.hex()}", "ADDROF")
        elif choice == 8:
            self.select("bytes", depth)
        elif choice == 9:
            self.call_expr("bytes", depth)
        else:
            data = abi.encode([b"yz", 3])
            self.emit(
                f"CONST 0x{data.hex()}", f"PUSHI {self.rnd.choice((0, 0, 0, 0, 1))}", "UNPACKB"
            )

    def select(self, t: str, depth: int) -> None:
        """A value on the stack across a conditional jump: exercises non-empty joins."""
        end = self.label()
        self.expr(t, depth + 1)
        self.expr("int", depth + 1)
        self.emit(f"{self.rnd.choice(('JZ', 'JNZ'))} {end}", "POP")
        self.expr(t, depth + 1)
        self.emit(f"{end}:")

    def call_expr(self, t: str, depth: int) -> None:
        candidates = [f for f in self.funcs if f.result == t]
        if not candidates or depth > 1:
            self.expr(t, 3)
            return
        callee = self.rnd.choice(candidates)
        for p in callee.params:
            self.expr(p, depth + 2)
        self.emit(f"CALL {callee.name}")

    # -- statements
    def stmt(self, level: int) -> None:
        boundary = self.label()
        self.boundaries.append(boundary)
        self.emit(f"{boundary}:")
        kind = self.rnd.choices(
            [
                "assign",
                "store",
                "emit",
                "if",
                "loop",
                "wild",
                "call",
                "pay",
                "xcall",
                "drop",
                "revert",
                "invalid",
                "delete",
                "rotate",
            ],
            weights=[30, 6, 4, 10, 6 if level < 2 else 0, 2, 5, 2, 2, 5, 1, 0.5, 2, 4],
        )[0]
        getattr(self, f"stmt_{kind}")(level)

    def stmt_assign(self, level: int) -> None:
        t = self.typ()
        local = self.local_of(t)
        if local is None:
            return
        self.expr(t)
        self.emit(f"LSET {local}")

    def stmt_rotate(self, level: int) -> None:
        """Old values of locals stay on the stack while the locals are reassigned."""
        t = self.typ()
        a, b = self.local_of(t), self.local_of(t)
        if a is None or b is None:
            return
        self.emit(f"LGET {a}", f"LGET {b}")
        self.expr(t)
        self.emit(f"LSET {a}", f"LSET {a}", f"LSET {b}")

    def stmt_store(self, level: int) -> None:
        self.expr("bytes")
        self.expr("bytes")
        self.emit("SSTORE")

    def stmt_delete(self, level: int) -> None:
        self.expr("bytes")
        self.emit("SDEL")

    def stmt_emit(self, level: int) -> None:
        count = self.rnd.randint(0, 3)
        self.emit(f'CONST "E{count}"')
        for _ in range(count):
            self.expr(self.typ())
        self.emit(f"EMIT {count}")

    def stmt_if(self, level: int) -> None:
        end = self.label()
        self.expr("int")
        self.emit(f"{self.rnd.choice(('JZ', 'JNZ'))} {end}")
        for _ in range(self.rnd.randint(1, 3)):
            self.stmt(level + 1)
        self.emit(f"{end}:")

    def stmt_loop(self, level: int) -> None:
        assert self.fn is not None
        counter = len(self.fn.params) + len(self.fn.locals)
        self.fn.locals.append("int")
        top, end = self.label(), self.label()
        self.emit(f"PUSHI {self.rnd.randint(0, 12)}", f"LSET {counter}", f"{top}:")
        self.emit(f"LGET {counter}", f"JZ {end}")
        for _ in range(self.rnd.randint(1, 3)):
            self.stmt(level + 1)
        self.emit(f"LGET {counter}", "PUSHI 1", "SUB", f"LSET {counter}", f"JMP {top}", f"{end}:")

    def stmt_wild(self, level: int) -> None:
        self.expr("int")
        self.emit(f"JNZ {self.rnd.choice(self.boundaries)}")

    def stmt_call(self, level: int) -> None:
        callee = self.rnd.choice(self.funcs)
        for p in callee.params:
            self.expr(p, 2)
        self.emit(f"CALL {callee.name}")
        if callee.result:
            self.emit("POP")

    def stmt_pay(self, level: int) -> None:
        self.emit("CALLER", f"PUSHI {self.rnd.randint(-1, 30)}", "TRANSFER")

    def stmt_xcall(self, level: int) -> None:
        public = [f for f in self.funcs if "public" in f.flags]
        callee = self.rnd.choice(public)
        self.emit(
            "SELF", f"CONST 0x{selector(callee.name).hex()}", f"PUSHI {self.rnd.randint(0, 3)}"
        )
        for p in callee.params:
            self.expr(p, 2)
        self.emit(f"XCALL {len(callee.params)}", "POP", "POP")

    def stmt_drop(self, level: int) -> None:
        self.expr(self.typ())
        self.emit(self.rnd.choice(("POP", "DUP\n    POP\n    POP")))

    def stmt_revert(self, level: int) -> None:
        self.emit(f'CONST "revert {self.rnd.randint(0, 9)}"', "REVERT")

    def stmt_invalid(self, level: int) -> None:
        self.emit("INVALID")

    # -- module
    def function(self, fn: _Func) -> list[str]:
        self.fn = fn
        self.lines = []
        self.boundaries = []
        for _ in range(self.rnd.randint(1, 8)):
            self.stmt(0)
        end = self.label()
        self.boundaries.append(end)
        self.emit(f"{end}:")
        if "view" not in fn.flags:  # make the final value of every local observable
            count = len(fn.params) + len(fn.locals)
            self.emit('CONST "locals"', *(f"LGET {k}" for k in range(count)), f"EMIT {count}")
        if fn.result:
            self.expr(fn.result)
        self.emit("RET")
        params = ", ".join(fn.params)
        arrow = f" -> {fn.result}" if fn.result else ""
        header = [f".func {fn.name}({params}){arrow} {fn.flags}"]
        header += [f".local {t}" for t in fn.locals]
        return header + ["    " + line if not line.endswith(":") else line for line in self.lines]

    def module(self) -> str:
        count = self.rnd.randint(1, 3)
        for i in range(count):
            flags = "public payable" if i == 0 else self.rnd.choice(("public", "public view", ""))
            params = [self.typ() for _ in range(self.rnd.randint(0, 2))]
            result = self.rnd.choice((None, "int", "bytes"))
            fn = _Func(f"f{i}", params, result, flags)
            fn.locals = [self.typ() for _ in range(self.rnd.randint(0, 3))]
            self.funcs.append(fn)
        out: list[str] = []
        for fn in self.funcs:
            out += self.function(fn)
        return "\n".join(out) + "\n"


def source(seed: int) -> str:
    """Assembly text of the random program for ``seed``."""
    return _Gen(random.Random(seed)).module()


def generate(seed: int) -> Module:
    return assemble(source(seed))


def entry_args(seed: int, module: Module) -> tuple[list[Value], int, int]:
    """Arguments, call value and gas limit for calling f0."""
    rnd = random.Random(seed * 7 + 1)
    args: list[Value] = []
    for t in module.functions[0].params:
        number = rnd.choice((rnd.randint(-50, 50), rnd.choice(_EDGE_INTS)))
        args.append(number if t == 1 else rnd.randbytes(rnd.randint(0, 5)))
    return args, rnd.choice((0, 0, 50)), rnd.choice(GAS_LIMITS)


def run(seed: int, engine: Engine, gas_limit: int | None = None) -> tuple[object, ...]:
    """Everything observable about running program ``seed``'s f0 on ``engine``."""
    module = generate(seed)
    world = MemoryWorld(engine=engine)
    world.balances[CALLER] = 10_000
    address, _ = world.deploy(encode(module))
    world.balances[address] = 40
    args, value, gas = entry_args(seed, module)
    gas = gas if gas_limit is None else gas_limit
    result = world.call(CALLER, address, "f0", abi.encode(args), value, gas)
    return (
        result.status.value,
        result.gas_used,
        gas,
        result.values,
        result.error,
        sorted(world.storage.items()),
        [(e.name, e.data) for e in world.events],
        sorted(world.balances.items()),
    )


def digest(seeds: range, engine: Engine = Engine.REFERENCE) -> str:
    """A hash of the outcomes of many programs (compared across processes)."""
    h = hashlib.sha256()
    for seed in seeds:
        h.update(repr(run(seed, engine)).encode())
    return h.hexdigest()


if __name__ == "__main__":
    import sys

    print(digest(range(int(sys.argv[1]), int(sys.argv[2])), Engine(sys.argv[3])))
