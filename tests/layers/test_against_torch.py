"""Layer formulas against real torch layers: shapes, parameters, FlopCounterMode.

Each test analyses a layer whose arguments are *symbols*, substitutes the
drawn instance, and compares with torch on that instance, so the symbolic
formula itself is what is checked.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symconv
from symconv.symbols import sym
from symconv.validity import InvalidLayer

from .strategies import conv_cases, pool_cases

AXES = "hwd"


def symbolic_conv(case, transposed=False):
    """A conv layer with one symbol per hyper-parameter, plus the instance values."""
    ax = AXES[: case.dims]
    names = {
        "c_i": case.c_in, "c_o": case.c_out, "g": case.groups, "B": case.batch,
        **{f"k_{a}": v for a, v in zip(ax, case.kernel)},
        **{f"s_{a}": v for a, v in zip(ax, case.stride)},
        **{f"p_{a}": v for a, v in zip(ax, case.padding)},
        **{f"d_{a}": v for a, v in zip(ax, case.dilation)},
        **{f"n_{a}": v for a, v in zip(ax, case.size)},
    }
    cls = {1: symconv.Conv1d, 2: symconv.Conv2d, 3: symconv.Conv3d}[case.dims]
    args = dict(
        kernel_size=tuple(f"k_{a}" for a in ax), stride=tuple(f"s_{a}" for a in ax),
        padding=tuple(f"p_{a}" for a in ax), dilation=tuple(f"d_{a}" for a in ax),
        groups="g", bias=case.bias,
    )
    if transposed:
        cls = {1: symconv.ConvTranspose1d, 2: symconv.ConvTranspose2d}[case.dims]
    layer = cls("c_i", "c_o", **args)
    shape = ("c_i", *(f"n_{a}" for a in ax))
    return layer, shape, names


def flop_counts(torch, module, x, backward=False):
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as fwd:
        y = module(x)
    if not backward:
        return fwd.get_total_flops()
    with FlopCounterMode(display=False) as bwd:
        y.sum().backward()
    return fwd.get_total_flops(), bwd.get_total_flops()


@given(conv_cases(dims=2))
def test_conv2d_matches_torch(torch, case):
    layer, shape, values = symbolic_conv(case)
    report = symconv.analyze(layer, shape, batch="B").subs(values)
    module = torch.nn.Conv2d(case.c_in, case.c_out, **case.torch_kwargs())
    x = torch.randn(case.batch, case.c_in, *case.size, requires_grad=True)
    fwd, bwd = flop_counts(torch, module, x, backward=True)
    y = module(x)
    assert report.output_shape == tuple(y.shape[1:])
    assert report.params == sum(p.numel() for p in module.parameters())
    assert report.bias_params == (case.c_out if case.bias else 0)
    assert report.conventions["torch"] == fwd
    assert report.conventions["torch_backward"] == bwd
    assert report.backward.grad_weight.shape == tuple(module.weight.shape)
    assert report.memory.output == y.numel()


@given(conv_cases(dims=1), st.sampled_from([1, 3]))
def test_conv1d_and_conv3d_match_torch(torch, case, dims):
    if dims == 3:
        case = type(case)(3, case.batch, case.groups, case.c_in, case.c_out,
                          case.kernel * 3, case.stride * 3, case.padding * 3, case.dilation * 3,
                          case.size * 3, case.bias)
    layer, shape, values = symbolic_conv(case)
    report = symconv.analyze(layer, shape, batch="B").subs(values)
    module = {1: torch.nn.Conv1d, 3: torch.nn.Conv3d}[dims](case.c_in, case.c_out,
                                                            **case.torch_kwargs())
    x = torch.randn(case.batch, case.c_in, *case.size)
    fwd = flop_counts(torch, module, x)
    assert report.output_shape == tuple(module(x).shape[1:])
    assert report.params == sum(p.numel() for p in module.parameters())
    assert report.conventions["torch"] == fwd


@st.composite
def transposed_cases(draw):
    case = draw(conv_cases(dims=2))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1))
                           for s, d in zip(case.stride, case.dilation))
    size = tuple(draw(st.integers(1, 5)) for _ in range(2))
    # the transposed output must be at least 1 wide
    for n, s, p, d, k, op in zip(size, case.stride, case.padding, case.dilation, case.kernel,
                                 output_padding):
        if (n - 1) * s - 2 * p + d * (k - 1) + op + 1 < 1:
            return draw(transposed_cases())
    return type(case)(2, case.batch, case.groups, case.c_in, case.c_out, case.kernel, case.stride,
                      case.padding, case.dilation, size, case.bias), output_padding


@given(transposed_cases())
def test_conv_transpose2d_matches_torch(torch, drawn):
    case, output_padding = drawn
    layer, shape, values = symbolic_conv(case, transposed=True)
    layer = symconv.ConvTranspose2d(
        "c_i", "c_o", layer.kernel_size, layer.stride, tuple(p for p, _ in layer.padding),
        output_padding=output_padding, groups="g", bias=case.bias, dilation=layer.dilation,
    )
    report = symconv.analyze(layer, shape, batch="B").subs(values)
    module = torch.nn.ConvTranspose2d(case.c_in, case.c_out, output_padding=output_padding,
                                      **case.torch_kwargs())
    x = torch.randn(case.batch, case.c_in, *case.size, requires_grad=True)
    fwd, bwd = flop_counts(torch, module, x, backward=True)
    assert report.output_shape == tuple(module(x).shape[1:])
    assert report.params == sum(p.numel() for p in module.parameters())
    assert report.conventions["torch"] == fwd
    assert report.conventions["torch_backward"] == bwd


@given(pool_cases())
def test_pool_shapes_match_torch(torch, case):
    x = torch.randn(case.batch, case.channels, *case.size)
    maxpool = torch.nn.MaxPool2d(case.kernel, case.stride, case.padding, case.dilation,
                                 ceil_mode=case.ceil_mode)
    ours = symconv.MaxPool2d(("k_h", "k_w"), ("s_h", "s_w"), ("p_h", "p_w"), ("d_h", "d_w"),
                             ceil_mode=case.ceil_mode)
    values = dict(zip(("k_h", "k_w", "s_h", "s_w", "p_h", "p_w", "d_h", "d_w", "h", "w"),
                      case.kernel + case.stride + case.padding + case.dilation + case.size))
    report = symconv.analyze(ours, ("c", "h", "w"), batch=case.batch)
    expected = tuple(maxpool(x).shape[1:])
    try:
        at = report.subs(values, c=case.channels)
    except InvalidLayer as exc:
        # ceil mode's last window would start in the right padding: torch drops it, and the
        # symbolic formula holds only under the condition that these values break.
        assert case.ceil_mode and "ceil mode: the last window would start" in str(exc)
        numeric = symconv.MaxPool2d(case.kernel, case.stride, case.padding, case.dilation,
                                    ceil_mode=True)
        assert symconv.analyze(numeric, (case.channels, *case.size)).output_shape == expected
    else:
        assert at.output_shape == expected
    avg = torch.nn.AvgPool2d(case.kernel, case.stride, case.padding, ceil_mode=case.ceil_mode)
    ours_avg = symconv.AvgPool2d(case.kernel, case.stride, case.padding, ceil_mode=case.ceil_mode)
    assert symconv.analyze(ours_avg, (case.channels, *case.size)).output_shape == tuple(
        avg(x).shape[1:])


@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 6), st.integers(1, 6), st.booleans(),
       st.integers(1, 3))
def test_linear_and_adaptive_pool_match_torch(torch, n_in, n_out, h, o, bias, batch):
    lin = torch.nn.Linear(n_in, n_out, bias=bias)
    r = symconv.analyze(symconv.Linear("n", "m", bias=bias), ("n",), batch="B").subs(
        n=n_in, m=n_out, B=batch)
    x = torch.randn(batch, n_in)
    assert r.params == sum(p.numel() for p in lin.parameters())
    assert r.conventions["torch"] == flop_counts(torch, lin, x)
    pool = torch.nn.AdaptiveAvgPool2d(o)
    rp = symconv.analyze(symconv.AdaptiveAvgPool2d(o), (2, h, h + 1))
    assert rp.output_shape == tuple(pool(torch.randn(1, 2, h, h + 1)).shape[1:])


def test_batchnorm_params_are_torch_parameters(torch):
    bn = torch.nn.BatchNorm2d(17)
    r = symconv.analyze(symconv.BatchNorm2d("c"), ("c", 4, 4)).subs(c=17)
    assert r.params == sum(p.numel() for p in bn.parameters())


def test_issue_example_conv_64_128_on_256():
    r = symconv.analyze(symconv.Conv2d(64, 128, 3, padding=1), (64, 256, 256))
    assert (r.params, r.mults) == (73856, 4831838208)
    assert r.params == (3 * 3 * 64 + 1) * 128  # the textbook count, derived independently


def test_bias_free_cost_formula_holds_for_all_valid_integers():
    """The issue's closed form equals mults + adds of a bias-free conv, as polynomials in floors."""
    c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w = symconv.symbols(
        "c_i c_o h w k_h k_w p_h p_w s_h s_w")
    layer = symconv.Conv2d(c_i, c_o, (k_h, k_w), (s_h, s_w), (p_h, p_w), bias=False)
    r = symconv.analyze(layer, (c_i, h, w))
    ho = sp.floor((h + 2 * p_h - k_h) / s_h) + 1
    wo = sp.floor((w + 2 * p_w - k_w) / s_w) + 1
    closed = c_o * ho * wo * (2 * c_i * k_h * k_w - 1)
    # floors are atoms here: equal as polynomials in them means equal for every valid integer
    assert sp.expand(r.flops - closed) == 0
    assert sym("h") in r.flops.free_symbols
