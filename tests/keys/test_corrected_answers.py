"""Every wrong statement the bundled keys used to make, corrected (issue 9), each against an oracle.

Each test fails on the keys as they were: cs280_fa22 Q3 boxed the d = 3 count and
said sign flips change a sigmoid network; aimed Q6 wrote the input range as a
product; the aimed 4.1 note explained 74,908,800 wrongly; cs280_sp25 2.1 answered
"explain" with a Kronecker-delta derivation in reversed names; homework4 2c/2d
boxed the L = 3 value, 3c gave H_out = h + 1, 5b had an expectation missing; 12 GB
was read only as GiB.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

from symconv.calculus.expectation import Expect
from symconv.calculus.variance import gradient_variance
from symconv.layers import Conv2d


def _section(text: str, qid: str) -> str:
    """The LaTeX of one question (from its heading to the next one)."""
    start = text.index(f"Question {qid}")
    nxt = re.search(r"\\subsection\*\{Question |\\end\{document\}", text[start + 10:])
    return text[start:start + 10 + (nxt.start() if nxt else len(text))]


@pytest.fixture(scope="module")
def tex(rendered_keys):
    return {p.stem: p.read_text(encoding="utf-8") for p in rendered_keys.glob("*.tex")}


def test_fa22_q3_boxes_d_factorial_and_argues_the_local_minimum(tex):
    q3 = _section(tex["cs280_fa22_a2"], "3:")
    assert r"\boxed{d!}" in q3 and r"\boxed{6}" not in q3
    assert "local minimum" in q3 and r"P\theta^*" in q3  # the isometry argument
    answer = q3[q3.index(r"\textbf{Answer.}"):]
    assert "d!" in answer.split(r"\textit{Note.}")[0]


def test_fa22_sigmoid_sign_flips_keep_the_function_with_the_output_bias(tex):
    """Oracle: a random sigmoid network, one unit flipped and its v added to the output bias."""
    rng = np.random.default_rng(7)
    W, b, v, c = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=3), 0.4
    x = rng.normal(size=(50, 2))

    def f(W, b, v, c):
        return (1 / (1 + np.exp(-(x @ W.T + b)))) @ v + c

    W2, b2, v2 = W.copy(), b.copy(), v.copy()
    W2[0], b2[0], v2[0] = -W[0], -b[0], -v[0]
    assert np.allclose(f(W, b, v, c), f(W2, b2, v2, c + v[0]), atol=1e-12)
    assert not np.allclose(f(W, b, v, c), f(W2, b2, v2, c))  # the bias shift is needed
    q3 = _section(tex["cs280_fa22_a2"], "3:")
    assert "sign flips change the function" not in q3
    assert r"\phi(-z) = 1 - \phi(z)" in q3 and "output bias" in q3
    assert r"2^{d} d!" in q3


def test_aimed_q6_input_range_is_written_as_intervals(tex):
    from symconv.keys.kinds.network import network_report
    from symconv.keys.network_checks import index_range
    from symconv.keys.questions import load_assignment

    q6 = _section(tex["aimed_cnn_2020"], "6:")
    answer = q6[q6.index(r"\textbf{Answer.}"):]
    assert r"\left[16 i - 62, 16 i + 77\right] \times \left[16 j - 62, 16 j + 77\right]" in answer
    assert r"\left(16 i - 62\right) \times \left(16 i + 77\right)" not in q6
    # oracle: explicit index sets through the real layers, at i = 8
    q = next(q for q in load_assignment("derivations/aimed_cnn_2020.toml").questions
             if q.id == "6")
    net, _ = network_report(q)
    layers = [layer for _, layer in list(net.named_children())[:14]]
    assert index_range(layers, 0, 8) == (16 * 8 - 62, 16 * 8 + 77)


def test_aimed_41_note_explains_74908800(tex):
    note = _section(tex["aimed_cnn_2020"], "4.1")
    note = note[note.index(r"\textit{Note.}"):]
    assert 3 * 3 * 255 * 255 * 128 == 74_908_800  # what the submitted number is
    assert 3 * 3 * 256 * 256 * 128 == 75_497_472  # what K1 K2 W_out H_out C_out is
    assert "255" in note and "75,497,472" in note
    assert not re.search(r"74,908,800 is \$K_1 K_2 W_\{out\}", note)


def test_sp25_21_explains_f_and_g_in_the_questions_names(tex):
    q21 = _section(tex["cs280_sp25_a2"], "2.1")
    assert "Kronecker" not in q21 and r"\delta" not in q21  # an explanation, not the deltas
    answer = q21[q21.index(r"\textbf{Answer.}"):]
    assert "forward pass" in answer and "backward pass" in answer
    assert "output $x$" in answer and r"\epsilon = \partial L / \partial x" in answer
    # the derived formulas use the question's tensors: x out, z in, epsilon, g_w, g_z
    assert r"{x}_{i,j} &= " in q21 and r"{\epsilon}_{i,j} {z}_{" in q21
    assert r"{\left(g_{w}\right)}_{a,b}" in q21 and r"{\left(g_{z}\right)}_{p,q}" in q21
    assert r"{x}_{b," not in q21  # x is the output here, never the input


def test_homework4_2c_2d_box_the_field_for_any_number_of_layers(tex):
    c, d = _section(tex["homework4_cnn"], "2c"), _section(tex["homework4_cnn"], "2d")
    assert r"\boxed{L \left(K - 1\right) + 1}" in c and r"\boxed{3 K - 2}" not in c
    assert r"\boxed{2^{L}}" in d and r"\boxed{8}" not in d
    # oracle: an impulse back through L real stride-1 convolutions (torch autograd)
    import torch

    for L in (2, 4):
        x = torch.zeros((1, 1, 40, 40), dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(L):
            y = torch.nn.functional.conv2d(y, torch.ones((1, 1, 3, 3), dtype=torch.float64))
        y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
        rows = torch.nonzero(x.grad[0, 0])[:, 0]
        assert int(rows.max() - rows.min() + 1) == L * (3 - 1) + 1


def test_homework4_3c_gives_the_general_transposed_output_size(tex, torch):
    c3 = _section(tex["homework4_cnn"], "3c")
    assert r"H_{\mathrm{out}} &= s \left(h - 1\right) + k - 2 p" in c3
    assert r"h + 1" not in c3
    # oracle: torch's ConvTranspose2d on sizes where h + 1 would be wrong
    for h, k, s, p in [(2, 2, 1, 0), (5, 3, 2, 1), (4, 4, 3, 0)]:
        t = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p)
        assert t(torch.zeros(1, 1, h, h)).shape[-1] == (h - 1) * s + k - 2 * p


def test_homework4_5b_every_second_moment_line_has_its_expectation():
    """E[G^2] = ... must show E on its right side until the moments are taken."""
    steps = gradient_variance(Conv2d(1, 1, "k", bias=False), (1, "n", "n")).steps(
        monte_carlo=False)
    G = sp.Symbol("G")
    lines = [s for s in steps if type(s).__name__ == "Equation" and s.lhs == Expect(G**2)]
    assert lines
    for eq in lines:
        for rhs in eq.rhs:
            if rhs.atoms(sp.Indexed):
                assert rhs.has(Expect), rhs


def test_12_gb_is_read_as_gb_and_as_gib_both_stated(tex, torch):
    q5 = _section(tex["aimed_cnn_2020"], "5:")
    x = torch.empty(1, 64, 256, 256, device="meta")  # the largest activation
    per = x.numel() * x.element_size()
    gib, gb = (12 * 2**30) // per, (12 * 10**9) // per
    assert (gib, gb) == (768, 715)
    answer = q5[q5.index(r"\textbf{Answer.}"):]
    assert f"largest batch (12 GiB) $= {gib}$" in answer
    assert f"largest batch (12 GB) $= {gb}$" in answer
