"""The examples in the README and the user guide run, so the docs stay true."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("page", ["README.md", "docs/index.md", "docs/layers.md",
                                  "docs/answer-keys.md"])
def test_examples_in_page_run(page):
    result = doctest.testfile(str(ROOT / page), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{page} has no examples"
    assert result.failed == 0, f"{result.failed} example(s) in {page} failed"
