"""Var(dL/dW) derived by expectation rules, against counts by loops and Monte Carlo."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import Conv1d, Conv2d, sym
from symconv.calculus.variance import gradient_variance


def test_seed003_single_channel_no_padding():
    """Seed 003 5(b): (n-k+1)^2 sigma_x^2 sigma_g^2; the std grows linearly in n."""
    n, k, sx, sg = sym("n"), sym("k"), sym("sigma_x"), sym("sigma_g")
    v = gradient_variance(Conv2d(1, 1, "k"), (1, "n", "n"))
    assert sp.simplify(v.variance - (n - k + 1) ** 2 * sx**2 * sg**2) == 0
    assert sp.simplify(v.std - (n - k + 1) * sx * sg) == 0
    slope = [s for s in v.steps(monte_carlo=False) if type(s).__name__ == "Equation"][-1]
    assert slope.rhs[-1] == sx * sg


def test_general_count_is_batch_times_output_positions():
    B, c_i, h, w = sym("B"), sym("c_i"), sym("h"), sym("w")
    layer = Conv2d("c_i", "c_o", "k", stride="s", dilation="d")
    v = gradient_variance(layer, ("c_i", "h", "w"), batch="B")
    out = layer.output_shape((c_i, h, w))
    expected = B * out[1] * out[2] * sym("sigma_x") ** 2 * sym("sigma_g") ** 2
    assert sp.simplify(v.variance - expected) == 0


def _loop_count(layer_args, n, batch):
    """Per tap: batch x output positions whose input tap is real (explicit loops)."""
    k, s, p, d = layer_args
    dims = len(n)
    out = [(nn + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for nn, kk, ss, pp, dd in zip(n, k, s, p, d)]
    counts = np.zeros(k)
    for tap in itertools.product(*(range(kk) for kk in k)):
        for pos in itertools.product(*(range(o) for o in out)):
            if all(0 <= pos[a] * s[a] + tap[a] * d[a] - p[a] < n[a] for a in range(dims)):
                counts[tap] += batch
    return counts


@st.composite
def layers(draw):
    dims = draw(st.sampled_from([1, 2]))
    k = [draw(st.integers(1, 3)) for _ in range(dims)]
    s = [draw(st.integers(1, 3)) for _ in range(dims)]
    p = [draw(st.integers(0, 2)) for _ in range(dims)]
    d = [draw(st.integers(1, 2)) for _ in range(dims)]
    n = [draw(st.integers(max(1, dd * (kk - 1) + 1 - 2 * pp), 8)) for kk, pp, dd in zip(k, p, d)]
    return dims, k, s, p, d, n, draw(st.integers(1, 3)), draw(st.integers(1, 3))


@settings(max_examples=20)
@given(case=layers())
def test_per_tap_variance_counts_real_taps(case):
    dims, k, s, p, d, n, batch, c = case
    cls = (Conv1d, Conv2d)[dims - 1]
    v = gradient_variance(cls(c, 2, tuple(k), tuple(s), tuple(p), tuple(d)), (c, *n), batch)
    got = v.per_tap({"sigma_x": 1, "sigma_g": 1})
    assert np.array_equal(got, _loop_count((k, s, p, d), n, batch))
    scaled = v.per_tap({"sigma_x": 2, "sigma_g": 3})
    assert np.array_equal(scaled, 36 * got)


@pytest.fixture(scope="module")
def padded_symbolic():
    return gradient_variance(Conv1d(1, 1, "k", padding="p"), (1, "n"))


@settings(max_examples=15)
@given(p=st.integers(0, 3), k=st.integers(1, 4), n=st.integers(4, 9), t=st.integers(0, 3))
def test_symbolic_padding_formula_agrees_with_numbers(padded_symbolic, p, k, n, t):
    if t >= k or n + 2 * p < k:
        return
    sym_v = padded_symbolic
    num_v = gradient_variance(Conv1d(1, 1, k, padding=p), (1, n))
    value = sym_v.variance.subs({sym("p"): p, sym("k"): k, sym("n"): n, sym("sigma_x"): 1,
                                 sym("sigma_g"): 1}).subs(
        {s: t for s in sym_v.variance.free_symbols if s.name == "t"})
    assert value.is_Integer
    assert int(value) == num_v.per_tap({"sigma_x": 1, "sigma_g": 1})[t]


MC_CASES = [
    (Conv2d(1, 1, 3), (1, 6, 6), 1),
    (Conv2d(2, 3, 3, padding=1), (2, 5, 5), 2),
    (Conv2d(1, 2, (2, 3), stride=2, dilation=(2, 1), padding=(0, 1)), (1, 7, 6), 2),
]


@pytest.mark.parametrize("layer,shape,batch", MC_CASES)
def test_monte_carlo_with_torch_autograd(torch, layer, shape, batch):
    """Sample x and dy, take dL/dW from autograd; 4 standard errors per tap (seeded).

    The samples run as the groups of one grouped convolution (group ``j`` sees only
    sample ``j``), so autograd returns every sample's weight gradient at once.
    """
    sx, sg, samples = 0.5, 2.0, 3000
    v = gradient_variance(layer, shape, batch)
    expected = v.per_tap({"sigma_x": sp.Rational(1, 2), "sigma_g": 2})
    gen = torch.Generator().manual_seed(1234)
    c_i, c_o = int(layer.in_channels), int(layer.out_channels)
    x = torch.randn((batch, samples * c_i, *shape[1:]), generator=gen, dtype=torch.float64) * sx
    w = torch.zeros((samples * c_o, c_i, *(int(k) for k in layer.kernel_size)),
                    dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv2d(x, w, stride=tuple(int(s) for s in layer.stride),
                                   padding=tuple(int(p) for p, _ in layer.padding),
                                   dilation=tuple(int(d) for d in layer.dilation), groups=samples)
    y.backward(torch.randn(y.shape, generator=gen, dtype=torch.float64) * sg)
    grads = w.grad.reshape(samples, c_o, c_i, *w.shape[2:])[:, 0, 0].numpy()
    sq = grads**2
    est, se = sq.mean(axis=0), sq.std(axis=0, ddof=1) / np.sqrt(samples)
    assert np.all(np.abs(est - expected) <= 4 * se), (est, expected, se)


def test_builtin_monte_carlo_check_passes_and_is_deterministic():
    v = gradient_variance(Conv2d(1, 1, 3, padding=1), (1, 5, 5), batch=2)
    a, b = v.monte_carlo(samples=1500, seed=7), v.monte_carlo(samples=1500, seed=7)
    assert a.passed and np.array_equal(a.estimate, b.estimate)
    assert not np.all(a.expected == a.expected.flat[0])  # padding makes the taps differ
