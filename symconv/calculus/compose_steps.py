"""Answer-key steps for :func:`symconv.calculus.compose.compose`.

Examples
--------
>>> from symconv import Conv2d
>>> from symconv.calculus.compose import compose
>>> steps = compose(Conv2d(1, 1, 5), Conv2d(1, 1, 5)).steps((1, 12, 12))
>>> [s.result for s in steps if type(s).__name__ == "Calculation"]
[1, 0, 9, 1, 9]
>>> all(s.passed for s in steps if type(s).__name__ == "Check")
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.checks import array_check, small_ints
from symconv.calculus.compose import W1, W2, X, Y, compose_axis
from symconv.calculus.indexing import index
from symconv.layers.base import as_shape
from symconv.solution import Calculation, Equation, Text
from symconv.symbols import symbols

GENERAL = symbols("k_1 s_1 p_1 d_1 k_2 s_2 p_2 d_2")


def composition_steps(c: Any, input_shape: Any = None) -> list[Any]:
    """Steps of :meth:`Composition.steps`: substitution, read-off, exactness, checks."""
    k1, s1, p1, d1, k2, s2, p2, d2 = GENERAL
    o, m, t1, t2 = index("o"), index("m"), index("t_1"), index("t_2")
    general = compose_axis(*GENERAL)
    y_def = sp.Sum(W1[t1] * X[m * s1 + t1 * d1 - p1], (t1, 0, k1 - 1))
    z_def = sp.Sum(W2[t2] * Y[o * s2 + t2 * d2 - p2], (t2, 0, k2 - 1))
    substituted = sp.Sum(W2[t2] * W1[t1] * X[general.index_expr], (t2, 0, k2 - 1),
                         (t1, 0, k1 - 1))
    from symconv.notation.describe import sentence

    s: list[Any] = [
        Text(f"First {sentence(c.first)}, then {sentence(c.second)}, no activation between. "
             "On one spatial axis (the others are alike), with one channel for readability, "
             "$w^{(1)}$ and $w^{(2)}$ the two kernels:"),
        Equation(Y[m], y_def), Equation(sp.IndexedBase("z")[o], z_def),
        Text("Substitute $y$ into $z$ (linear maps compose):"),
        Equation(sp.IndexedBase("z")[o], substituted),
        Text("Read off a single convolution: the coefficient of $o$ is its stride, minus the "
             "offset at $o = t_1 = t_2 = 0$ its padding, and the taps $d_1 t_1 + s_1 d_2 t_2$ "
             "its kernel:"),
    ]
    per_axis = [axis_values(c, axis) for axis in range(len(c.axes))]
    alike = all(v == per_axis[0] for v in per_axis)
    if alike and len(c.axes) > 1:
        s.append(Text("Every spatial axis has the same numbers:"))
    for axis, ax in enumerate(c.axes[:1] if alike else c.axes):
        vals = per_axis[axis]
        if not alike:
            s.append(Text(f"Spatial axis {axis}:"))
        s += [
            Calculation("S", general.stride, vals, result=ax.stride),
            Calculation("P", general.padding, vals, result=ax.padding),
            Calculation("span", general.span, vals, result=ax.span),
            Calculation("D", sp.Function("gcd")(d1, s1 * d2), vals, result=ax.dilation),
            Calculation("K", (general.span - 1) / sp.Symbol("D") + 1, {**vals, "D": ax.dilation},
                        result=ax.kernel),
        ]
    s += [
        Text(f"The single equivalent layer is {sentence(c.layer)}. With several channels the "
             "kernels compose like matrices, $W_{c_2, c_0} = \\sum_{c_1} W^{(2)}_{c_2, c_1} * "
             "W^{(1)}_{c_1, c_0}$ (each product a full convolution of two kernels), and the "
             "biases fold into one: $b = b^{(2)} + \\sum_{c_1} b^{(1)}_{c_1} "
             "\\sum_t W^{(2)}_{c_2, c_1, t}$."),
    ]
    s += [Text(n[0].upper() + n[1:] + ".") for n in c.notes]
    if input_shape is None:
        s += _example_checks(c)
    if input_shape is not None:
        region = c.exact_region(input_shape)
        out = c.layer.output_shape(as_shape(input_shape))
        from symconv.notation.latex import IndexRange, latex

        s.append(Text(f"Output shape ${latex(tuple(out))}$ for an input "
                      f"${latex(tuple(as_shape(input_shape)))}$; the single layer is exact on "
                      f"output indices ${', '.join(latex(IndexRange(*r)) for r in region)}$ "
                      "per spatial axis."))
        if _numeric(c, input_shape):
            s += _checks_within_budget(c, input_shape)
    return s


def _example_checks(c: Any) -> list[Any]:
    """Checks of a symbolic composition on numbers for its symbols (stated in the line)."""
    from dataclasses import replace

    from symconv.calculus.backward import is_numeric_layer
    from symconv.calculus.compose import compose
    from symconv.calculus.example_steps import numeric_example

    dims = len(c.first.kernel_size)
    if is_numeric_layer(c.first, (1,) * (dims + 1)) and is_numeric_layer(
            c.second, (1,) * (dims + 1)):
        return []
    first, _, values = numeric_example(c.first, (c.first.in_channels, *(12,) * dims))
    second, _, more = numeric_example(c.second, (c.second.in_channels, *(12,) * dims))
    values.update(more)
    if "k_2" in values and "k_1" in values and values["k_1"] == values["k_2"]:
        values["k_2"] = values["k_1"] - 1  # two different sizes make a stronger check
        second = type(c.second)(second.in_channels, second.out_channels,
                                (values["k_2"],) * dims, bias=second.bias)
    composed = compose(first, second)
    shape = (int(first.in_channels), *(12,) * dims)
    instance = ", ".join(f"${sp.latex(sp.Symbol(k))} = {v}$" for k, v in sorted(values.items()))
    return [replace(ch, instance=instance) for ch in _checks_within_budget(composed, shape)
            if hasattr(ch, "passed")]


def axis_values(c: Any, axis: int) -> dict[str, Any]:
    a, b = c.first, c.second
    return {"k_1": a.kernel_size[axis], "s_1": a.stride[axis], "p_1": a.padding[axis][0],
            "d_1": a.dilation[axis], "k_2": b.kernel_size[axis], "s_2": b.stride[axis],
            "p_2": b.padding[axis][0], "d_2": b.dilation[axis]}


def _numeric(c: Any, input_shape: Any) -> bool:
    from symconv.calculus.backward import is_numeric_layer

    return is_numeric_layer(c.first, input_shape) and is_numeric_layer(
        c.second, c.first.output_shape(as_shape(input_shape)))


def _checks_within_budget(c: Any, input_shape: Any) -> list[Any]:
    """The loop check on the given input, or on the smallest input both layers fit."""
    from symconv.calculus.checks import LOOP_BUDGET, loop_cost

    shape = tuple(int(v) for v in as_shape(input_shape))

    def cost(sh):
        return loop_cost(c.first, sh) + loop_cost(c.second, c.first.output_shape(sh))

    notes: list[Any] = []
    if cost(shape) > LOOP_BUDGET:
        spans = [int(w.span) + int(w.stride) for w in c.layer.windows]
        small = (shape[0], *(min(n, s) for n, s in zip(shape[1:], spans)))
        if cost(small) > 5 * LOOP_BUDGET:
            return [Text("(The layers are too large for the explicit-loop check here; the "
                         "tests check composition against torch on random instances.)")]
        notes.append(Text(f"(Checked on the smaller input {small}.)"))
        shape = small
    return notes + _checks(c, shape, c.exact_region(shape))


def _checks(c: Any, input_shape: Any, region: Any) -> list[Any]:
    from symconv.oracles.bruteforce import conv_nd

    def args(layer):
        return dict(stride=tuple(int(v) for v in layer.stride),
                    padding=tuple(int(p) for p, _ in layer.padding),
                    dilation=tuple(int(v) for v in layer.dilation), groups=int(layer.groups))

    rng = np.random.default_rng(0)
    x = small_ints(rng, (1, *(int(v) for v in as_shape(input_shape))))
    w1 = small_ints(rng, (int(c.first.out_channels), int(c.first.in_channels / c.first.groups),
                          *(int(k) for k in c.first.kernel_size)))
    w2 = small_ints(rng, (int(c.second.out_channels),
                          int(c.second.in_channels / c.second.groups),
                          *(int(k) for k in c.second.kernel_size)))
    b1 = small_ints(rng, (w1.shape[0],)) if c.first.bias else None
    b2 = small_ints(rng, (w2.shape[0],)) if c.second.bias else None
    z, _ = conv_nd(conv_nd(x, w1, b1, **args(c.first))[0], w2, b2, **args(c.second))
    K, b = c.weights(w1, b1, w2, b2)
    z1, _ = conv_nd(x, K, b, **args(c.layer))
    inside = (slice(None), slice(None), *(slice(int(lo), int(hi) + 1) for lo, hi in region))
    return [array_check("two layers = the single layer (exact region)",
                        "explicit loops on integer tensors",
                        z[inside], z1[inside])]
