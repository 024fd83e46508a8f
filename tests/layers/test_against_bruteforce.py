"""Exact counts against explicit loops that count every multiply, add and comparison.

The loops in ``symconv.oracles.bruteforce`` compute the layer, so each test
also checks (against torch) that the counted algorithm is the real layer.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.oracles import bruteforce as bf

from .strategies import conv_cases, pool_cases
from .test_against_torch import symbolic_conv, transposed_cases


def small(case, limit=4000):
    """Keep brute-force loops fast: bound products the loops will perform."""
    work = case.batch * case.c_out * case.c_in * np.prod(case.size) * np.prod(case.kernel)
    return work <= limit


@settings(max_examples=30)
@given(conv_cases(dims=2, max_size=5, max_channels=2))
def test_conv2d_counts_equal_bruteforce(case):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((case.batch, case.c_in, *case.size))
    w = rng.standard_normal((case.c_out, case.c_in // case.groups, *case.kernel))
    b = rng.standard_normal(case.c_out) if case.bias else None
    y, ops = bf.conv_nd(x, w, b, case.stride, case.padding, case.dilation, case.groups)
    layer, shape, values = symbolic_conv(case)
    r = symconv.analyze(layer, shape, batch="B").subs(values)
    assert (r.mults, r.adds) == (ops.mults, ops.adds)
    assert r.output_shape == y.shape[1:]


@settings(max_examples=25)
@given(conv_cases(dims=2, max_size=4, max_channels=2))
def test_conv_backward_counts_equal_bruteforce(case):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((case.batch, case.c_in, *case.size))
    w = rng.standard_normal((case.c_out, case.c_in // case.groups, *case.kernel))
    layer, shape, values = symbolic_conv(case)
    r = symconv.analyze(layer, shape, batch="B").subs(values)
    gy = rng.standard_normal((case.batch, *r.output_shape))
    gw, ops_w = bf.conv_grad_weight(x, gy, case.kernel, case.stride, case.padding, case.dilation,
                                    case.groups)
    assert (r.backward.grad_weight.mults, r.backward.grad_weight.adds) == (ops_w.mults, ops_w.adds)
    # grad_input is the transposed conv of grad_output through the same weights
    out_pad = tuple(
        n + 2 * p - ((o - 1) * s + d * (k - 1) + 1)
        for n, p, o, s, d, k in zip(case.size, case.padding, r.output_shape[1:], case.stride,
                                    case.dilation, case.kernel)
    )
    gx, ops_x = bf.conv_transpose_nd(gy, w, None, case.stride, case.padding, out_pad,
                                     case.dilation, case.groups)
    assert gx.shape == x.shape
    assert (r.backward.grad_input.mults, r.backward.grad_input.adds) == (ops_x.mults, ops_x.adds)


@settings(max_examples=25)
@given(transposed_cases())
def test_conv_transpose_counts_equal_bruteforce(drawn):
    case, output_padding = drawn
    rng = np.random.default_rng(2)
    x = rng.standard_normal((case.batch, case.c_in, *case.size))
    w = rng.standard_normal((case.c_in, case.c_out // case.groups, *case.kernel))
    b = rng.standard_normal(case.c_out) if case.bias else None
    y, ops = bf.conv_transpose_nd(x, w, b, case.stride, case.padding, output_padding,
                                  case.dilation, case.groups)
    layer = symconv.ConvTranspose2d(case.c_in, case.c_out, case.kernel, case.stride, case.padding,
                                    output_padding, case.groups, case.bias, case.dilation)
    r = symconv.analyze(layer, (case.c_in, *case.size), batch=case.batch)
    assert r.output_shape == y.shape[1:]
    assert (r.mults, r.adds) == (ops.mults, ops.adds)


@settings(max_examples=40)
@given(pool_cases())
def test_max_pool_comparisons_equal_bruteforce(case):
    x = np.random.default_rng(3).standard_normal((case.batch, case.channels, *case.size))
    y, ops = bf.max_pool_nd(x, case.kernel, case.stride, case.padding, case.dilation,
                            case.ceil_mode)
    r = symconv.analyze(
        symconv.MaxPool2d(case.kernel, case.stride, case.padding, case.dilation, case.ceil_mode),
        (case.channels, *case.size), batch=case.batch)
    assert r.output_shape == y.shape[1:]
    assert (r.comparisons, r.mults, r.adds) == (ops.comparisons, 0, 0)


@settings(max_examples=40)
@given(pool_cases(dilated=False), st.booleans())
def test_avg_pool_counts_equal_bruteforce(case, include_pad):
    x = np.random.default_rng(4).standard_normal((case.batch, case.channels, *case.size))
    y, ops = bf.avg_pool_nd(x, case.kernel, case.stride, case.padding, case.ceil_mode, include_pad)
    r = symconv.analyze(
        symconv.AvgPool2d(case.kernel, case.stride, case.padding, case.ceil_mode, include_pad),
        (case.channels, *case.size), batch=case.batch)
    assert r.output_shape == y.shape[1:]
    assert (r.mults, r.adds) == (ops.mults, ops.adds)


@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 3), st.booleans())
def test_linear_counts_equal_bruteforce(n_in, n_out, rows, bias):
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((rows, n_in)), rng.standard_normal((n_out, n_in))
    _, ops = bf.linear(x, w, rng.standard_normal(n_out) if bias else None)
    r = symconv.analyze(symconv.Linear("n", "m", bias=bias), ("n",), batch="B").subs(
        n=n_in, m=n_out, B=rows)
    assert (r.mults, r.adds) == (ops.mults, ops.adds)


# -- the oracles compute the real layers -------------------------------------------------

@settings(max_examples=15)
@given(conv_cases(dims=2, max_size=4, max_channels=2))
def test_bruteforce_conv_is_torch_conv(torch, case):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((case.batch, case.c_in, *case.size))
    w = rng.standard_normal((case.c_out, case.c_in // case.groups, *case.kernel))
    y, _ = bf.conv_nd(x, w, None, case.stride, case.padding, case.dilation, case.groups)
    ref = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), None, case.stride,
                                     case.padding, case.dilation, case.groups)
    np.testing.assert_allclose(y, ref.numpy(), rtol=1e-10, atol=1e-10)


@settings(max_examples=15)
@given(transposed_cases())
def test_bruteforce_transpose_is_torch_transpose(torch, drawn):
    case, op = drawn
    rng = np.random.default_rng(7)
    x = rng.standard_normal((case.batch, case.c_in, *case.size))
    w = rng.standard_normal((case.c_in, case.c_out // case.groups, *case.kernel))
    y, _ = bf.conv_transpose_nd(x, w, None, case.stride, case.padding, op, case.dilation,
                                case.groups)
    ref = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w), None, case.stride,
                                               case.padding, op, case.groups, case.dilation)
    np.testing.assert_allclose(y, ref.numpy(), rtol=1e-10, atol=1e-10)


@settings(max_examples=20)
@given(pool_cases(dilated=False), st.booleans())
def test_bruteforce_pools_are_torch_pools(torch, case, include_pad):
    x = np.random.default_rng(8).standard_normal((case.batch, case.channels, *case.size))
    t = torch.tensor(x)
    ym, _ = bf.max_pool_nd(x, case.kernel, case.stride, case.padding, None, case.ceil_mode)
    ya, _ = bf.avg_pool_nd(x, case.kernel, case.stride, case.padding, case.ceil_mode, include_pad)
    F = torch.nn.functional
    np.testing.assert_allclose(
        ym, F.max_pool2d(t, case.kernel, case.stride, case.padding, ceil_mode=case.ceil_mode))
    np.testing.assert_allclose(
        ya, F.avg_pool2d(t, case.kernel, case.stride, case.padding, ceil_mode=case.ceil_mode,
                         count_include_pad=include_pad), rtol=1e-12)
