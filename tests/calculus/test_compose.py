"""Composition of two convolutions: torch conv(conv(x)) against the single derived layer."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import Conv1d, Conv2d, MaxPool2d, sym
from symconv.calculus.checks import small_ints
from symconv.calculus.compose import compose
from symconv.calculus.kernels import compose_kernels, kernel_polynomial


@st.composite
def stacks(draw):
    dims = draw(st.sampled_from([1, 2]))
    g1, g2 = draw(st.sampled_from([(1, 1), (2, 2), (2, 1), (1, 2)]))
    c0 = g1 * draw(st.integers(1, 2))
    c1 = g1 * g2 * draw(st.integers(1, 2))
    c2 = g2 * draw(st.integers(1, 2))

    def conv_args():
        return dict(k=tuple(draw(st.integers(1, 3)) for _ in range(dims)),
                    s=tuple(draw(st.integers(1, 2)) for _ in range(dims)),
                    d=tuple(draw(st.integers(1, 2)) for _ in range(dims)),
                    p=tuple(draw(st.integers(0, 2)) for _ in range(dims)))

    a, b = conv_args(), conv_args()
    return dict(dims=dims, c=(c0, c1, c2), g=(g1, g2), a=a, b=b,
                bias=(draw(st.booleans()), draw(st.booleans())),
                n=tuple(draw(st.integers(12, 16)) for _ in range(dims)),
                seed=draw(st.integers(0, 2**31)))


def _torch_stack(torch, case, x, w1, b1, w2, b2):
    fn = (torch.nn.functional.conv1d, torch.nn.functional.conv2d)[case["dims"] - 1]
    a, b = case["a"], case["b"]
    y = fn(torch.tensor(x), torch.tensor(w1), None if b1 is None else torch.tensor(b1),
           stride=a["s"], padding=a["p"], dilation=a["d"], groups=case["g"][0])
    z = fn(y, torch.tensor(w2), None if b2 is None else torch.tensor(b2),
           stride=b["s"], padding=b["p"], dilation=b["d"], groups=case["g"][1])
    return fn, z.numpy()


@settings(max_examples=30)
@given(case=stacks())
def test_two_convs_equal_the_composed_conv(torch, case):
    cls = (Conv1d, Conv2d)[case["dims"] - 1]
    (c0, c1, c2), (g1, g2), a, b = case["c"], case["g"], case["a"], case["b"]
    first = cls(c0, c1, a["k"], a["s"], a["p"], a["d"], g1, bias=case["bias"][0])
    second = cls(c1, c2, b["k"], b["s"], b["p"], b["d"], g2, bias=case["bias"][1])
    shape = (c0, *case["n"])
    try:
        mid = first.output_shape(shape)
        second.output_shape(mid)
    except ValueError:
        return  # the stack does not fit this input
    comp = compose(first, second)
    rng = np.random.default_rng(case["seed"])
    x = small_ints(rng, (2, *shape))
    w1 = small_ints(rng, (c1, c0 // g1, *a["k"]))
    w2 = small_ints(rng, (c2, c1 // g2, *b["k"]))
    b1 = small_ints(rng, (c1,)) if case["bias"][0] else None
    b2 = small_ints(rng, (c2,)) if case["bias"][1] else None
    fn, z = _torch_stack(torch, case, x, w1, b1, w2, b2)
    K, bias = comp.weights(w1, b1, w2, b2)
    L = comp.layer
    assert tuple(K.shape[2:]) == tuple(int(k) for k in L.kernel_size)
    z1 = fn(torch.tensor(x), torch.tensor(K), torch.tensor(bias),
            stride=tuple(int(s) for s in L.stride), padding=tuple(int(p) for p, _ in L.padding),
            dilation=tuple(int(d) for d in L.dilation), groups=int(L.groups)).numpy()
    assert z1.shape == z.shape
    assert tuple(int(v) for v in L.output_shape(shape)) == z.shape[1:]
    region = comp.exact_region(shape)
    inside = (slice(None), slice(None), *(slice(int(lo), int(hi) + 1) for lo, hi in region))
    assert np.array_equal(z[inside], z1[inside])
    if all(p == 0 for p in b["p"]):
        assert comp.exact is sp.true
        assert np.array_equal(z, z1)


def test_second_layer_padding_breaks_equality_only_at_the_border(torch):
    first, second = Conv2d(1, 1, 3, bias=True), Conv2d(1, 1, 3, padding=1, bias=False)
    comp = compose(first, second)
    assert comp.exact is sp.false  # p2 = 1: never exact everywhere
    w1, w2 = np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3))
    x = np.ones((1, 1, 8, 8))
    F = torch.nn.functional
    z = F.conv2d(F.conv2d(torch.tensor(x), torch.tensor(w1), torch.tensor([1.0], dtype=torch.float64)),
                 torch.tensor(w2), padding=1).numpy()
    K, bias = comp.weights(w1, np.array([1.0]), w2, None)
    z1 = F.conv2d(torch.tensor(x), torch.tensor(K), torch.tensor(bias),
                  padding=int(comp.layer.padding[0][0])).numpy()
    (lo, hi), _ = comp.exact_region((1, 8, 8))
    assert (lo, hi) == (1, 4)
    assert np.array_equal(z[..., lo:hi + 1, lo:hi + 1], z1[..., lo:hi + 1, lo:hi + 1])
    assert z[0, 0, 0, 0] != z1[0, 0, 0, 0]


def test_seed002_two_5x5_convolutions_are_one_9x9():
    assert compose(Conv2d(1, 1, 5), Conv2d(1, 1, 5)).layer.kernel_size == (9, 9)


def test_symbolic_composition_formulas():
    k1, k2, s1, s2, p1, p2 = (sym(n) for n in ("k_1", "k_2", "s_1", "s_2", "p_1", "p_2"))
    comp = compose(Conv1d(1, 1, "k_1", "s_1", "p_1"), Conv1d(1, 1, "k_2", "s_2", "p_2"))
    ax = comp.axes[0]
    assert sp.expand(ax.kernel - (k1 + (k2 - 1) * s1)) == 0
    assert ax.stride == s1 * s2 and sp.expand(ax.padding - (p1 + s1 * p2)) == 0


def test_compose_kernels_is_a_polynomial_product():
    A = sp.Matrix(2, 2, sp.symbols("a0:4"))
    B = sp.Matrix(2, 2, sp.symbols("b0:4"))
    K = compose_kernels(A, B)
    z = sp.symbols("z_1 z_2")
    assert sp.expand(kernel_polynomial(K, z) - kernel_polynomial(A, z) * kernel_polynomial(B, z)) == 0


@settings(max_examples=25)
@given(k1=st.integers(1, 4), k2=st.integers(1, 4), seed=st.integers(0, 2**31))
def test_single_channel_kernel_is_numpy_full_convolution(k1, k2, seed):
    """Without stride or dilation the composed kernel is the full (true) convolution K2 * K1."""
    rng = np.random.default_rng(seed)
    A, B = rng.integers(-3, 4, (k1, k1)), rng.integers(-3, 4, (k2, k2))
    full = np.zeros((k1 + k2 - 1, k1 + k2 - 1))
    for i, j in np.ndindex(A.shape):  # scatter-add of B scaled by each entry of A
        full[i:i + k2, j:j + k2] += A[i, j] * B
    assert np.array_equal(compose_kernels(A, B), full)


def test_compose_rejects_non_convolutions_and_channel_mismatch():
    with pytest.raises(TypeError):
        compose(MaxPool2d(2), Conv2d(1, 1, 3))
    with pytest.raises(ValueError):
        compose(Conv2d(1, 2, 3), Conv2d(3, 1, 3))
