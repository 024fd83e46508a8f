"""Formulas written as Python: whitelisted AST conversion, never evaluated."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symconv.keys.pyformula import FormulaError, parse_expression, python_function
from symconv.symbols import sym
from symconv.window import Window1d

OUT = python_function("def out(h, k, p, s):\n    return (h + 2*p - k)//s + 1")


@given(h=st.integers(1, 300), k=st.integers(1, 9), p=st.integers(0, 4), s=st.integers(1, 5))
def test_floor_division_means_what_python_means(h, k, p, s):
    if h + 2 * p < k:
        return
    point = {sym("h"): h, sym("k"): k, sym("p"): p, sym("s"): s}
    assert OUT.expr.xreplace(point) == (h + 2 * p - k) // s + 1  # Python itself is the oracle


def test_matches_the_engine_window_formula():
    h, k, p, s = (sym(n) for n in "hkps")
    assert sp.simplify(OUT.expr - Window1d(k, s, p, p).output_size(h)) == 0


def test_latexify_renders_the_function():
    assert OUT.latex.startswith(r"\mathrm{out}(h, k, p, s)") and r"\lfloor" in OUT.latex


@pytest.mark.parametrize("source", [
    "__import__('os').system('true')",
    "h.__class__",
    "(lambda: 1)()",
    "[h for h in range(3)]",
    "open('x')",
    "h if k else p",
    "2 ** 100000",
    "'text'",
])
def test_anything_but_arithmetic_is_rejected(source):
    with pytest.raises(FormulaError):
        parse_expression(source)


@pytest.mark.parametrize("source", [
    "import os\ndef f(h):\n    return h",
    "@dec\ndef f(h):\n    return h",
    "def f(h, k=1):\n    return h",
    "def f(h):\n    print(h)\n    return h",
    "def f(h):\n    return os.getcwd()",
    "def f(h):\n    return g",
])
def test_function_shape_is_restricted(source):
    with pytest.raises(FormulaError):
        python_function(source)


def test_local_assignments_and_math_calls():
    f = python_function("def f(h, k):\n    m = h - k\n    return math.floor(m / 2) + max(h, k)")
    h, k = sym("h"), sym("k")
    assert f.expr == sp.floor((h - k) / 2) + sp.Max(h, k)
