"""Operations along one or more axes: ``mean``, ``sum``, ``amax`` and ``softmax``.

``dim`` is torch's (the batch axis is 0 and may not be reduced).  Counts, for
``m`` elements reduced into one output (``R`` outputs, ``E = R*m`` inputs):

* ``sum``: ``m - 1`` additions per output;
* ``mean``: the sum, then one multiplication by ``1/m``;
* ``amax``: ``m - 1`` comparisons per output;
* ``softmax`` over ``m`` elements, as torch computes it (the row maximum is
  subtracted for stability): ``m - 1`` comparisons, ``m`` subtractions, ``m``
  exponentials, ``m - 1`` additions for the sum and ``m`` divisions (counted
  as multiplications) per row.

Examples
--------
>>> import sympy as sp
>>> c, h, w = sp.symbols("c h w", positive=True, integer=True)
>>> r = Mean((2, 3)).analyze((c, h, w), sp.Integer(1))
>>> r.output_shape, r.adds, r.mults
((c,), c*(h*w - 1), c)
>>> Softmax(-1).analyze((sp.Integer(4), sp.Integer(5)), sp.Integer(2)).evaluations
40
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape
from symconv.layers.dims import sample_axes, sample_axis
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.window import product

ZERO = sp.Integer(0)


class _Reduce(Layer):
    """Reduce ``dim`` (all per-sample axes when None), keeping them as size 1 if ``keepdim``."""

    kind = "reduce"
    op: ClassVar[str] = "sum"
    #: How torch's method is called (``x.mean``); from_torch may set ``torch.mean``.
    called_as: str = "torch"

    def __init__(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> None:
        self.dim = dim if dim is None or isinstance(dim, int) else tuple(int(d) for d in dim)
        self.keepdim = bool(keepdim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, keepdim={self.keepdim}"

    def axes(self, input_shape: Shape) -> tuple[int, ...]:
        if self.dim is None:
            return tuple(range(len(input_shape)))
        return sample_axes(self.dim, len(input_shape))

    def output_shape(self, input_shape: Shape) -> Shape:
        axes = self.axes(input_shape)
        if self.keepdim:
            return tuple(sp.Integer(1) if a in axes else n for a, n in enumerate(input_shape))
        return tuple(n for a, n in enumerate(input_shape) if a not in axes)

    def routes(self, input_shape: Shape) -> Any:
        axes = self.axes(input_shape)
        kept = [a for a in range(len(input_shape)) if self.keepdim or a not in axes]
        return tuple(None if a in axes else a for a in kept), axes

    def _ops(self, outputs: sp.Expr, m: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        """(mults, adds, comparisons)."""
        if self.op == "amax":
            return ZERO, ZERO, outputs * (m - 1)
        return (outputs if self.op == "mean" else ZERO), outputs * (m - 1), ZERO

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        out_shape = self.output_shape(input_shape)
        m = product(input_shape[a] for a in self.axes(input_shape))
        outputs = batch * product(out_shape)
        in_el = batch * product(input_shape)
        mults, adds, comps = self._ops(outputs, m)
        counts = OpCounts("reduce", ZERO, mults, adds, ZERO, in_el, outputs, batch=batch)
        grad = GradientCost(input_shape, in_el if self.op == "mean" else ZERO, ZERO,
                            "the output gradient spread over the reduced elements")
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=out_shape,
            batch=batch, weight_params=ZERO, bias_params=ZERO, mults=mults, adds=adds, macs=ZERO,
            comparisons=comps, conventions=conventions(counts),
            memory=Memory(input=in_el, output=outputs, grad_input=in_el),
            backward=Backward(out_shape, grad),
        )


class Sum(_Reduce):
    """``x.sum(dim, keepdim)``: ``m - 1`` additions per output."""

    op = "sum"


class Mean(_Reduce):
    """``x.mean(dim, keepdim)``: ``m - 1`` additions and one multiplication per output."""

    op = "mean"


class Amax(_Reduce):
    """``x.amax(dim, keepdim)`` (``max`` values): ``m - 1`` comparisons per output."""

    op = "amax"


class Softmax(Layer):
    """``torch.nn.Softmax(dim)`` (and ``F.softmax``), counted as torch computes it.

    Per row of ``m`` elements: ``m - 1`` comparisons (the maximum), ``m``
    subtractions, ``m`` exponentials, ``m - 1`` additions and ``m`` divisions.
    """

    kind = "activation"
    called_as: str = "module"
    log = False

    def __init__(self, dim: int | None = None) -> None:
        if dim is None:
            raise LayerError("Softmax needs dim (torch's implicit choice is deprecated)")
        self.dim = int(dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

    def output_shape(self, input_shape: Shape) -> Shape:
        sample_axis(self.dim, len(input_shape))
        return tuple(input_shape)

    def routes(self, input_shape: Shape) -> Any:
        return tuple(range(len(input_shape))), (sample_axis(self.dim, len(input_shape)),)

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        self.output_shape(input_shape)
        m = input_shape[sample_axis(self.dim, len(input_shape))]
        el = batch * product(input_shape)
        rows = el / m
        comps = rows * (m - 1)
        if self.log:  # x - max - log(sum(exp(x - max))): one log per row, no divisions
            adds, mults, evals = el + rows * (m - 1) + el, ZERO, el + rows
        else:
            adds, mults, evals = el + rows * (m - 1), el, el
        counts = OpCounts("softmax", ZERO, mults, adds, ZERO, el, el, batch=batch,
                          called_as=self.called_as)
        grad = GradientCost(input_shape, 2 * el, el + rows * (m - 1),
                            "dx = y * (dy - sum(dy * y)) along dim")
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=input_shape,
            batch=batch, weight_params=ZERO, bias_params=ZERO, mults=mults, adds=adds, macs=ZERO,
            comparisons=comps, evaluations=evals, conventions=conventions(counts),
            memory=Memory(input=el, output=el, grad_input=el),
            backward=Backward(input_shape, grad),
            notes=("the row maximum is subtracted before the exponentials, as torch does",),
        )


class LogSoftmax(Softmax):
    """``torch.nn.LogSoftmax(dim)``: ``x - max - log(sum(exp(x - max)))`` along ``dim``."""

    log = True


__all__ = ["Sum", "Mean", "Amax", "Softmax", "LogSoftmax"]
