"""Cases from other graders' public test suites, as data (tests/grading/data/other_graders.csv).

``source`` names the suite: STACK's answer-test fixtures (``AlgEquiv`` rows of
``tests/fixtures/answertestfixtures.class.php`` in maths/moodle-qtype_stack) and
PrairieLearn's symbolic-input tests (``apps/prairielearn/python/test/sympy_utils_test.py``
in PrairieLearn/PrairieLearn): only cases within the grader's language (no trigonometry,
complex numbers, lists or Maxima functions), rewritten in its syntax where the suite
uses another (STACK's ``lg(x, b)`` is ``log(x, b)``).  ``their_verdict`` is what that
suite expects; where symconv decides otherwise by design, ``note`` says why (exact
decimals, integer symbols by default, the reals where the reference is defined).

Every equivalence verdict is checked independently first, by SymPy's exact evaluation
(the oracle of :mod:`.test_corpus`, decimals read as exact Rationals); an ``invalid``
verdict is the source suite's own (a parse error, an unknown name) or a documented limit.
"""

from __future__ import annotations

import csv
import re
from fractions import Fraction
from pathlib import Path

import pytest

from symconv.grading import grade

from .test_corpus import domain_of, oracle_verdict

CASES = list(csv.DictReader(open(Path(__file__).parent / "data" / "other_graders.csv",
                                 newline="", encoding="utf-8")))
_DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+)(e[+-]?\d+)?", re.IGNORECASE)


def exact(text: str) -> str:
    """SymPy text with every decimal an exact fraction (``0.5`` -> ``(1/2)``): SymPy would
    read a Float, and a Float compares as unequal to 1/2 at 60 digits."""
    return _DECIMAL.sub(lambda m: f"({Fraction(m.group(0))})", text)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['source'].split()[0]}:{c['answer'][:30]}"
                                             for i, c in enumerate(CASES)])
def test_other_graders_case(case):
    if case["verdict"] != "invalid":
        independent = oracle_verdict({**case, "expected": exact(case["expected"]),
                                      "oracle": exact(case["oracle"] or case["answer"])})
        assert independent == case["verdict"], f"the case is wrong: SymPy says {independent}"
    result = grade(case["expected"], case["answer"], time_limit=60, **domain_of(case))
    assert result.verdict == case["verdict"], result
    if case["verdict"] != case["their_verdict"]:
        assert case["note"], "a verdict other than the source suite's says why"


def test_other_graders_cover_both_suites():
    sources = [c["source"] for c in CASES]
    assert sum(s.startswith("STACK") for s in sources) >= 40
    assert sum(s.startswith("PrairieLearn") for s in sources) >= 30
    assert sum(c["verdict"] == "invalid" for c in CASES) >= 15
