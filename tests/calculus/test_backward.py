"""Derived backward formulas of convolution against torch autograd, on random instances.

The formulas are derived once with every hyper-parameter symbolic (stride,
padding, dilation, groups, kernel, sizes) and run on hypothesis-drawn numbers;
a second test derives them for numeric layers.  Tensors hold small integers in
float64, so every comparison with torch is exact.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import Conv1d, Conv2d
from symconv.calculus.backward import conv_backward
from symconv.calculus.checks import small_ints


@st.composite
def conv_instances(draw, dims: int):
    g = draw(st.integers(1, 2))
    c_i, c_o = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    k = [draw(st.integers(1, 3)) for _ in range(dims)]
    s = [draw(st.integers(1, 3)) for _ in range(dims)]
    d = [draw(st.integers(1, 2)) for _ in range(dims)]
    p = [draw(st.integers(0, 2)) for _ in range(dims)]
    n = [draw(st.integers(max(1, dd * (kk - 1) + 1 - 2 * pp), 8)) for kk, dd, pp in zip(k, d, p)]
    batch = draw(st.integers(1, 2))
    return dict(g=g, c_i=c_i, c_o=c_o, k=k, s=s, d=d, p=p, n=n, batch=batch,
                seed=draw(st.integers(0, 2**31)))


def _torch_grads(torch, inst, x, w, bias):
    fn = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d}[x.ndim - 2]
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(bias, requires_grad=True)
    y = fn(xt, wt, bt, stride=tuple(inst["s"]), padding=tuple(inst["p"]),
           dilation=tuple(inst["d"]), groups=inst["g"])
    return y, xt, wt, bt


def _arrays(inst):
    rng = np.random.default_rng(inst["seed"])
    x = small_ints(rng, (inst["batch"], inst["c_i"], *inst["n"]))
    w = small_ints(rng, (inst["c_o"], inst["c_i"] // inst["g"], *inst["k"]))
    bias = small_ints(rng, (inst["c_o"],))
    return rng, x, w, bias


def _compare(torch, bw, inst, values=None):
    rng, x, w, bias = _arrays(inst)
    y, xt, wt, bt = _torch_grads(torch, inst, x, w, bias)
    dy = small_ints(rng, tuple(y.shape))
    y.backward(torch.tensor(dy))
    got = bw.evaluate(x, w, dy, bias, values=values)
    assert np.array_equal(got["y"], y.detach().numpy())
    assert np.array_equal(got["grad_weight"], wt.grad.numpy())
    assert np.array_equal(got["grad_input"], xt.grad.numpy())
    assert np.array_equal(got["grad_input_full"], xt.grad.numpy())
    assert np.array_equal(got["grad_bias"], bt.grad.numpy())


@pytest.fixture(scope="module")
def symbolic_2d():
    layer = Conv2d("c_i", "c_o", ("k_h", "k_w"), stride=("s_h", "s_w"), padding=("p_h", "p_w"),
                   dilation=("d_h", "d_w"), groups="g")
    return conv_backward(layer, ("c_i", "h", "w"), batch="B")


@pytest.fixture(scope="module")
def symbolic_1d():
    layer = Conv1d("c_i", "c_o", "k", stride="s", padding="p", dilation="d", groups="g")
    return conv_backward(layer, ("c_i", "n"), batch="B")


def _values(inst, names):
    v = {"c_i": inst["c_i"], "c_o": inst["c_o"], "g": inst["g"]}
    for axis, sfx in enumerate(names):
        v.update({f"k{sfx}": inst["k"][axis], f"s{sfx}": inst["s"][axis],
                  f"p{sfx}": inst["p"][axis], f"d{sfx}": inst["d"][axis]})
    return v


@given(inst=conv_instances(2))
def test_symbolic_2d_formulas_match_autograd(torch, symbolic_2d, inst):
    _compare(torch, symbolic_2d, inst, _values(inst, ("_h", "_w")))


@given(inst=conv_instances(1))
def test_symbolic_1d_formulas_match_autograd(torch, symbolic_1d, inst):
    _compare(torch, symbolic_1d, inst, _values(inst, ("",)))


@settings(max_examples=12)
@given(inst=conv_instances(2))
def test_numeric_layer_derivation_matches_autograd(torch, inst):
    layer = Conv2d(inst["c_i"], inst["c_o"], tuple(inst["k"]), stride=tuple(inst["s"]),
                   padding=tuple(inst["p"]), dilation=tuple(inst["d"]), groups=inst["g"])
    bw = conv_backward(layer, (inst["c_i"], *inst["n"]), batch=inst["batch"])
    _compare(torch, bw, inst)


def test_symbolic_grad_input_reads_dy_at_the_solved_position(symbolic_1d):
    """The resolved delta puts dy at o = (i + p - t*d)/s (the stride-dilated gradient)."""
    rhs = symbolic_1d.grad_input.rhs
    dy = [ix for ix in rhs.atoms(sp.Indexed) if str(ix.base) == "dy"][0]
    i, t = sp.Symbol("i", integer=True, nonnegative=True), sp.Symbol(
        "t", integer=True, nonnegative=True)
    s, p, d = (sp.Symbol(n, integer=True, positive=True) for n in ("s", "p", "d"))
    p = sp.Symbol("p", integer=True, nonnegative=True)
    assert sp.simplify(dy.indices[2] - (i + p - t * d) / s) == 0


def test_full_form_reindexing_is_an_identity(symbolic_1d):
    """Substituting the definitions of dy_up and w_flip back gives the scatter form."""
    full = symbolic_1d.grad_input_full.rhs
    up, flip = symbolic_1d.definitions
    u = [v for v in full.variables if v.name == "u"][0]
    t = [v for v in symbolic_1d.grad_input.rhs.variables if v.name == "t"][0]
    k = symbolic_1d.layer.kernel_size[0]

    def back(ix):
        if ix.base == up.lhs.base:
            return up.rhs.xreplace(dict(zip(up.lhs.indices, ix.indices)))
        if ix.base == flip.lhs.base:
            return flip.rhs.xreplace(dict(zip(flip.lhs.indices, ix.indices)))
        return ix

    body = full.function.replace(lambda e: isinstance(e, sp.Indexed), back)
    body = body.xreplace({u: k - 1 - t})
    assert sp.simplify(body - symbolic_1d.grad_input.rhs.function) == 0


def test_evaluate_rejects_missing_values(symbolic_1d):
    x = np.zeros((1, 1, 5))
    with pytest.raises(ValueError):
        symbolic_1d.evaluate(x, np.zeros((1, 1, 2)), np.zeros((1, 1, 4)), np.zeros(1))


def test_conv_backward_needs_a_conv():
    from symconv import MaxPool2d

    with pytest.raises(TypeError):
        conv_backward(MaxPool2d(2), (1, 4, 4))


def test_asymmetric_same_padding_matches_autograd(torch):
    """padding='same' with an even dilated kernel pads unevenly (torch's rule); only the left
    padding enters the index formulas, the right one only the output size."""
    layer = Conv2d(2, 3, (2, 4), padding="same", dilation=(1, 2))
    bw = conv_backward(layer, (2, 5, 6), batch=2)
    rng = np.random.default_rng(0)
    x, w = small_ints(rng, (2, 2, 5, 6)), small_ints(rng, (3, 2, 2, 4))
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    with warnings.catch_warnings():  # torch notes that it copies the input to pad it
        warnings.simplefilter("ignore", UserWarning)
        y = torch.nn.functional.conv2d(xt, wt, padding="same", dilation=(1, 2))
    dy = small_ints(rng, tuple(y.shape))
    y.backward(torch.tensor(dy))
    got = bw.evaluate(x, w, dy, np.zeros(3))
    assert np.array_equal(got["y"], y.detach().numpy())
    for key, ref in (("grad_input", xt.grad), ("grad_input_full", xt.grad),
                     ("grad_weight", wt.grad)):
        assert np.array_equal(got[key], ref.numpy()), key
