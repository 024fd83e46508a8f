"""Answer-key steps for :func:`symconv.calculus.variance.gradient_variance`.

Examples
--------
>>> from symconv import Conv2d
>>> from symconv.calculus.variance import gradient_variance
>>> steps = gradient_variance(Conv2d(1, 1, 2), (1, 4, 4)).steps()
>>> [s.passed for s in steps if type(s).__name__ == "Check"]
[True]
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.calculus.backward import partial
from symconv.calculus.expectation import Expect
from symconv.solution import Check, Equation, Text

_ASSUMPTIONS = (
    "Assumptions: the inputs $x$ and the upstream gradients $dy = \\partial L/\\partial y$ are "
    "independent of each other; their entries are independent, with mean 0 and variances "
    "$\\sigma_x^2$ and $\\sigma_g^2$; zero padding is the constant 0."
)


def variance_steps(v: Any, monte_carlo: bool = True) -> list[Any]:
    """Steps of :meth:`GradientVariance.steps`."""
    bw = v.backward
    lhs = bw.grad_weight.lhs
    G = sp.Symbol("G")
    EG, EG2 = Expect(G), Expect(G**2)
    var, std = sp.Function("Var")(G), sp.Function("std")(G)
    s: list[Any] = [
        Text(_ASSUMPTIONS),
        Text("The weight gradient, derived from the layer's definition:"),
        Equation(G, lhs, v.gradient),
        Text("Mean: E is linear; $dy$ and $x$ are independent; both have mean 0."),
        Equation(EG, *v.mean_stages[1:], label="mean"),
        Text("So the variance is the second moment, $Var(G) = E[G^2] - E[G]^2 = E[G^2]$. "
             "Square the sum with a second set of summation indices (primed):"),
        Equation(EG2, *v.square_stages[1:4]),
        Text("Second moments of one family: $E[dy\\,dy'] = \\sigma_g^2$ when both are the "
             "same entry and 0 otherwise (independent, zero mean: every cross term "
             "vanishes); the same for $x$, and 0 where the tap reads padding."),
        Equation(EG2, v.square_stages[4]),
        Text("Summing over the deltas keeps only $b' = b$, $o' = o$:"),
        Equation(EG2, v.square_stages[5]),
        Text("What is left counts batch x output positions whose tap lands on the input:"),
        Equation(var, v.square_stages[6], v.variance),
        Equation(std, sp.sqrt(var), v.std),
    ]
    s += _growth(v, std)
    if monte_carlo and _numeric(v):
        s += _monte_carlo_check(v)
    return s


def _numeric(v: Any) -> bool:
    from symconv.calculus.backward import is_numeric_layer

    return is_numeric_layer(v.backward.layer, v.backward.input_shape) and v.backward.batch.is_Integer


def _growth(v: Any, std: sp.Expr) -> list[Any]:
    """How the standard deviation grows with each input size (when differentiable)."""
    spatial = [n for n in v.backward.input_shape[1:] if isinstance(n, sp.Symbol)]
    if not spatial or v.std.has(sp.Max, sp.Min, sp.floor, sp.ceiling):
        return []
    out: list[Any] = []
    for n in dict.fromkeys(spatial):
        slope = sp.simplify(sp.diff(v.std, n))
        out.append(Equation(sp.Derivative(std, n, evaluate=False), slope))
        if not slope.has(n):
            out.append(Text(f"The slope does not depend on ${n}$: the standard deviation grows "
                            f"linearly with ${n}$ (the variance quadratically)."))
    return out


def _monte_carlo_check(v: Any) -> list[Any]:
    from symconv.calculus.checks import small_copy
    from symconv.calculus.variance import gradient_variance
    from symconv.window import product

    out: list[Any] = []
    bw = v.backward
    if float(bw.batch * product(bw.input_shape)) > 600:  # keep 4000 samples small in memory
        layer, shape = small_copy(bw.layer, bw.input_shape)
        v = gradient_variance(layer, shape, 1, v.sigma_x, v.sigma_g)
        out.append(Text(f"(Monte Carlo on a small instance with the same kernel, stride, "
                        f"padding and dilation: {layer!r} on input {shape}.)"))
    mc = v.monte_carlo(samples=4000, seed=0)
    worst = float(abs(mc.estimate - mc.expected).max() / mc.stderr.max())
    return out + [Check(
        name="variance of each weight-gradient tap",
        oracle=f"Monte Carlo, {mc.samples} Gaussian samples (seed 0), explicit tap loops",
        expected=sp.Array(mc.expected.tolist()),
        observed=sp.Array([round(float(a), 3) for a in mc.estimate.ravel()]),
        passed=mc.passed,
        detail=f"band: {mc.z:g} standard errors per tap; largest deviation {worst:.2f} SE "
               "(sigma_x = sigma_g = 1)",
    )]


__all__ = ["variance_steps", "partial"]
