"""Receptive field of ``L`` identical stacked layers, for a symbolic ``L``.

Composing a stack with one more layer is :func:`~symconv.calculus.compose.compose_axis`
applied to (the stack's single equivalent layer, the new layer).  With the stack's
span ``r_l`` and stride ("jump") ``J_l`` that substitution gives the recurrence

    J_{l+1} = J_l s,        r_{l+1} = r_l + J_l d (k - 1),     r_0 = J_0 = 1,

which is solved here by summing the telescoping differences, so any number of
layers ``L`` (a symbol) gets a closed form.

Examples
--------
>>> from symconv import Conv2d
>>> repeated_receptive_field(Conv2d(1, 1, "k")).result
L*(k - 1) + 1
>>> repeated_receptive_field(Conv2d(1, 1, 2, stride=2)).result
2**L
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.calculus.checks import torch_or_none
from symconv.calculus.compose import compose, compose_axis
from symconv.calculus.worked import Worked, _autograd_support
from symconv.notation.latex import Terms
from symconv.solution import Calculation, Check, Equation, Text
from symconv.symbols import to_expr


def repeated_receptive_field(layer: Any, layers: Any = "L", axis: int = 0) -> Worked:
    """Span of ``layers`` copies of ``layer`` stacked (one spatial axis), in closed form."""
    k, s, d = layer.kernel_size[axis], layer.stride[axis], layer.dilation[axis]
    count = to_expr(layers, "layers")
    l = sp.Symbol("l", integer=True, nonnegative=True)
    r_l, jump_l = sp.Symbol("r_l", positive=True), sp.Symbol("J_l", positive=True)
    # the stack as one layer (span r_l, stride J_l, dilation 1), then one more layer
    step = compose_axis(r_l, jump_l, 0, 1, k, s, 0, d)
    jump = sp.simplify(step.stride / jump_l) ** l        # J_{l+1} = J_l * s, J_0 = 1
    increment = sp.expand(step.span - r_l).xreplace({jump_l: jump})
    span = sp.simplify(1 + sp.summation(increment, (l, 0, count - 1)))
    span = sp.piecewise_fold(span)
    if isinstance(span, sp.Piecewise):  # s is a number here, or the s = 1 case is wanted apart
        span = sp.piecewise_exclusive(span)
    steps: list[Any] = [
        Text("Stacking one more layer on a stack whose single equivalent layer has span "
             "$r_l$ and stride $J_l$ (substitute the stack's index map into the layer's):"),
        Equation(sp.Symbol("r_{l+1}"), Terms(r_l, sp.factor(step.span - r_l)), label="span"),
        Equation(sp.Symbol("J_{l+1}"), step.stride, label="stride (jump)"),
        Text("With $r_0 = J_0 = 1$ the jump is a power, and the span sums its increments:"),
        Equation(sp.Symbol("J_l"), jump),
        Equation(sp.Symbol("r_L"), 1 + sp.Sum(increment, (l, 0, count - 1))),
        Calculation("r_L", span, label="result"),
    ]

    def checks() -> list[Any]:
        return _checks(layer, span, count, axis)

    return Worked("repeated_receptive_field", span, tuple(steps), checks)


def _checks(layer: Any, span: sp.Expr, count: sp.Expr, axis: int) -> list[Any]:
    """The closed form against explicit composition of 1..5 layers (and torch's support)."""
    out: list[Any] = []
    single = layer
    composed_spans, formulas = [], []
    counts = range(1, 6) if isinstance(count, sp.Symbol) else range(1, 2)
    for n in counts:
        if n > 1:
            single = compose(single, layer).layer
        formulas.append(span.xreplace({count: n}) if isinstance(count, sp.Symbol) else span)
        composed_spans.append(single.windows[axis].span)
    same = all(sp.simplify(f - c) == 0 for f, c in zip(formulas, composed_spans, strict=True))
    out.append(Check(f"closed form against composing 1 to {len(formulas)} layers", "compose",
                     sp.Tuple(*composed_spans), sp.Tuple(*formulas), same))
    torch = torch_or_none()
    if torch is not None and isinstance(count, sp.Symbol):
        from dataclasses import replace

        from symconv.calculus.example_steps import numeric_example

        example, instance = layer, ""
        values: dict[str, int] = {}
        if not all(sp.sympify(v).is_Integer for v in (*layer.kernel_size, *layer.stride)):
            example, _, values = numeric_example(layer, (1, 64, 64))
            instance = ", ".join(f"${sp.latex(sp.Symbol(k))} = {v}$" for k, v in values.items())
        for n in (2, 3):
            stack = [example] * n
            want = span.xreplace({count: n, **{s: sp.Integer(values[s.name])
                                              for s in span.free_symbols if s.name in values}})
            check = _autograd_support(torch, stack, (int(want), int(want)))
            out.append(replace(check, name=f"receptive field of {n} layers",
                               instance=instance))
    return out


__all__ = ["repeated_receptive_field"]

