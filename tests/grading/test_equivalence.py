"""Verdicts: identities SymPy cannot decide, partial credit, mutant feedback, counterexamples."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symconv import Conv2d, ConvTranspose2d, Linear, MaxPool2d, analyze, grade
from symconv.symbols import sym


@pytest.mark.parametrize("expected, answer", [
    ("n", "floor(n/2) + ceiling(n/2)"),
    ("ceiling(a/b)", "floor((a + b - 1)/b)"),
    ("floor((h - k)/s) + 1", "ceil((h - k + 1)/s)"),
    ("floor((h - k)/s) + 1", "floor((h - k + s)/s)"),
    ("floor(floor(n/a)/b)", "floor(n/(a*b))"),
    ("h*w", "w*h"),
    ("(h+1)^2", "h^2 + 2h + 1"),
])
def test_identities_sympy_does_not_decide(expected, answer):
    assert grade(expected, answer).verdict == "correct"


def test_sympy_itself_cannot_decide_them():
    n, a, b = sym("n"), sym("a"), sym("b")
    assert sp.simplify(sp.floor(n / 2) + sp.ceiling(n / 2) - n) != 0
    assert sp.simplify(sp.ceiling(a / b) - sp.floor((a + b - 1) / b)) != 0


def _check_counterexample(expected: sp.Expr, result) -> None:
    """The counterexample is a valid instance where SymPy itself finds the values differ."""
    ce = result.counterexample
    values = {sym(k): v for k, v in ce.items() if k not in ("expected", "got")}
    at = {s: sp.Rational(Fraction(v).numerator, Fraction(v).denominator) for s, v in values.items()}
    assert expected.xreplace(at) == sp.Rational(str(Fraction(ce["expected"])))
    assert ce["got"] != ce["expected"]


CONV = analyze(Conv2d("c_i", "c_o", ("k_h", "k_w"), stride=("s_h", "s_w"),
                      padding=("p_h", "p_w"), bias=True), ("c_i", "h", "w"))
OUT_H = CONV.output_shape[1]


@pytest.mark.parametrize("answer, note_part, feedback_part", [
    ("c_o*k_h*k_w*(floor((h+2p_h-k_h)/s_h)+1)*(floor((w+2p_w-k_w)/s_w)+1)",
     "factor_dropped_c_i", "input channels"),
    ("2*c_i*c_o*k_h*k_w*(floor((h+2p_h-k_h)/s_h)+1)*(floor((w+2p_w-k_w)/s_w)+1)",
     "doubled", "MACs"),
    ("c_i*c_o*k_h*k_w*(floor((h+2p_h-k_h)/s_h))*(floor((w+2p_w-k_w)/s_w)+1)",
     "constant_dropped", "+1"),
    ("c_i*c_o*k_h*k_w*(floor((h+p_h-k_h)/s_h)+1)*(floor((w+2p_w-k_w)/s_w)+1)",
     "coefficient_2_dropped", "both sides"),
    ("c_i*c_o*k_h*k_w*(floor((w+2p_w-k_h)/s_h)+1)*(floor((h+2p_h-k_w)/s_w)+1)",
     "swapped", "swaps"),
    ("c_i*c_o*k_h*k_w*(h+2p_h-k_h+1)*(floor((w+2p_w-k_w)/s_w)+1)",
     "ignored_s_h", "stride"),
])
def test_mutant_feedback(answer, note_part, feedback_part):
    result = grade(CONV.mults, answer)
    assert result.verdict == "incorrect"
    assert note_part in result.note
    assert feedback_part in result.feedback
    _check_counterexample(CONV.mults, result)


def test_output_size_mutants():
    assert "constant_dropped" in grade(OUT_H, "floor((h + 2p_h - k_h)/s_h)").note
    assert grade(OUT_H, "floor((h + 2p_h - k_h)/s_h)").verdict == "incorrect"
    ceil = grade(OUT_H, "ceil((h + 2p_h - k_h)/s_h) + 1")
    # ceil and floor agree exactly when the division is exact: partial, named
    assert ceil.verdict == "partial" and "floor_to_ceil" in ceil.note
    assert "s_h divides" in ceil.assumption and "ceil" in ceil.feedback


def test_bias_mutants():
    params = CONV.params
    result = grade(params, "c_o*c_i*k_h*k_w")
    assert result.verdict == "incorrect" and "term_dropped" in result.note
    assert "bias" in result.feedback


def test_partial_names_the_assumption_and_only_the_needed_one():
    result = grade(CONV.output_shape[2] * OUT_H,
                   "((h + 2p_h - k_h)/s_h + 1)*(floor((w + 2p_w - k_w)/s_w) + 1)")
    assert result.verdict == "partial"
    assert "s_h divides" in result.assumption and "s_w" not in result.assumption


def test_partial_requires_equality_on_the_divisible_instances():
    # no floor and also a dropped +1: wrong even when the division is exact
    result = grade(OUT_H, "(h + 2p_h - k_h)/s_h")
    assert result.verdict == "incorrect"


def test_domain_keywords_fix_and_bound_symbols():
    assert grade(OUT_H, "h - k_h + 1", p_h=0, s_h=1).verdict == "correct"
    assert grade(OUT_H, "h - k_h + 1").verdict == "incorrect"
    # a condition from the caller restricts the instances: equal when h + 2p - k is even
    assert grade("floor((h - k)/2)", "(h - k)/2", conditions=["Mod(h - k, 2) = 0"]).verdict \
        == "correct"


def test_report_conditions_are_used():
    pool = analyze(MaxPool2d("k", stride="s"), ("c", "h", "w"))
    assert grade(pool.output_shape[1], "floor((h - k)/s) + 1", report=pool).verdict == "correct"


def test_numbers_with_tolerance():
    assert grade(4831838208, r"4.83 \times 10^{9}").verdict == "incorrect"
    assert grade(4831838208, r"4.83 \times 10^{9}").note == "ATNum_rounded"
    assert grade(4831838208, r"4.83 \times 10^{9}", sig_figs=3).verdict == "correct"
    assert grade(4831838208, "4.8e9", sig_figs=3).verdict == "incorrect"
    assert grade(sp.Rational(1, 3), "0.3333", rel_tol=1e-3).verdict == "correct"
    assert grade(sp.Rational(1, 3), "0.3333").verdict == "incorrect"
    assert grade(73856, 73856).verdict == "correct"
    assert grade(73856, 73856.0).verdict == "correct"


def test_real_valued_symbols():
    sx, sg, n = sym("sigma_x"), sym("sigma_g"), sym("n")
    expected = n * sx * sg
    assert grade(expected, r"\sqrt{n^2 \sigma_x^2 \sigma_g^2}").verdict == "correct"
    assert grade(expected, r"n^2 \sigma_x \sigma_g").verdict == "incorrect"


def test_answers_the_parser_cannot_read_are_invalid_with_reason():
    result = grade(OUT_H, "floor((h + 2p_h - k_h)/s_h) +")
    assert result.verdict == "invalid" and result.reason and result.note.startswith("ATInvalid")


def test_constant_answer_to_symbolic_question():
    result = grade(OUT_H, "7")
    assert result.verdict == "incorrect" and "formula" in result.feedback


def test_transposed_conv_with_piecewise_reference():
    r = analyze(ConvTranspose2d("c_i", "c_o", ("k_h", "k_w"), stride=("s_h", "s_w")),
                ("c_i", "h", "w"))
    assert grade(r.output_shape[1], "(h - 1)*s_h + k_h").verdict == "correct"
    # the engine's additions use a Piecewise scatter coverage; a student writes it with min
    student = ("c_i*c_o*h*w*k_h*k_w - c_o*min(h*k_h, (h-1)*s_h + k_h)*min(w*k_w, (w-1)*s_w + k_w)"
               " + c_o*((h-1)*s_h + k_h)*((w-1)*s_w + k_w)")
    assert grade(r.adds, student).verdict == "correct"
    assert grade(r.adds, student.replace("min", "max")).verdict == "incorrect"


# -- property: engine formulas against their own printed forms and against brute force -------
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2), st.sampled_from(["str", "latex"]))
def test_engine_formulas_graded_correct_in_every_printed_form(k, s, p, printer):
    layer = Conv2d("c_i", "c_o", "k", stride="s", padding="p", bias=bool(k % 2))
    report = analyze(layer, ("c_i", "h", "w"))
    for q in (report.mults, report.flops, report.params):
        text = sp.latex(q) if printer == "latex" else str(q)
        assert grade(q, text).verdict == "correct"
    # and with values fixed, the engine's numbers for a numeric layer
    numeric = analyze(Conv2d(3, 4, k, stride=s, padding=p), (3, 9 + k, 8 + k))
    assert grade(report.mults, str(int(numeric.mults)), c_i=3, c_o=4, k=k, s=s, p=p,
                 h=9 + k, w=8 + k).verdict == "correct"


@given(st.integers(-3, 3).filter(bool), st.sampled_from(["h", "k", "s", "p"]))
def test_off_by_a_constant_is_never_correct(delta, where):
    out = analyze(Conv2d(1, 1, "k", stride="s", padding="p"), (1, "h", "h")).output_shape[1]
    wrong = out.subs(sym(where), sym(where) + delta)
    result = grade(out, str(wrong))
    assert result.verdict in ("incorrect", "partial")
    if result.verdict == "incorrect":
        _check_counterexample(out, result)


@given(st.integers(1, 5))
def test_linear_layer(n_out):
    r = analyze(Linear("n", n_out), ("n",))
    assert grade(r.params, f"{n_out}*(n + 1)").verdict == "correct"
    assert grade(r.params, f"{n_out}*n").verdict == "incorrect"
