"""The notation layer, alone and in the bundled keys: the question's names, order and conventions.

Term order (the input size first, positive terms before negative: ``h + 2p - k``),
``\\partial`` for derivatives, no sums over one value, the question's tensor names
and index base, its axis order (H x W x C, a batch), upright multi-letter names,
unit factors left out of substitutions, latexify output in the same names, and a
``[notation]`` table validated field by field.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from symconv import Conv2d
from symconv.calculus.backward import conv_backward
from symconv.keys.questions import QuestionFileError, load_assignment
from symconv.notation import Notation, arrange, latex, text, use
from symconv.notation.transform import tidy
from symconv.symbols import sym


@pytest.mark.parametrize("expr,want", [
    (lambda: sym("h") - sym("k") + 2 * sym("p"), "h + 2 p - k"),
    (lambda: -sym("k") + sym("n") + 1, "n - k + 1"),
    (lambda: -sym("K_1") + 2 * sym("P") + sym("W"), "W + 2 P - K_{1}"),
    (lambda: sym("h") + 2 * sym("p") - sym("d") * (sym("k") - 1) - 1,
     r"h + 2 p - d \left(k - 1\right) - 1"),
])
def test_terms_read_input_size_first_positive_before_negative(expr, want):
    assert latex(expr()) == want


def test_roles_from_the_question_decide_the_order():
    n = Notation().with_roles({"a": "size", "b": "kernel", "c": "padding"})
    assert latex(sym("c") - sym("b") + sym("a"), notation=n) == "a + c - b"
    declared = Notation.from_table({"order": ["c", "a"]})
    assert latex(sym("a") + sym("c"), notation=declared) == "c + a"


def test_partial_derivatives_upright_names_and_no_one_value_sums():
    bw = conv_backward(Conv2d(1, 1, "k", bias=False), (1, "n", "n"))
    lhs = latex(tidy(bw.grad_weight.lhs, bw.shapes, bw.free))
    rhs = latex(tidy(bw.grad_weight.rhs, bw.shapes, bw.free))
    assert lhs.startswith(r"\frac{\partial L}{\partial") and "d}{d" not in lhs
    assert r"0 \leq b \leq 0" not in rhs and r"\sum_{b=0}^{0}" not in rhs
    assert r"{\mathrm{d}y}_{o_{h},o_{w}}" in rhs  # one sample, one channel: no b, f, c
    assert latex(sym("h_out")) == r"h_{\mathrm{out}}" and latex(sym("C_in")) == r"C_{\mathrm{in}}"


def test_the_questions_tensor_names_and_index_base():
    n = Notation.from_table({"index_base": 1, "tensors": {"input": "X", "weight": "W",
                             "output": "Y", "grad_output": "dY"},
                             "names": {"o_h": "i", "o_w": "j", "t_h": "h", "t_w": "l"}})
    bw = conv_backward(Conv2d(1, 1, "k", bias=False), (1, "n", "n"))
    with use(n):
        fwd = latex(tidy(bw.forward.rhs, bw.shapes, bw.free))
        grad = latex(tidy(bw.grad_weight.rhs, bw.shapes, bw.free))
        lhs = latex(tidy(bw.grad_weight.lhs, bw.shapes, bw.free))
    assert fwd == r"\sum_{h=1}^{k} \sum_{l=1}^{k} {W}_{h,l} {X}_{i + h - 1,j + l - 1}"
    assert grad == (r"\sum_{i=1}^{n - k + 1} \sum_{j=1}^{n - k + 1} {\mathrm{d}Y}_{i,j} "
                    r"{X}_{i + h - 1,j + l - 1}")
    assert lhs == r"\frac{\partial L}{\partial {W}_{h,l}}"


def test_axis_order_and_batch():
    hwc = Notation.from_table({"layout": "HWC"})
    assert arrange((10, 31, 31), hwc) == (31, 31, 10)
    assert arrange((10, 31, 31), Notation.from_table({"layout": "NCHW"}), batch=8) == (
        8, 10, 31, 31)
    assert arrange((1, 126, 126), Notation.from_table({"layout": "HW"})) == (126, 126)
    assert arrange((64, 3, 4, 5), hwc, kind="weight") == (4, 5, 3, 64)


def test_substitution_leaves_unit_factors_out_and_groups_numbers():
    expr = sym("d_1") * (sym("k_1") - 1) + sym("d_2") * sym("s_1") * (sym("k_2") - 1) + 1
    shown = latex(expr, {"d_1": 1, "d_2": 1, "s_1": 1, "k_1": "k_1", "k_2": "k_2"})
    assert shown == r"\left(k_{1} - 1\right) + \left(k_{2} - 1\right) + 1"
    assert r"1 \cdot" not in shown
    assert latex(sp.Integer(4831838208)) == "4{,}831{,}838{,}208"
    assert text(sp.floor((sym("h") - sym("k") + 2 * sym("p")) / sym("s")) + 1) == (
        "⌊(h + 2·p - k)/s⌋ + 1")


def test_notation_tables_are_checked_field_by_field(tmp_path):
    good = '''
[assignment]
title = "T"

[notation]
layout = "HWC"

[[question]]
id = "a"
kind = "layer"
text = "?"
layer = { type = "Conv2d", in_channels = "c_i", out_channels = "c_o", kernel_size = "k" }
input = ["c_i", "h", "h"]
ask = ["output_shape"]
values = { c_i = 10, c_o = 10, k = 6, h = 64 }

[question.notation]
names = { c_o = "F" }
'''
    path = tmp_path / "n.toml"
    path.write_text(good)
    q = load_assignment(path).question("a")
    assert q.notation.layout == "HWC" and q.notation.names == {"c_o": "F"}
    for bad, field in [('layout = "HXW"', "layout"), ('names = { c_o = "\\\\input{x}" }', "names"),
                       ("index_base = 2", "index_base"), ('colour = "red"', "colour")]:
        path.write_text(good.replace('names = { c_o = "F" }', bad))
        with pytest.raises(QuestionFileError, match=rf"field 'notation'.*{field}"):
            load_assignment(path)


@pytest.fixture(scope="module")
def tex(rendered_keys):
    return {p.stem: p.read_text(encoding="utf-8") for p in rendered_keys.glob("*.tex")}


def test_bundled_keys_speak_their_questions_notation(tex):
    aimed, sp25, hw4 = tex["aimed_cnn_2020"], tex["cs280_sp25_a2"], tex["homework4_cnn"]
    # term order, everywhere
    assert r"W + 2 P - K_{1}" in aimed and "- K_{1} + 2 P + W" not in aimed
    assert "n - k + 1" in sp25 and "- k + n + 1" not in sp25
    # H x W x C where the question writes 64 x 64 x 10; W x H x C where it writes W x H x C_in
    assert r"\boxed{31 \times 31 \times 10}" in sp25
    assert r"\boxed{256 \times 256 \times 128}" in aimed
    # the batch where the question has one: [B, C, H, W]
    assert r"\boxed{10 \times 64 \times 32 \times 32}" in hw4
    # 1-based W_{h,l} and the question's tensors in 5a
    assert r"{Y}_{i,j} &= \sum_{h=1}^{k} \sum_{l=1}^{k} {W}_{h,l} {X}_{i + h - 1,j + l - 1}" in hw4
    # no one-value sums, no d/dx, no italic multi-letter names, no latexify underscores
    for key in tex.values():
        assert not re.search(r"0 \\leq [a-z]'? \\leq 0|\\sum_\{[a-z]'?=0\}\^\{0\}", key)
        assert r"\frac{d}{d" not in key and "dy_{up}" not in key and "w_{flip}" not in key
        assert r"\_" not in key.split(r"\begin{document}")[1].replace(r"\_{", "")
