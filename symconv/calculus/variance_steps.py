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

from symconv.calculus.expectation import Expect
from symconv.solution import Check, Equation, Text

_ASSUMPTIONS = (
    "Assumptions: the inputs ${x}$ and the upstream gradients ${dy} = \\partial L/\\partial {y}$ "
    "are independent of each other; their entries are independent, with mean 0 and variances "
    "$\\sigma_x^2$ and $\\sigma_g^2$; zero padding is the constant 0."
)


def variance_steps(v: Any, monte_carlo: bool = True) -> list[Any]:
    """Steps of :meth:`GradientVariance.steps`."""
    from symconv.notation.latex import tensor_tex
    from symconv.notation.transform import tidy

    x, dy, y = (tensor_tex(r, d) for r, d in (("input", "x"), ("grad_output", "dy"),
                                                 ("output", "y")))
    bw = v.backward
    shapes = dict(bw.shapes)

    def show(e: Any) -> Any:
        return tidy(e, shapes, bw.free)

    lhs = show(bw.grad_weight.lhs)
    G = sp.Symbol("G")
    EG, EG2 = Expect(G), Expect(G**2)
    var, std = sp.Function("Var")(G), sp.Function("std")(G)
    batch = sp.sympify(bw.batch) != 1
    s: list[Any] = [
        Text(_ASSUMPTIONS.replace("{x}", x).replace("{dy}", dy).replace("{y}", y)),
        Text("Call $G$ the weight gradient, derived from the layer's definition:"),
        Equation(G, lhs, show(v.gradient)),
        Text(f"Its mean: the expectation is linear, ${dy}$ and ${x}$ are independent, and both "
             "have mean 0:"),
        Equation(EG, *(show(e) for e in v.mean_stages[1:])),
        Text("So the variance is the second moment, $\\operatorname{Var}(G) = \\mathbb{E}[G^2] - "
             "\\mathbb{E}[G]^2 = \\mathbb{E}[G^2]$. Squared, $G$ is a double sum (the second "
             "set of indices primed):"),
        Equation(G**2, show(v.square_stages[1])),
        Text("By linearity and independence:"),
        Equation(EG2, *(show(e) for e in v.square_stages[2:4])),
        Text(f"Second moments of one family: $\\mathbb{{E}}[{dy}\\,{dy}'] = \\sigma_g^2$ when both "
             "are the same entry and 0 otherwise (independent, zero mean: every cross term "
             f"vanishes); the same for ${x}$, and 0 where the tap reads padding."),
        Equation(EG2, show(v.square_stages[4])),
        Text("Summing over the deltas keeps only the terms with equal indices:"),
        Equation(EG2, show(v.square_stages[5])),
        Text("What is left counts the " + ("batch entries times the " if batch else "")
             + "output positions whose tap lands on the input:"),
        Equation(var, *dict.fromkeys([show(v.square_stages[6]), v.variance])),
        Equation(std, sp.sqrt(var), v.std),
    ]
    s += _growth(v, std)
    if monte_carlo:
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
    from dataclasses import replace

    from symconv.calculus.checks import small_copy
    from symconv.calculus.example_steps import numeric_example
    from symconv.calculus.variance import gradient_variance
    from symconv.window import product

    bw = v.backward
    instance = ""
    formula = v.variance
    if not _numeric(v):
        layer, shape, values = numeric_example(bw.layer, bw.input_shape)
        v = gradient_variance(layer, shape, 1, v.sigma_x, v.sigma_g)
        instance = ", ".join(f"${sp.latex(sp.Symbol(k))} = {n}$" for k, n in values.items())
        from symconv.exprmap import substitution

        same = sp.simplify(formula.xreplace(substitution(values, formula.free_symbols))
                           - v.variance) == 0
        out: list[Any] = [Check("the formula at these numbers equals the derivation on them",
                                "SymPy", v.variance, v.variance if same else formula, same,
                                instance=instance)]
    else:
        out = []
    bw = v.backward
    if float(bw.batch * product(bw.input_shape)) > 600:  # keep 4000 samples small in memory
        layer, shape = small_copy(bw.layer, bw.input_shape)
        v = gradient_variance(layer, shape, 1, v.sigma_x, v.sigma_g)
        instance = ("a smaller instance with the same kernel, stride, padding and dilation "
                    f"(input {shape[1:]})")
    mc = v.monte_carlo(samples=4000, seed=0)
    worst = float(abs(mc.estimate - mc.expected).max() / mc.stderr.max())
    check = Check(
        name="variance of each weight-gradient tap",
        oracle=f"Monte Carlo, {mc.samples} Gaussian samples, explicit tap loops",
        expected=sp.Array(mc.expected.tolist()),
        observed=sp.Array([round(float(a), 3) for a in mc.estimate.ravel()]),
        passed=mc.passed,
        detail=f"band: {mc.z:g} standard errors per tap; largest deviation {worst:.2f} SE "
               "($\\sigma_x = \\sigma_g = 1$)",
    )
    return out + [replace(check, instance=instance)]
