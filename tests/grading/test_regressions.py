"""Every failing case ever found (tests/grading/data/regressions.toml) stays fixed.

Each case is graded as a user would: no exception, no ``ATInvalid_internal_error``, a
``to_dict()`` that ``json.dumps`` accepts, an answer within a time bound, and the verdict
and note the case states (where it states them).  The fuzzer appends what it finds
(``benchmarks/fuzz_grading.py --corpus``).
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import pytest
import sympy as sp

from symconv.grading import BadReference, grade

CASES = tomllib.loads((Path(__file__).parent / "data" / "regressions.toml").read_text())["case"]
#: The fuzzer's SymPy symbols: plain, and x real.
SYMPY_NAMES = {n: sp.Symbol(n) for n in ["h", "w", "k", "k_h", "s", "p", "c_i", "c_o", "n",
                                          "d_h", "g"]} | {"x": sp.Symbol("x", real=True)}
#: Seconds one case may take here: the answer's 2 s limit plus a reference prepared on a
#: machine shared with other jobs.
BOUND = 10.0


def expected_of(case: dict) -> object:
    if "expected_sympy" in case:
        return sp.sympify(case["expected_sympy"], locals=SYMPY_NAMES)  # trusted test data
    return case["expected"]


def options_of(case: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in case.get("options", {}).items()}


@pytest.mark.parametrize("case", CASES, ids=[c["source"][:60] for c in CASES])
def test_regression(case):
    expected, options = expected_of(case), options_of(case)
    if case.get("raises") == "BadReference":
        with pytest.raises(BadReference):
            grade(expected, case["answer"], **options)
        return
    start = time.perf_counter()
    result = grade(expected, case["answer"], **options)
    elapsed = time.perf_counter() - start
    assert result.note != "ATInvalid_internal_error", result
    text = json.dumps(result.to_dict())
    assert len(text) < 20_000
    assert elapsed < BOUND, f"{elapsed:.1f} s"
    if "verdict" in case:
        assert result.verdict == case["verdict"], result
    if "note" in case:
        assert result.note.startswith(case["note"]), result


def test_corpus_covers_the_issue():
    """The corpus keeps the inputs of issue 11 (at least 40 of them) and fuzz finds."""
    sources = [c["source"] for c in CASES]
    assert sum(s.startswith("issue 11") for s in sources) >= 40
    assert any(s.startswith("fuzz seed") for s in sources)
