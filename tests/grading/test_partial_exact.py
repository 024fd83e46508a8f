"""Partial credit on per-student variants: the points where a floor's division is exact.

When a student's numbers fix the sizes, only the kernel, stride and padding can move a
floor's argument to an integer: by 2/3 (``2*p/3 + 4/3``), by -1/3 (``(185 - k)/3``), or
with the stride as the divisor (``212/s``, exact at ``s = 4``; ``151/s`` only at 151).
Each answer here was graded ``incorrect`` before (no exact point found) and a brute-force
enumeration over the variant's valid instances (exact Fractions) says ``partial``; the
last ones are right only at stride 1 and stay ``incorrect`` (docs/grading.md, "partial").
"""

from __future__ import annotations

import pytest

from symconv.grading import grade
from symconv.grading.api import reference
from symconv.grading.domain import Domain, PointSet
from symconv.grading.parser import parse

CONV = "c_o*(floor((h - k_h + 2*p_h)/s_h) + 1)*(floor((-k_w + 2*p_w + w)/s_w) + 1)"
POOL = "48*c*(floor((w - k)/s) + 1)*(floor((h - k)/s) + 1)"
#: A max pool's comparisons, as the engine derives them.
POOL_CMP = ("c*k**2*(floor((h - k)/s) + 1)*(floor((-k + w)/s) + 1) "
            "- c*(floor((h - k)/s) + 1)*(floor((-k + w)/s) + 1)")


@pytest.mark.parametrize("expected, answer, domain, assumption", [
    # padding moves the argument by 2/3: exact at p_h = 1, 4, 7, ...
    (CONV, "c_o*(floor(2*p_h/3) + 3)*(-k_w + 2*p_w + w + 1)",
     dict(h=8, k_h=4, s_h=3, s_w=1), "s_h divides"),
    # the kernel moves it by -1/3
    (CONV, "c_o*((185 - k_h)/3 + 1)*(floor((2*p_w + w - 6)/s_w) + 1)",
     dict(h=183, p_h=1, s_h=3, k_w=6), "s_h divides"),
    # the stride is the divisor: 212/s is exact at s = 1, 2, 4, 53, ...
    (POOL, "48*c*(1 + 212/s)*(floor((h - 7)/s) + 1)", dict(k=7, w=219), "s divides"),
])
def test_dropped_floor_with_fixed_sizes_is_partial(expected, answer, domain, assumption):
    result = grade(expected, answer, **domain)
    assert result.verdict == "partial", result
    assert result.assumption.startswith(assumption)
    # a floor whose divisor is a fixed 1 (s_w = 1) is no assumption
    assert "s_w" not in result.assumption or domain.get("s_w") != 1


def test_divisor_stride_reaches_a_prime_numerator():
    """``151/s`` is exact only at s = 1 and 151: the search finds 151 (no scan would), and
    adds the stride-1 copies of the points (an answer wrong at s = 1 is not partial)."""
    ref = parse("floor(151/s) + floor((w - 4)/s)")
    dom = Domain.build(ref.names(), {})
    base = PointSet.from_rows(("s", "w"), [(2, 10), (5, 30)])
    pts = dom.exact_points(base, [f for f in ref.walk() if f.op == "floor"], ref)
    assert {row["s"] for row in pts.rows()} == {1, 151}
    assert all((row["w"] - 4) % row["s"] == 0 for row in pts.rows())


def test_floor_of_fixed_numbers_is_no_condition():
    """With h, k, s fixed, ``floor((h - k)/s)`` is a number (15 for 53, 7, 3): the answer is
    judged on the floor that still varies (partial, not incorrect for want of points
    where 46/3 is an integer)."""
    domain = dict(c=43, h=53, k=7, s=3)
    result = grade(POOL_CMP, "33024*floor(w/3) - 33024", **domain)
    assert result.verdict == "partial", result
    assert result.assumption == "s divides -k + w exactly"
    assert reference(POOL_CMP, domain).exact()[0].n >= 3


@pytest.mark.parametrize("expected, answer, domain", [
    # the stride-1 formula: right "when s divides 31 and s divides 44", i.e. only s = 1
    ("c_i*c_o*k**2*(floor((h - k + 2*p)/s) + 1)*(floor((-k + 2*p + w)/s) + 1)",
     "129600*c_o", dict(c_i=10, h=41, k=3, p=3, w=28)),
    # right at s = 1 only; wrong at s = 151, the other stride dividing 155 - 4
    (POOL_CMP, "136800*w - 410400", dict(c=60, h=155, k=4)),
])
def test_right_only_at_stride_one_is_incorrect(expected, answer, domain):
    result = grade(expected, answer, **domain)
    assert result.verdict == "incorrect", result


def test_wrong_where_every_division_is_exact_is_not_partial_without_a_search():
    """An answer wrong at a sample point whose floor arguments are already integers is not
    right wherever the divisions are exact: no exact-point search is made for it (the
    costly part of partial credit), and the verdict is the one the search would give."""
    from symconv.grading import equivalence as E
    from symconv.grading.parser import parse

    ref = E.Reference.build(parse("floor((h - k)/s) + 1"), {}, ())
    answer = parse("(h - k)/s + 2", known=ref.known)
    searched = []
    original = E._partial
    try:
        E._partial = lambda *a, **k: searched.append(a) or original(*a, **k)
        result = E.judge(ref, answer)
    finally:
        E._partial = original
    assert result.verdict == "incorrect" and searched == []
    assert E._partial(ref, answer, None, ref.needs()) is None  # what the search would say
    dropped = E.judge(ref, parse("(h - k)/s + 1", known=ref.known))
    assert dropped.verdict == "partial"


def test_a_floor_the_formula_has_twice_is_looked_at_once(monkeypatch):
    """A max pool's comparisons have each floor twice: both copies are kept, both
    assumptions named, and each argument's looser points are found once (not per copy)."""
    from symconv.grading import equivalence as E

    skips: list = []
    exact = E.Reference.exact

    def counted(self, skip=None):
        skips.append(skip)
        return exact(self, skip)

    monkeypatch.setattr(E.Reference, "exact", counted)
    result = grade(POOL_CMP, "c*(k**2 - 1)*((h - k)/s + 1)*((w - k)/s + 1)", c=48)
    assert result.verdict == "partial", result
    assert result.assumption == "s divides h - k exactly and s divides -k + w exactly"
    assert result.feedback.endswith("keep floor((h - k)/s), floor((-k + w)/s), "
                                    "floor((h - k)/s), floor((-k + w)/s).")
    assert sorted(s for s in set(skips) if s is not None) == [0, 1]
