"""Question files are bounded like student answers, before anything is evaluated.

Every formula (``where``, ``claimed``, a function's source) gets a bound on
the bits of any value it can take, computed from its syntax tree before
SymPy builds anything; every value is exact, finite, bounded and inside its
symbol's domain.  The bound is tested against the truth: random formulas are
evaluated exactly at the largest and at random allowed values, and the
result never has more bits than the bound promised.
"""

from __future__ import annotations

import ast
import random

import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from symconv.keys import pyformula
from symconv.keys.pyformula import FormulaError, bits_bound, parse_expression, python_function
from symconv.keys.questions import MAX_VALUE, QuestionFileError, question_from_table, symbol_value

NAMES = ("h", "w", "k")


def _expressions() -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(NAMES), st.integers(1, 10**6).map(str),
                       st.sampled_from(["0.5", "0.25", "3"]))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//", "%"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})")
        power = st.tuples(inner, st.integers(-4, 6)).map(lambda t: f"({t[0]})**({t[1]})")
        call = st.tuples(st.sampled_from(["floor", "ceil", "abs"]), inner).map(
            lambda t: f"{t[0]}({t[1]})")
        pair = st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})")
        fact = st.integers(0, 40).map(lambda n: f"factorial({n})")
        return st.one_of(binary, power, call, pair, fact, inner.map(lambda e: f"-({e})"))

    return st.recursive(leaves, extend, max_leaves=12)


def _bits(value: sp.Rational) -> int:
    return int(abs(value.p)).bit_length() + int(value.q).bit_length()


@given(text=_expressions(), seed=st.integers(0, 2**32))
def test_the_bound_holds_at_the_largest_and_at_random_values(text, seed):
    tree = ast.parse(text, mode="eval")
    try:
        bound = bits_bound(tree, {})
        expr = parse_expression(text)
    except FormulaError:
        assume(False)  # refused (too large, division by zero...): nothing to compare
        return
    rng = random.Random(seed)
    for point in ({n: MAX_VALUE for n in NAMES}, {n: rng.randint(1, MAX_VALUE) for n in NAMES},
                  {n: 1 for n in NAMES}):
        try:
            value = expr.xreplace({s: sp.Integer(point[s.name]) for s in expr.free_symbols})
        except ZeroDivisionError:  # a % 0 at this point
            continue
        if not value.is_Rational:
            continue  # a division by zero at this point (zoo, nan)
        assert _bits(value) <= bound, (text, point, _bits(value), bound)


@pytest.mark.parametrize("text, reason", [
    ("((9**16)**16)**16**16", "exponent"),
    ("(((9**16)**16)**16)**16", "bits"),
    ("((h**16)**16)**16", "bits"),
    ("factorial(10**16)", "factorial"),
    ("factorial(factorial(factorial(5)))", "factorial"),
    ("factorial(h)", "factorial"),
    ("2**100000", "exponent"),
    ("h**h", "exponent"),
    ("1" * 41, "digits"),
    ("1e999", "finite"),
])
def test_runaway_formulas_are_refused_before_sympy_sees_them(monkeypatch, text, reason):
    def refuse(*args, **kwargs):
        raise AssertionError("SymPy was asked to build a refused formula")

    monkeypatch.setattr(pyformula, "to_sympy", refuse)
    with pytest.raises(FormulaError, match=reason):
        parse_expression(text)


def test_nested_powers_multiply_their_exponents():
    # each exponent alone is small; their product is what the value grows with
    assert bits_bound(ast.parse("(h**4)**4", mode="eval")) == 20 * 16 + 1  # h**16 over 1
    with pytest.raises(FormulaError, match="nested powers multiply"):
        parse_expression("((((h**4)**4)**4)**4)**4")


def test_a_huge_source_is_refused_by_its_size_before_parsing(monkeypatch):
    source = "def f(h):\n    return " + "+".join(["h"] * 400_000)

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed a source that is too long")

    monkeypatch.setattr(ast, "parse", no_parse)
    with pytest.raises(FormulaError, match="800,0.. characters"):
        python_function(source)


def test_function_bodies_are_bounded_through_their_locals():
    with pytest.raises(FormulaError, match="bits"):
        python_function("def f(h):\n    m = (h**16)**16\n    return (m**16)**16")
    with pytest.raises(FormulaError, match="factorial"):
        python_function("def f(h):\n    n = factorial(5)\n    return factorial(factorial(n))")
    assert python_function("def f(h):\n    m = h**2\n    return m + factorial(5)").expr == (
        sp.Symbol("h", integer=True, positive=True)**2 + 120)


@pytest.mark.parametrize("name, value, reason", [
    ("h", -8, "positive integer"), ("h", 0, "positive integer"), ("p", -1, "non-negative"),
    ("h", 3.5, "not an integer"), ("h", "3/2", "not an integer"), ("h", 32.0, "not an integer"),
    ("h", float("nan"), "finite"), ("h", float("inf"), "finite"), ("h", 1e300, "integer"),
    ("h", 10**30, "too large"), ("h", MAX_VALUE + 1, "too large"), ("h", True, "a number"),
    ("h", "abc", "not a number"), ("h", [1], "a number"), ("sigma_x", -0.5, "positive real"),
    ("sigma_x", "1/0", "not a number"), ("sigma_x", 1e300, "too large"),
])
def test_values_outside_their_domain_are_refused(name, value, reason):
    with pytest.raises(ValueError, match=reason):
        symbol_value(name, value)


def test_values_inside_their_domain_are_exact():
    assert symbol_value("h", 224) == 224 and symbol_value("p", 0) == 0
    assert symbol_value("sigma_x", 0.5) == sp.Rational(1, 2)
    assert symbol_value("sigma_x", "3/2") == sp.Rational(3, 2)
    assert symbol_value("h", "6/2") == 3


LAYER = {"id": "q1", "kind": "layer", "text": "?",
         "layer": {"type": "Conv2d", "in_channels": "c_i", "out_channels": 8,
                   "kernel_size": "k"}, "input": ["c_i", "h", "h"], "ask": ["mults"]}


def test_values_that_break_the_layer_never_reach_a_key():
    with pytest.raises(QuestionFileError, match=r"field 'values': these numbers make the layer "
                                                r"invalid: .*kernel extent 5"):
        question_from_table("x.toml", {**LAYER, "values": {"c_i": 3, "k": 5, "h": 2}}, 0)
    q = question_from_table("x.toml", {**LAYER, "values": {"c_i": 3, "k": 5, "h": 5}}, 0)
    assert q.expected == 3 * 8 * 25


def test_vary_ranges_are_bounded():
    for vary, reason in [({"h": {"range": [1, 10**30]}}, "too large"),
                         ({"h": {"range": [1, 100_000]}}, "more than"),
                         ({"h": {"range": [0, 5]}}, "not allowed"), ({"h": "x"}, "expected"),
                         ({"h": [1, 5]}, "ambiguous")]:
        with pytest.raises(QuestionFileError, match=rf"field 'vary.h(.range)?': .*{reason}"):
            question_from_table("x.toml", {**LAYER, "vary": vary}, 0)


def test_symbol_bits_cover_every_allowed_value():
    assert MAX_VALUE.bit_length() <= pyformula.SYMBOL_BITS


@pytest.mark.parametrize("text", [
    "-((-(158) + (h)**(-1)))",  # found by the property test: a sum's fraction was under-bounded
])
def test_regressions_of_the_bound(text):
    bound = bits_bound(ast.parse(text, mode="eval"))
    expr = parse_expression(text)
    value = expr.xreplace({s: sp.Integer(MAX_VALUE) for s in expr.free_symbols})
    assert _bits(value) <= bound


def test_a_slow_derivation_stops_at_the_question_time_limit(tmp_path, monkeypatch, capsys):
    # Small numbers, legitimately slow engine work: the per-question time limit is the
    # backstop, and the error names the file and question.  (The symmetry group of an
    # 8-unit MLP was such work until its checks stopped enumerating the 10 million
    # elements; the slowness is now simulated.)
    import time

    from symconv.calculus.symmetry import MLPSymmetry
    from symconv.cli import main

    def slow_steps(self, check=True):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(MLPSymmetry, "steps", slow_steps)
    path = tmp_path / "slow.toml"
    path.write_text('[[question]]\nid = "sym8"\nkind = "calculus"\ntext = "?"\n'
                    'function = "symmetry.mlp_symmetry"\nargs = { d = 8, activation = "tanh" }\n',
                    encoding="utf-8")
    monkeypatch.setenv("SYMCONV_QUESTION_TIME_LIMIT", "1")
    assert main(["key", str(path), "-o", str(tmp_path / "out"), "--no-torch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{path}: question 'sym8'" in err[0]
    assert "took longer than 1 s" in err[0]


@pytest.mark.parametrize("d", [8, 64])
def test_the_largest_mlp_symmetry_a_question_may_ask_builds_its_key(tmp_path, monkeypatch,
                                                                     capsys, d):
    """harden found d = 8 running past 120 s (every one of 2^8 8! elements checked); the
    checks now use the group's generators, so any d a question file allows gives a key."""
    from symconv.cli import main
    from symconv.keys.questions import MAX_WORKED_INTEGER

    assert d <= MAX_WORKED_INTEGER
    path = tmp_path / "sym.toml"
    path.write_text('[[question]]\nid = "sym"\nkind = "calculus"\ntext = "?"\n'
                    'function = "symmetry.mlp_symmetry"\n'
                    f'args = {{ d = {d}, activation = "relu" }}\nresult = "group_size"\n',
                    encoding="utf-8")
    monkeypatch.setenv("SYMCONV_QUESTION_TIME_LIMIT", "60")  # the old enumeration: > 120 s
    assert main(["key", str(path), "-o", str(tmp_path / "out"), "--no-torch", "--format", "md"]) == 0, \
        capsys.readouterr().err
    key = (tmp_path / "out" / "sym.md").read_text(encoding="utf-8")
    assert "Schreier-Sims" in key if d <= 24 else "arrangements" in key
