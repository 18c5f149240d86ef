"""The tally of hostile inputs tried in this run, one line per class (runs after the others)."""

from __future__ import annotations

import pytest

from .hostile_helpers import COUNTS, summary_line


def test_summary(capsys: pytest.CaptureFixture[str]) -> None:
    if not COUNTS:
        pytest.skip("no hostile test ran before this one (run the whole tests/hostile folder)")
    with capsys.disabled():
        print("\n" + summary_line())
    assert all(count > 0 for count in COUNTS.values())
