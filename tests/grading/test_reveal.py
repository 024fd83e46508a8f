"""``reveal=False``: feedback a student sees never shows the expected value or formula.

Checked over every wrong or partial answer of the equivalence corpus (data nobody wrote
for this test): the feedback must not contain the expected value at the counterexample,
the reference's text, or any sum, product or floor of the reference (what a
misconception's explanation quotes when reveal is on).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from symconv.grading import grade
from symconv.grading import nodes as N
from symconv.grading.api import reference
from symconv.grading.verdict import number_text

CASES = [c for c in csv.DictReader(open(Path(__file__).parent / "data" / "corpus.csv",
                                        newline="", encoding="utf-8"))
         if c["verdict"] in ("incorrect", "partial") and c["category"] != "shapes"]


def _options(case: dict) -> dict:
    return dict(part.split("=") for part in case["domain"].split(";") if part.strip())


def _pieces(case: dict) -> set[str]:
    """Texts of the reference's compound parts, as feedback would print them."""
    tree = reference(case["expected"], _options(case)).tree
    return {N.to_text(node) for node in tree.walk()
            if node.op in ("add", "mul", "floor", "ceil") and len(N.to_text(node)) > 3}


def test_the_corpus_has_enough_wrong_answers():
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[f"{c['category']}:{c['answer'][:30]}"
                                             for c in CASES])
def test_no_reveal_feedback_shows_nothing_expected(case):
    shown = grade(case["expected"], case["answer"], time_limit=60, **_options(case))
    hidden = grade(case["expected"], case["answer"], time_limit=60, reveal=False,
                   **_options(case))
    assert hidden.verdict == shown.verdict and hidden.note == shown.note
    text = hidden.feedback
    example = hidden.counterexample or {}
    assert "expected value is" not in text
    value = number_text(example.get("expected", 0))
    given = {number_text(v) for k, v in example.items() if k != "expected"}
    if len(value.strip("-")) >= 2 and value not in given and value not in case["answer"]:
        # (one-digit values are in every sentence; the point and the answer's own value
        # may be shown)
        assert not re.search(rf"(?<![\w.,/-]){re.escape(value)}(?![\w.,/])", text), text
    own = _pieces(dict(case, expected=case["answer"])) if "=" not in case["answer"] else set()
    for piece in _pieces(case) - own:
        assert piece not in text, (piece, text)
