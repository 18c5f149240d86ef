"""The opcode table is consistent, fully implemented, and what docs/contracts.md shows."""

from __future__ import annotations

from pathlib import Path

from vmchain.vm.opcodes import BY_BYTE, BY_NAME, IMM_BYTES, OPCODES, markdown_table
from vmchain.vm.ops import EFFECTS, FRAME_OPS, LIGHT

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"


def test_rows_are_unique_and_well_formed() -> None:
    assert len(BY_BYTE) == len(BY_NAME) == len(OPCODES)
    assert [op.byte for op in OPCODES] == sorted(op.byte for op in OPCODES)
    for op in OPCODES:
        assert 0 <= op.byte <= 0xFF and op.name.isupper()
        assert op.imm in IMM_BYTES
        assert set(op.ins + op.outs) <= set("ibxy"), op.name
        assert op.gas >= 0 and op.per_word_gas >= 0
        assert bool(op.per_word_gas) == bool(op.per_word_of), op.name


def test_every_opcode_has_exactly_one_implementation() -> None:
    kinds = [set(LIGHT), set(EFFECTS), set(FRAME_OPS)]
    assert set().union(*kinds) == set(BY_NAME)
    assert sum(len(k) for k in kinds) == len(BY_NAME)


def test_docs_show_the_table() -> None:
    assert markdown_table() in DOCS.read_text()


def test_table_pins() -> None:
    # A few rows pinned: changing gas is a consensus change and should be deliberate.
    assert (BY_NAME["ADD"].byte, BY_NAME["ADD"].gas) == (0x20, 2)
    assert (BY_NAME["VERIFY"].gas, BY_NAME["SHA256"].per_word_gas) == (2000, 5)
    assert (BY_NAME["SSTORE"].gas, BY_NAME["SSTORE"].per_word_gas) == (1000, 20)
    assert BY_NAME["PUSHI"].size == 3 and BY_NAME["LGET"].size == 2
