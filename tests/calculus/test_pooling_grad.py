"""Derived pooling gradients against torch autograd on random instances."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symconv import AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from symconv.calculus.pooling_grad import pool_backward


@st.composite
def pool_instances(draw):
    dims = draw(st.sampled_from([1, 2]))
    k = draw(st.integers(1, 3))
    s = draw(st.integers(1, 3))
    p = draw(st.integers(0, k // 2))
    d = draw(st.integers(1, 2))
    n = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 7))
    return dict(dims=dims, k=k, s=s, p=p, d=d, n=n, ceil=draw(st.booleans()),
                seed=draw(st.integers(0, 2**31)))


def _run(torch, layer, torch_layer, dims, n, seed, batch=2, channels=2):
    rng = np.random.default_rng(seed)
    shape = (batch, channels) + (n,) * dims
    # Distinct values: the arg-max is unique, as the formula's definition assumes.
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(float)
    xt = torch.tensor(x, requires_grad=True)
    y = torch_layer(xt)
    dy = rng.integers(-4, 5, tuple(y.shape)).astype(float)
    y.backward(torch.tensor(dy))
    got = pool_backward(layer, (channels,) + (n,) * dims).evaluate(x, dy)
    return got, y.detach().numpy(), xt.grad.numpy()


@settings(max_examples=25)
@given(inst=pool_instances())
def test_max_pool_gradient_routes_to_argmax(torch, inst):
    dims, k, s, p, d = inst["dims"], inst["k"], inst["s"], inst["p"], inst["d"]
    ours = (MaxPool1d, MaxPool2d)[dims - 1](k, s, p, d, ceil_mode=inst["ceil"])
    probe = np.zeros((1, 1) + (inst["n"],) * dims)
    # A window lying wholly on padding (dilation + padding allow it) has max -inf; torch's
    # gradient there is not defined (it varies), so such instances are not compared.
    assume(not pool_backward(ours, (1,) + (inst["n"],) * dims).argmax(probe)["empty"].any())
    theirs = (torch.nn.MaxPool1d, torch.nn.MaxPool2d)[dims - 1](k, s, p, d, ceil_mode=inst["ceil"])
    got, y, gx = _run(torch, ours, theirs, dims, inst["n"], inst["seed"])
    assert np.array_equal(got["y"], y)
    assert np.array_equal(got["grad_input"], gx)


@settings(max_examples=25)
@given(inst=pool_instances())
def test_avg_pool_gradient_spreads_dy(torch, inst):
    dims, k, s, p = inst["dims"], inst["k"], inst["s"], inst["p"]
    if inst["n"] + 2 * p < k:
        return
    ours = (AvgPool1d, AvgPool2d)[dims - 1](k, s, p)
    theirs = (torch.nn.AvgPool1d, torch.nn.AvgPool2d)[dims - 1](k, s, p)
    got, y, gx = _run(torch, ours, theirs, dims, inst["n"], inst["seed"])
    np.testing.assert_allclose(got["y"], y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["grad_input"], gx, rtol=0, atol=1e-12)


def test_seed003_avg_pool_gradient_is_dy_over_four_not_y_over_four(torch):
    """2x2 average pooling, stride 2: every input gets dy/4 of its window (seed 003 5(c))."""
    pb = pool_backward(AvgPool2d(2), (1, 4, 4))
    rng = np.random.default_rng(3)
    x = rng.integers(-5, 6, (1, 1, 4, 4)).astype(float)
    dy = rng.integers(-5, 6, (1, 1, 2, 2)).astype(float)
    got = pb.evaluate(x, dy)
    expected = np.kron(dy[0, 0], np.ones((2, 2))) / 4
    assert np.array_equal(got["grad_input"][0, 0], expected)
    y_over_4 = np.kron(got["y"][0, 0], np.ones((2, 2))) / 4
    assert not np.array_equal(got["grad_input"][0, 0], y_over_4)
    local = [s for s in pb.steps() if isinstance(getattr(s, "lhs", None), sp.Derivative)][-1]
    assert local.rhs[-1] == sp.Rational(1, 4)


def test_max_pool_local_derivative_is_one_at_argmax_only():
    pb = pool_backward(MaxPool2d(2), (1, 2, 2))
    x = np.array([[[[1.0, 7.0], [3.0, 2.0]]]])
    got = pb.evaluate(x, np.array([[[[5.0]]]]))
    assert np.array_equal(got["grad_input"], np.array([[[[0.0, 5.0], [0.0, 0.0]]]]))


def test_avg_pool_with_varying_divisor_is_refused():
    with pytest.raises(ValueError):
        pool_backward(AvgPool2d(2, ceil_mode=True), (1, 5, 5))
    with pytest.raises(ValueError):
        pool_backward(AvgPool2d(3, padding=1, count_include_pad=False), (1, 5, 5))
