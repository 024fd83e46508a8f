"""Normalisation over groups of elements: ``LayerNorm`` and ``GroupNorm``.

Unlike batch norm in evaluation mode (a fixed scale and shift per channel,
:mod:`symconv.layers.elementwise`), these compute statistics of each group of
``m`` elements at run time, two passes as torch does:

* mean: ``m - 1`` additions and one multiplication by ``1/m``;
* centring: ``m`` subtractions;
* variance: ``m`` squares, ``m - 1`` additions, one multiplication by ``1/m``;
* ``rsqrt(var + eps)``: one addition and one evaluation;
* normalising: ``m`` multiplications;
* the affine map, when learned: ``m`` multiplications (weight) and ``m``
  additions (bias).

So a group costs ``2m + 2`` multiplications (``3m + 2`` with a weight),
``3m - 1`` additions (``4m - 1`` with a bias) and one evaluation.

Examples
--------
>>> import sympy as sp
>>> r = LayerNorm(96).analyze((sp.Integer(56), sp.Integer(56), sp.Integer(96)), sp.Integer(1))
>>> r.params, r.output_shape
(192, (56, 56, 96))
>>> r.mults == 56 * 56 * (3 * 96 + 2), r.adds == 56 * 56 * (4 * 96 - 1)
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape, fmt_args
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import Value, is_number, to_expr
from symconv.window import product

ZERO = sp.Integer(0)


def _norm_report(layer: Layer, input_shape: Shape, batch: sp.Expr, groups: sp.Expr,
                 m: sp.Expr, weight: sp.Expr, bias: sp.Expr, family: str,
                 called_as: str) -> LayerReport:
    el = batch * product(input_shape)
    n = batch * groups  # groups normalised over the whole batch
    mults = n * (2 * m + 2) + (el if weight != 0 else ZERO)
    adds = n * (3 * m - 1) + (el if bias != 0 else ZERO)
    counts = OpCounts(family, ZERO, mults, adds, ZERO, el, el, affine=weight != 0, batch=batch,
                      params=weight + bias, called_as=called_as)
    return LayerReport(
        layer=repr(layer), kind="norm", input_shape=input_shape, output_shape=input_shape,
        batch=batch, weight_params=weight, bias_params=bias, mults=mults, adds=adds, macs=ZERO,
        evaluations=n, conventions=conventions(counts),
        memory=Memory(input=el, output=el, weight=weight, bias=bias, grad_input=el,
                      grad_weight=weight, grad_bias=bias),
        backward=Backward(input_shape, GradientCost(
            input_shape, 3 * el, 4 * el, "through the statistics: two reductions per group")),
        notes=("statistics computed per sample (training and evaluation alike)",),
    )


class LayerNorm(Layer):
    """``torch.nn.LayerNorm(normalized_shape)``: normalises over the last axes.

    Params: ``prod(normalized_shape)`` weights and as many biases when
    ``elementwise_affine`` (``bias=False`` drops the biases, as in torch).
    """

    kind = "norm"
    called_as: str = "module"

    def __init__(self, normalized_shape: Value | Sequence[Value], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True) -> None:
        items = normalized_shape if isinstance(normalized_shape, tuple | list) else (
            normalized_shape,)
        self.normalized_shape = tuple(to_expr(v, "normalized_shape") for v in items)
        self.eps = eps
        self.elementwise_affine = bool(elementwise_affine)
        self.bias = bool(bias)

    def extra_repr(self) -> str:
        return fmt_args(normalized_shape=self.normalized_shape,
                        elementwise_affine=self.elementwise_affine)

    def output_shape(self, input_shape: Shape) -> Shape:
        k = len(self.normalized_shape)
        if len(input_shape) < k:
            raise LayerError(f"LayerNorm over {self.normalized_shape} needs at least {k} axes")
        for got, want in zip(input_shape[-k:], self.normalized_shape):
            if is_number(got - want) and got != want:
                raise LayerError(f"LayerNorm{self.normalized_shape}: input ends with "
                                 f"{tuple(input_shape[-k:])}")
        return tuple(input_shape)

    def routes(self, input_shape: Shape) -> Any:
        rank, k = len(input_shape), len(self.normalized_shape)
        return tuple(range(rank)), tuple(range(rank - k, rank))

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        self.output_shape(input_shape)
        m = product(self.normalized_shape)
        groups = product(input_shape) / m
        weight = m if self.elementwise_affine else ZERO
        bias = m if self.elementwise_affine and self.bias else ZERO
        return _norm_report(self, input_shape, batch, groups, m, weight, bias, "layer_norm",
                            self.called_as)


class GroupNorm(Layer):
    """``torch.nn.GroupNorm(num_groups, num_channels)`` on ``(c, ...)`` inputs.

    Each sample's channels are split into ``num_groups`` groups, each normalised
    over its channels and every position; params ``2c`` when ``affine``.
    """

    kind = "norm"
    called_as: str = "module"

    def __init__(self, num_groups: Value, num_channels: Value, eps: float = 1e-5,
                 affine: bool = True) -> None:
        self.num_groups = to_expr(num_groups, "num_groups")
        self.num_channels = to_expr(num_channels, "num_channels")
        self.eps, self.affine = eps, bool(affine)
        cond = sp.Eq(sp.Mod(self.num_channels, self.num_groups), 0)
        if is_number(cond) and not bool(cond):
            raise LayerError(f"num_groups={self.num_groups} does not divide "
                             f"num_channels={self.num_channels}")

    def extra_repr(self) -> str:
        return fmt_args(num_groups=self.num_groups, num_channels=self.num_channels,
                        affine=self.affine)

    def output_shape(self, input_shape: Shape) -> Shape:
        if not input_shape:
            raise LayerError("GroupNorm needs a channel axis")
        c = input_shape[0]
        if is_number(c - self.num_channels) and c != self.num_channels:
            raise LayerError(f"GroupNorm({self.num_channels} channels) got {c} channels")
        return tuple(input_shape)

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        self.output_shape(input_shape)
        m = product(input_shape) / self.num_groups
        params = self.num_channels if self.affine else ZERO
        return _norm_report(self, input_shape, batch, self.num_groups, m, params, params,
                            "group_norm", self.called_as)


__all__ = ["LayerNorm", "GroupNorm"]
