"""Run the explicit-loop oracle that matches a layer and compare its counts.

The loops (:mod:`symconv.oracles.bruteforce`) count what they do; the
engine's formulas, substituted with the same numbers, must agree exactly.

Examples
--------
>>> import random
>>> from symconv import Conv2d, analyze
>>> layer = Conv2d(2, 3, 3, padding=1)
>>> checks = bruteforce_layer(layer, analyze(layer, (2, 5, 5)), "demo", random.Random(0))
>>> [(c.name, c.passed) for c in checks][:3]
[('output shape', True), ('multiplications', True), ('additions', True)]
"""

from __future__ import annotations

import random
from typing import Any

from symconv.oracles import bruteforce as bf
from symconv.solution import Check


def _ints(values: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def _array(rng: random.Random, shape: tuple[int, ...]) -> Any:
    from symconv.keys.checks import array

    return array(rng, shape)


def _compare(name: str, oracle: str, expected: Any, observed: Any) -> Check:
    if isinstance(expected, tuple):
        expected = _ints(expected)
        observed = _ints(observed)
    else:
        expected, observed = int(expected), int(observed)
    return Check(name, oracle, expected, observed, expected == observed)


def bruteforce_layer(layer: Any, report: Any, oracle: str, rng: random.Random,
                     grad_weight: bool = True) -> list[Check]:
    """Counts and shapes of ``layer`` by explicit loops vs the numeric ``report``.

    ``grad_weight``: also run the weight-gradient loops (a convolution's).
    """
    kind = type(layer).__name__
    batch = int(report.batch)
    in_shape = (batch, *_ints(report.input_shape))
    x = _array(rng, in_shape)
    out_expected = (batch, *_ints(report.output_shape))
    checks: list[Check] = []
    if kind.startswith("Conv") and not kind.startswith("ConvTranspose"):
        pads = [p for p, _ in layer.padding]
        if any(p != q for p, q in layer.padding):
            return [Check("brute force", oracle, "symmetric padding", "asymmetric",
                          True, "skipped: the loop oracle pads symmetrically")]
        groups = int(layer.groups)
        w = _array(rng, (int(layer.out_channels), int(layer.in_channels) // groups,
                         *_ints(layer.kernel_size)))
        b = _array(rng, (int(layer.out_channels),)) if layer.bias else None
        y, ops = bf.conv_nd(x, w, b, _ints(layer.stride), _ints(pads), _ints(layer.dilation),
                            groups)
        checks += [_compare("output shape", oracle, out_expected, y.shape),
                   _compare("multiplications", oracle, report.mults, ops.mults),
                   _compare("additions", oracle, report.adds, ops.adds),
                   _compare("multiplications + additions", oracle, report.mults + report.adds,
                            ops.mults + ops.adds)]
        if not grad_weight:
            checks += _sizes(report, oracle, x, y, w, b)
            return [Check(c.name, c.oracle, c.expected, c.observed, c.passed, "brute force")
                    for c in checks]
        gw, gops = bf.conv_grad_weight(x, _array(rng, y.shape), _ints(layer.kernel_size),
                                       _ints(layer.stride), _ints(pads), _ints(layer.dilation),
                                       groups)
        grad = report.backward.grad_weight
        checks += [_compare("weight-gradient shape", oracle, grad.shape, gw.shape),
                   _compare("weight-gradient multiplications", oracle, grad.mults, gops.mults),
                   _compare("weight-gradient additions", oracle, grad.adds, gops.adds)]
    elif kind.startswith("ConvTranspose"):
        groups = int(layer.groups)
        w = _array(rng, (int(layer.in_channels), int(layer.out_channels) // groups,
                         *_ints(layer.kernel_size)))
        b = _array(rng, (int(layer.out_channels),)) if layer.bias else None
        y, ops = bf.conv_transpose_nd(x, w, b, _ints(layer.stride),
                                      _ints(p for p, _ in layer.padding),
                                      _ints(layer.output_padding), _ints(layer.dilation), groups)
        checks += [_compare("output shape", oracle, out_expected, y.shape),
                   _compare("multiplications", oracle, report.mults, ops.mults),
                   _compare("additions", oracle, report.adds, ops.adds),
                   _compare("multiplications + additions", oracle, report.mults + report.adds,
                            ops.mults + ops.adds)]
    elif kind.startswith("MaxPool"):
        y, ops = bf.max_pool_nd(x, _ints(layer.kernel_size), _ints(layer.stride),
                                _ints(layer.padding), _ints(layer.dilation), layer.ceil_mode)
        checks += [_compare("output shape", oracle, out_expected, y.shape),
                   _compare("comparisons", oracle, report.comparisons, ops.comparisons)]
    elif kind.startswith("AvgPool"):
        y, ops = bf.avg_pool_nd(x, _ints(layer.kernel_size), _ints(layer.stride),
                                _ints(layer.padding), layer.ceil_mode, layer.count_include_pad)
        checks += [_compare("output shape", oracle, out_expected, y.shape),
                   _compare("multiplications", oracle, report.mults, ops.mults),
                   _compare("additions", oracle, report.adds, ops.adds)]
    elif kind == "Linear":
        n_in, n_out = int(layer.in_features), int(layer.out_features)
        rows = x.reshape(-1, n_in)
        w = _array(rng, (n_out, n_in))
        b = _array(rng, (n_out,)) if layer.bias else None
        y, ops = bf.linear(rows, w, b)
        checks += [_compare("output shape", oracle, out_expected,
                            (*in_shape[:-1], y.shape[-1])),
                   _compare("multiplications", oracle, report.mults, ops.mults),
                   _compare("additions", oracle, report.adds, ops.adds),
                   _compare("multiplications + additions", oracle, report.mults + report.adds,
                            ops.mults + ops.adds)]
    checks += _sizes(report, oracle, x, locals().get("y"), locals().get("w"), locals().get("b"))
    return [Check(c.name, c.oracle, c.expected, c.observed, c.passed, "brute force")
            for c in checks]


def _sizes(report: Any, oracle: str, x: Any, y: Any, w: Any, b: Any) -> list[Check]:
    """Entries of the arrays the loops built: parameters and the memory a pass holds."""
    if y is None:
        return []
    n_w = int(w.size) if w is not None else 0
    n_b = int(b.size) if b is not None else 0
    mem = report.memory
    forward = int(x.size) + int(y.size) + n_w + n_b
    return [_compare("parameters", oracle, report.params, n_w + n_b),
            _compare("weights", oracle, report.weight_params, n_w),
            _compare("biases", oracle, report.bias_params, n_b),
            _compare("input elements", oracle, mem.input, x.size),
            _compare("output elements", oracle, mem.output, y.size),
            _compare("weight elements", oracle, mem.weight, n_w),
            _compare("bias elements", oracle, mem.bias, n_b),
            _compare("forward-pass elements", oracle, mem.forward, forward),
            # a training step adds a gradient of the same size as the input and each parameter
            _compare("training-step elements", oracle, mem.training,
                     forward + int(x.size) + n_w + n_b)]
