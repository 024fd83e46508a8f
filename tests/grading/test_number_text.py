"""Numbers in feedback read as people write them, whatever type evaluation left them in.

Found in the 10,000-row per-row benchmark (row r6275): a dropped floor's value at the
counterexample was an integral Fraction and the feedback said "gives 5544720/1".
"""
from __future__ import annotations

from fractions import Fraction

import pytest

from symconv.grading import grade
from symconv.grading.verdict import json_number, number_text


@pytest.mark.parametrize("value, text", [
    (Fraction(5544720, 1), "5,544,720"), (Fraction(-7, 1), "-7"), (Fraction(0, 1), "0"),
    (Fraction(45302656, 3), "45,302,656/3"), (Fraction(-1, 3), "-1/3"), (12345, "12,345"),
])
def test_number_text(value, text):
    assert number_text(value) == text


def test_a_whole_fraction_is_a_json_integer():
    assert json_number(Fraction(5544720, 1)) == 5544720
    assert type(json_number(Fraction(5544720, 1))) is int
    assert json_number(Fraction(3, 2)) == "3/2"


def test_dropped_floor_feedback_shows_whole_numbers():
    r = grade("2160*(floor(148/s) + 1)*(floor(151/s) + 1)",
              "2160*(1 + 148/s)*(floor(151/s) + 1)")
    assert r.counterexample is not None
    got = r.counterexample["got"]
    assert got == 2160 * (1 + Fraction(148, r.counterexample["s"])) * (151 // r.counterexample["s"] + 1)
    if Fraction(got).denominator == 1:
        assert f"gives {int(got):,}." in r.feedback
    assert "/1." not in r.feedback and "/1 " not in r.feedback
    assert r.to_dict()["counterexample"]["got"] == json_number(got)
