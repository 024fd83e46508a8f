"""Column evaluation against a plain one-point interpreter (exact Fractions).

The evaluator takes shortcuts for whole columns (integer quotients, integer relations,
integer powers within a node's bound, products by ``map``); at any mix of integers,
Fractions and zero divisors its values must be those of the naive definition, point by
point.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.grading.evaluate import UNDEFINED, evaluate
from symconv.grading.limits import DEFAULT_LIMITS, TooLarge
from symconv.grading.nodes import Node
from symconv.grading.parser import parse, parse_relation

FORMULAS = [
    "floor((h - k + 2*p)/s) + 1",
    "ceil((h - k)/s) - floor(h/(s - 2))",
    "(h - k + 2*p)/s + 1",
    "h*k*p/(s*(s - 1)) - k^2",
    "c*(h - 1)^3 + s^0 - p^2*k",
    "floor(floor(h/s)/k) * (p + 1)",
    "(h + p)^2/(k - p)",
]
RELATIONS = ["k <= h + 2*p", "h - k >= s", "h*s < k^2", "p == k", "p != s", "h > c"]


def _naive(node: Node, row: dict) -> object:
    op = node.op
    if op == "num":
        return Fraction(node.value)
    if op == "sym":
        return Fraction(row[node.value])
    args = [_naive(a, row) for a in node.args]
    if any(a is UNDEFINED for a in args):
        return UNDEFINED
    if op == "add":
        return sum(args, Fraction(0))
    if op == "mul":
        return math.prod(args, start=Fraction(1))
    if op == "pow":
        base, e = args
        if base == 0 and e < 0:
            return UNDEFINED
        return base ** int(e)
    if op == "floor":
        return Fraction(math.floor(args[0]))
    if op == "ceil":
        return Fraction(math.ceil(args[0]))
    if op == "rel":
        a, b = args
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b,
                "!=": a != b}[node.value]
    raise AssertionError(op)


def _plain(v: object) -> object:
    if type(v) is Fraction and v.denominator == 1:
        return v.numerator
    return v


# as the sampler makes them: integral values are ints
values = st.one_of(st.integers(-40, 40),
                   st.fractions(min_value=-20, max_value=20, max_denominator=7).map(_plain))
NAMES = ("c", "h", "k", "p", "s")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[values] * len(NAMES)), min_size=1, max_size=12))
def test_columns_agree_with_one_point_definition(rows):
    env = {name: [r[i] for r in rows] for i, name in enumerate(NAMES)}
    for text in FORMULAS:
        tree = parse(text)
        got = evaluate(tree, env, len(rows))
        for i, row in enumerate(rows):
            want = _plain(_naive(tree, dict(zip(NAMES, row))))
            # (types are not compared: a Fraction to the power 0 stays Fraction(1, 1))
            assert got[i] == want and (want is UNDEFINED) is (got[i] is UNDEFINED), \
                (text, row)
    for text in RELATIONS:
        tree = parse_relation(text)
        got = evaluate(tree, env, len(rows))
        for i, row in enumerate(rows):
            assert got[i] is _naive(tree, dict(zip(NAMES, row))), (text, row)


def test_integer_powers_keep_the_size_limit():
    # the columns are narrow (within 64 bits) but the power's bound is over max_bits
    small = dataclasses.replace(DEFAULT_LIMITS, max_bits=100)
    env = {"h": [3, 2**40]}
    assert evaluate(parse("h^2"), env, 2, small) == [9, 2**80]
    with pytest.raises(TooLarge):
        evaluate(parse("h^3"), env, 2, small)
    assert evaluate(parse("h^3"), {"h": [1, -1]}, 2, small) == [1, -1]


def test_column_sizes():
    from symconv.grading.evaluate import _column_bits

    assert _column_bits([]) == 0
    assert _column_bits([3, -300, 7]) == 9
    assert _column_bits([0, 1, -1]) == 1
    assert _column_bits([1, Fraction(1, 1024)]) == 11
    assert _column_bits([True, 1]) is None  # a bool is not a number of a symbol
    assert _column_bits([1, UNDEFINED]) is None
