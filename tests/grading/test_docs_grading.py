"""The examples of docs/grading.md run, so the grading guide stays true."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_examples_in_the_grading_guide_run():
    result = doctest.testfile(str(ROOT / "docs" / "grading.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 20, "docs/grading.md lost its examples"
    assert result.failed == 0, f"{result.failed} example(s) in docs/grading.md failed"
