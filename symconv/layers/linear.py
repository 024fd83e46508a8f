"""Fully connected layers and flattening.

``Linear(in_features, out_features)`` acts on the last axis; leading axes
(other than the batch) multiply the work, as in torch.

Examples
--------
>>> from symconv import Linear, analyze
>>> r = analyze(Linear(256 * 256 * 64, 1000), (256 * 256 * 64,))
>>> r.params, r.mults
(4194305000, 4194304000)
"""

from __future__ import annotations

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape, fmt_args, size
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import Value, is_number
from symconv.window import product

ZERO = sp.Integer(0)


class Linear(Layer):
    """``torch.nn.Linear``: ``y = x W^T + b`` on the last axis."""

    kind = "linear"

    def __init__(self, in_features: Value, out_features: Value, bias: bool = True) -> None:
        self.in_features = size(in_features, "in_features")
        self.out_features = size(out_features, "out_features")
        self.bias = bool(bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias}"

    def output_shape(self, input_shape: Shape) -> Shape:
        if not input_shape:
            raise LayerError("Linear needs at least one input axis")
        last = input_shape[-1]
        if is_number(last - self.in_features) and last != self.in_features:
            raise LayerError(
                f"Linear has in_features={self.in_features} but the input's last axis is {last}"
            )
        return (*input_shape[:-1], self.out_features)

    def routes(self, input_shape: Shape) -> tuple[tuple[int | None, ...], tuple[int, ...]]:
        """Leading axes pass through (a channels-last map keeps its receptive field); the last
        axis is mixed."""
        rank = len(input_shape)
        return (*range(rank - 1), None), (rank - 1,)

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        out_shape = self.output_shape(input_shape)
        rows = batch * product(input_shape[:-1])  # vectors the layer is applied to
        n_in, n_out = self.in_features, self.out_features
        weight = n_in * n_out
        bias = n_out if self.bias else ZERO
        macs = rows * n_in * n_out
        bias_adds = rows * n_out if self.bias else ZERO
        adds = rows * n_out * (n_in - 1) + bias_adds
        in_el, out_el = rows * n_in, rows * n_out
        conds = () if is_number(input_shape[-1] - n_in) else (sp.Eq(input_shape[-1], n_in),)
        reasons = (("Linear has in_features={} but the input's last axis is {}",
                    (n_in, input_shape[-1])),) if conds else ()
        convs = conventions(OpCounts("linear", macs, macs, adds, bias_adds, in_el, out_el,
                                     batch=batch, params=weight + bias))
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=out_shape,
            batch=batch, weight_params=weight, bias_params=bias, mults=macs, adds=adds,
            macs=macs, conventions=convs,
            memory=Memory(input=in_el, output=out_el, weight=weight, bias=bias,
                          grad_input=in_el, grad_weight=weight, grad_bias=bias),
            backward=Backward(
                out_shape,
                GradientCost(input_shape, macs, rows * n_in * (n_out - 1),
                             "grad_input = grad_output W"),
                GradientCost((n_out, n_in), macs, weight * (rows - 1),
                             "grad_weight = grad_output^T x"),
                GradientCost((n_out,), ZERO, n_out * (rows - 1)) if self.bias else None,
            ),
            conditions=conds, condition_reasons=reasons,
        )


class Flatten(Layer):
    """``torch.nn.Flatten(start_dim=1, end_dim=-1)``; dims count the batch axis as 0.

    >>> from symconv import analyze
    >>> analyze(Flatten(), (10, 7, 7)).output_shape
    (490,)
    """

    kind = "reshape"

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def extra_repr(self) -> str:
        return fmt_args(start_dim=self.start_dim, end_dim=self.end_dim)

    def output_shape(self, input_shape: Shape) -> Shape:
        full = (sp.Symbol("B"), *input_shape)  # torch's dims include the batch axis
        start = self.start_dim % len(full)
        end = self.end_dim % len(full)
        if start == 0:
            raise LayerError("Flatten(start_dim=0) would merge the batch axis; not modelled")
        if end < start:
            raise LayerError(f"Flatten: end_dim {self.end_dim} is before start_dim {self.start_dim}")
        merged = product(full[start:end + 1])
        return tuple(full[1:start]) + (merged,) + tuple(full[end + 1:])

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        out_shape = self.output_shape(input_shape)
        el = batch * product(input_shape)
        counts = OpCounts("other", ZERO, ZERO, ZERO, ZERO, el, el, batch=batch)
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=out_shape,
            batch=batch, weight_params=ZERO, bias_params=ZERO, mults=ZERO, adds=ZERO,
            macs=ZERO, conventions=conventions(counts),
            memory=Memory(input=el, output=el, grad_input=el),
            backward=Backward(out_shape, GradientCost(input_shape, ZERO, ZERO, "a reshape")),
            notes=("a view: the output shares the input's memory",),
        )
