"""The rows containers add themselves: the residual addition and the channel concatenation.

Examples
--------
>>> import sympy as sp
>>> add_report((sp.Integer(8), sp.Integer(4), sp.Integer(4)), sp.Symbol("B")).adds
128*B
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.window import product

ZERO = sp.Integer(0)


def add_report(shape: Shape, batch: sp.Expr) -> LayerReport:
    """The residual addition ``y = a + b``: one addition per output element."""
    el = batch * product(shape)
    return LayerReport(
        layer="add", kind="add", input_shape=shape, output_shape=shape, batch=batch,
        weight_params=ZERO, bias_params=ZERO, mults=ZERO, adds=el, macs=ZERO,
        conventions=conventions(OpCounts("other", ZERO, ZERO, el, ZERO, 2 * el, el)),
        memory=Memory(input=2 * el, output=el, grad_input=2 * el),
        backward=Backward(shape, GradientCost(shape, ZERO, ZERO,
                                              "the output gradient goes to both inputs unchanged")),
    )


def concat_report(shapes: Sequence[Shape], batch: sp.Expr) -> LayerReport:
    """Channel concatenation of branch outputs: a copy, no arithmetic."""
    out = (sp.Add(*(s[0] for s in shapes)), *shapes[0][1:])
    el = batch * product(out)
    return LayerReport(
        layer=f"cat({len(shapes)} branches, dim=1)", kind="concat", input_shape=out,
        output_shape=out, batch=batch, weight_params=ZERO, bias_params=ZERO, mults=ZERO,
        adds=ZERO, macs=ZERO,
        conventions=conventions(OpCounts("other", ZERO, ZERO, ZERO, ZERO, el, el)),
        memory=Memory(input=el, output=el, grad_input=el),
        backward=Backward(out, GradientCost(out, ZERO, ZERO, "the gradient is split by channels")),
    )


