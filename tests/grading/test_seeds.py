"""Regression: the seed students' answers, with expected values derived by the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

import symconv
from symconv import AvgPool2d, Conv2d, analyze, grade
from symconv.symbols import sym
from symconv.window import product

ROOT = Path(__file__).resolve().parents[2]


def symbolic_conv(bias: bool = False):
    layer = Conv2d("c_i", "c_o", ("k_h", "k_w"), stride=("s_h", "s_w"), padding=("p_h", "p_w"),
                   bias=bias)
    return analyze(layer, ("c_i", "h", "w"))


SEED_004 = dict(c_i=64, c_o=128, k_h=3, k_w=3, p_h=1, p_w=1, s_h=1, s_w=1, h=256, w=256)


def test_seed_004_multiplications_omit_c_i():
    numeric = analyze(Conv2d(64, 128, 3, padding=1), (64, 256, 256)).mults
    formula = symbolic_conv(bias=True).mults
    # the reference with the seed's values fixed is the engine's number
    assert formula.subs({sym(k): v for k, v in SEED_004.items()}) \
        == numeric
    result = grade(formula, "74,908,800", **SEED_004)
    assert result.verdict == "incorrect"
    assert "c_i" in result.note and "c_i" in result.feedback
    assert result.counterexample["expected"] == numeric
    assert result.counterexample["got"] == 74_908_800
    assert grade(formula, f"{int(numeric):,}", **SEED_004).verdict == "correct"


def test_seed_004_against_its_question_file():
    from symconv.grading.questions import load, question_reference

    assignment = load(ROOT / "derivations" / "aimed_cnn_2020.toml")
    expected, domain = question_reference(assignment, "4.1")
    assert expected.subs({s: domain[s.name] for s in expected.free_symbols}) == \
        assignment.question("4.1").expected
    result = grade(expected, "74,908,800", **domain)
    assert result.verdict == "incorrect"
    assert "factor_dropped_C_in" in result.note


def test_seed_003_avg_pool_gradient_uses_y_not_dy():
    layer = AvgPool2d(2)
    # dx = dy / (number of taps of the window): the engine's kernel of the layer
    expected = sym("dy") / product(layer.kernel_size)
    assert grade(expected, "dy/4", dy="real", y="real").verdict == "correct"
    result = grade(expected, "y/4", dy="real", y="real")
    assert result.verdict == "incorrect"
    ce = result.counterexample
    assert ce["expected"] == ce["dy"] / 4 and ce["got"] == ce["y"] / 4


SEED_000 = ("c_o*floor((h+2*p_h-k_h)/s_h+1)*floor((w+2*p_w-k_w)/s_w+1)"
            "*(2*c_i*k_h*k_w-1)")


def test_seed_000_cost_formula_is_the_bias_free_flops():
    assert grade(symbolic_conv().flops, SEED_000).verdict == "correct"
    latex = (r"c_o \left\lfloor \frac{h + 2p_h - k_h}{s_h} + 1 \right\rfloor "
             r"\left\lfloor \frac{w + 2p_w - k_w}{s_w} + 1 \right\rfloor (2c_i k_h k_w - 1)")
    assert grade(symbolic_conv().flops, latex).verdict == "correct"


def test_seed_001_formulas_without_floors_are_partial():
    report = symbolic_conv()
    size = product(report.output_shape)
    seed_001_size = (r"c_o * \left( \frac{h - k_h + 2p_h}{s_h} + 1 \right) * "
                     r"\left( \frac{w - k_w + 2p_w}{s_w} + 1 \right)")
    result = grade(size, seed_001_size)
    assert result.verdict == "partial"
    assert result.note == "ATEquiv_floor_dropped"
    assert "s_h divides" in result.assumption and "s_w divides" in result.assumption
    cost_without_floors = SEED_000.replace("floor", "")
    result = grade(report.flops, cost_without_floors)
    assert result.verdict == "partial" and "divides" in result.assumption


def test_seed_001_cost_formula_itself_is_incorrect():
    # seed 001's total: size_o * 2 k_h k_w (no c_i, n instead of n - 1 additions)
    text = "c_o*((h - k_h + 2p_h)/s_h + 1)*((w - k_w + 2p_w)/s_w + 1)*2k_h*k_w"
    result = grade(symbolic_conv().flops, text)
    assert result.verdict == "incorrect"
    ce = result.counterexample
    values = {k: v for k, v in ce.items() if k not in ("expected", "got")}
    assert symbolic_conv().flops.subs({sym(k): v for k, v in values.items()}) == ce["expected"]


@pytest.mark.parametrize("answer", ["73,856", "(3*3*64 + 1)*128", "73 856"])
def test_seed_004_parameters(answer):
    params = analyze(Conv2d(64, 128, 3, padding=1), (64, 256, 256)).params
    assert grade(params, answer).verdict == "correct"
    assert grade(params, "73,728").verdict == "incorrect"


def test_grade_is_exported():
    assert symconv.grade is grade and "grade" in symconv.__all__
