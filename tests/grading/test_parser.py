"""The safe parser: formats students write, what is rejected, and SymPy's printers as an oracle."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symconv.grading.evaluate import evaluate
from symconv.grading.limits import InvalidAnswer
from symconv.grading.parser import parse, parse_relation
from symconv.symbols import sym

KNOWN = {"c_i", "c_o", "k_h", "k_w", "h", "w", "p_h", "p_w", "s_h", "s_w", "p", "s", "k"}


def value(text: str, known=KNOWN, **env):
    tree = parse(text, known)
    return evaluate(tree, {k: [v] for k, v in env.items()}, 1)[0]


@pytest.mark.parametrize("text, expected", [
    ("73,856", 73856), ("73 856", 73856), ("7.3856e4", 73856), ("1,234,567", 1234567),
    (r"4.83 \times 10^{9}", 4830000000), ("4.83 × 10⁹", 4830000000), ("$73{,}856$", 73856),
    ("2^10", 1024), ("2**10", 1024), ("-2^2", -4), ("2^-1", Fraction(1, 2)), ("0.5", Fraction(1, 2)),
    (r"\frac{3}{4}", Fraction(3, 4)), ("１２３", 123), ("73\u2009856", 73856), (r"73\,856", 73856),
])
def test_numbers_as_students_write_them(text, expected):
    assert value(text) == expected


@pytest.mark.parametrize("text", ["7,3856", "7 3856", "1234,567", "7,38", "3, 4"])
def test_ambiguous_numbers_are_rejected_not_guessed(text):
    with pytest.raises(InvalidAnswer):
        parse(text, KNOWN)


ENV = dict(c_i=3, c_o=5, k_h=3, k_w=2, h=11, w=9, p_h=1, p_w=2, s_h=2, s_w=3, p=1, s=2, k=3)


@pytest.mark.parametrize("text", [
    "c_o*floor((h+2*p_h-k_h)/s_h)",
    "c_o floor((h+2p_h-k_h)/s_h)",
    r"c_o \left\lfloor \frac{h+2p_h-k_h}{s_h} \right\rfloor",
    "c_o ⌊(h + 2p_h − k_h)/s_h⌋",
    r"C_{out} \cdot \lfloor (h+2 p_h-k_h) / s_h \rfloor",
    r"C_{\text{out}} \times \operatorname{floor}\left(\frac{h+2p_h-k_h}{s_h}\right)",
    "C_out*Floor((h + 2*p_h - k_h)/s_h)",
    "ｃ_ｏ*floor((h+2*p_h-k_h)/s_h)",
])
def test_spellings_of_one_formula(text):
    assert value(text, **ENV) == 5 * ((11 + 2 - 3) // 2)


@pytest.mark.parametrize("text, expected", [
    ("c_ik_hk_w", 3 * 3 * 2), ("hw", 11 * 9), ("2(h+1)", 24), ("(h)(w)", 99), ("h²", 121),
    ("h_out = h - k_h + 1", 9), (r"\sqrt{h^2}", 11), ("|w - h|", 2), ("max(h, w) - min(h,w)", 2),
    (r"\lceil h/2 \rceil", 6), ("mod(h, 4)", 3), ("log_2(8)", 3), (r"\log_2 8", 3),
    ("H_{in} - K_h", 8), ("sqrt h", None),
])
def test_implicit_products_aliases_and_functions(text, expected):
    got = value(text, **ENV)
    if expected is None:  # irrational: an interval around sqrt(11) = 3.3166...
        assert Fraction(33166, 10000) < got < Fraction(33167, 10000)
    else:
        assert got == expected


@pytest.mark.parametrize("text, code", [
    ("1/2h", "ambiguous"), ("x + 1", "unknown_symbol"), ("eval(h)", "unknown_function"),
    (r"\input{/etc/passwd}", "latex_command"), (r"\def\x{1}", "latex_command"),
    ("h +", "syntax"), ("(h", "syntax"), ("", "empty"), ("h..w", "bad_character"),
    ("h;w", "bad_character"), ("h' ", "bad_character"), (r"\frac{1}", "syntax"),
])
def test_rejections_name_their_reason(text, code):
    with pytest.raises(InvalidAnswer) as info:
        parse(text, KNOWN)
    assert info.value.code == code


def test_relations_and_chains():
    rel = parse_relation("1 <= s <= k")
    got = evaluate(rel, {"s": [1, 3, 2], "k": [2, 2, 2]}, 3)
    assert got == [True, False, True]


# -- SymPy's own printers as an oracle: whatever SymPy prints, we read the same value --------
NAMES = ["h", "w", "k_h", "s_h", "p_h", "c_i"]
SYMS = [sym(n) for n in NAMES]


def expressions():
    leaves = st.one_of(st.sampled_from(SYMS), st.integers(1, 9).map(sp.Integer))

    def extend(children):
        return st.one_of(
            st.tuples(children, children).map(lambda t: t[0] + t[1]),
            st.tuples(children, children).map(lambda t: t[0] * t[1]),
            st.tuples(children, children).map(lambda t: t[0] - t[1]),
            st.tuples(children, st.sampled_from(SYMS)).map(lambda t: sp.floor(t[0] / t[1])),
            st.tuples(children, st.sampled_from(SYMS)).map(lambda t: sp.ceiling(t[0] / t[1])),
            st.tuples(children, st.integers(0, 3)).map(lambda t: t[0] ** t[1]),
            st.tuples(children, children).map(lambda t: sp.Max(t[0], t[1])),
        )
    return st.recursive(leaves, extend, max_leaves=8)


@given(expressions(), st.lists(st.integers(1, 30), min_size=len(NAMES), max_size=len(NAMES)),
       st.sampled_from(["str", "latex"]))
def test_parser_reads_sympy_printers_exactly(expr, values, printer):
    text = sp.latex(expr) if printer == "latex" else str(expr)
    env = dict(zip(NAMES, values))
    oracle = expr.xreplace({s: sp.Integer(v) for s, v in zip(SYMS, values)})
    got = evaluate(parse(text, set(NAMES)), {k: [v] for k, v in env.items()}, 1)[0]
    assert sp.Rational(Fraction(got).numerator, Fraction(got).denominator) == oracle
