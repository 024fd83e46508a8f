"""Layers that act element by element: activations, dropout, batch normalisation.

Each is described by the work it does per element, so one class computes
every report; the subclasses only name torch's layer and its per-element
cost (multiplications, additions, comparisons, transcendental evaluations),
counted for the formula torch computes:

============  ========================  ======  ====  ====  ====
layer         formula                   mults   adds  cmp   eval
============  ========================  ======  ====  ====  ====
ReLU          max(x, 0)                 0       0     1     0
ReLU6         min(max(x, 0), 6)         0       0     2     0
LeakyReLU     x if x > 0 else a*x       1       0     1     0
Sigmoid       1 / (1 + exp(-x))         0       0     0     1
Tanh          tanh(x)                   0       0     0     1
GELU          x * Phi(x)                0       0     0     1
SiLU          x * sigmoid(x)            1       0     0     1
Hardsigmoid   min(max(x + 3, 0), 6)/6   1       1     2     0
Hardswish     x * hardsigmoid(x)        2       1     2     0
============  ========================  ======  ====  ====  ====

Examples
--------
>>> from symconv import ReLU, BatchNorm2d, analyze
>>> analyze(ReLU(), ("c", "h", "w")).comparisons
c*h*w
>>> r = analyze(BatchNorm2d("c"), ("c", "h", "w"))
>>> r.params, r.mults, r.adds
(2*c, c*h*w, c*h*w)
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape, fmt_args, size
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import Value, is_number
from symconv.window import product

ZERO = sp.Integer(0)


class _Elementwise(Layer):
    kind = "activation"
    family: ClassVar[str] = "other"
    #: (mults, adds, comparisons, transcendental evaluations) per element.
    per_element: ClassVar[tuple[int, int, int, int]] = (0, 0, 0, 0)
    #: (mults, adds) per element of the backward pass.
    per_element_backward: ClassVar[tuple[int, int]] = (0, 0)
    note: ClassVar[str] = ""
    #: How a traced model called it (see symconv.counting.CALLED_AS); from_torch sets it.
    called_as: str = "module"

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def _params(self, input_shape: Shape) -> tuple[sp.Expr, sp.Expr]:
        return ZERO, ZERO

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        el = batch * product(input_shape)
        m, a, c, e = (el * x for x in self.per_element)
        weight, bias = self._params(input_shape)
        bm, ba = (el * x for x in self.per_element_backward)
        counts = OpCounts(self.family, ZERO, m, a, ZERO, el, el, affine=weight != 0,
                          batch=batch, params=weight + bias, called_as=self.called_as)
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=input_shape,
            batch=batch, weight_params=weight, bias_params=bias, mults=m, adds=a, macs=ZERO,
            comparisons=c, evaluations=e, conventions=conventions(counts),
            memory=Memory(input=el, output=el, weight=weight, bias=bias, grad_input=el,
                          grad_weight=weight, grad_bias=bias),
            backward=Backward(input_shape, GradientCost(input_shape, bm, ba, self.note)),
            notes=(self.note,) if self.note else (),
        )


class ReLU(_Elementwise):
    """``torch.nn.ReLU``: one comparison with 0 per element."""

    family = "relu"
    per_element = (0, 0, 1, 0)
    note = "backward passes the gradient where the input was positive (a mask, no arithmetic)"

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class ReLU6(_Elementwise):
    """``torch.nn.ReLU6``: ``min(max(x, 0), 6)``, two comparisons per element."""

    family = "relu6"
    per_element = (0, 0, 2, 0)
    note = "backward passes the gradient where 0 < x < 6 (a mask, no arithmetic)"

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class SiLU(_Elementwise):
    """``torch.nn.SiLU`` (swish): ``x * sigmoid(x)``, one evaluation and one multiplication."""

    family = "silu"
    per_element = (1, 0, 0, 1)
    per_element_backward = (4, 2)  # dy * s * (1 + x * (1 - s))

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class Hardsigmoid(_Elementwise):
    """``torch.nn.Hardsigmoid``: ``min(max(x + 3, 0), 6) / 6``."""

    family = "hardsigmoid"
    per_element = (1, 1, 2, 0)
    per_element_backward = (1, 0)  # dy / 6 where -3 < x < 3

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class Hardswish(_Elementwise):
    """``torch.nn.Hardswish``: ``x * min(max(x + 3, 0), 6) / 6``."""

    family = "hardswish"
    per_element = (2, 1, 2, 0)
    per_element_backward = (2, 1)  # dy * (2x + 3) / 6 where -3 < x < 3

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class LeakyReLU(_Elementwise):
    """``torch.nn.LeakyReLU``: a comparison and a multiplication per element."""

    family = "leaky_relu"
    per_element = (1, 0, 1, 0)
    per_element_backward = (1, 0)

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        self.negative_slope = negative_slope


class Sigmoid(_Elementwise):
    """``torch.nn.Sigmoid``: one transcendental evaluation per element."""

    per_element = (0, 0, 0, 1)
    per_element_backward = (2, 1)  # dy * s * (1 - s)


class Tanh(_Elementwise):
    """``torch.nn.Tanh``: one transcendental evaluation per element."""

    per_element = (0, 0, 0, 1)
    per_element_backward = (2, 1)  # dy * (1 - t^2)


class GELU(_Elementwise):
    """``torch.nn.GELU``: counted as one transcendental evaluation per element."""

    family = "gelu"
    per_element = (0, 0, 0, 1)

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise LayerError(f"approximate must be 'none' or 'tanh', not {approximate!r}")
        self.approximate = approximate


class Identity(_Elementwise):
    """``torch.nn.Identity``."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass


class Dropout(_Elementwise):
    """``torch.nn.Dropout``, counted in evaluation mode, where it is the identity."""

    note = "evaluation mode: the identity (training mode scales kept elements by 1/(1-p))"

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        if not 0 <= p <= 1:
            raise LayerError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout1d(Dropout):
    """``torch.nn.Dropout1d`` (whole channels), the identity in evaluation mode."""


class Dropout2d(Dropout):
    """``torch.nn.Dropout2d`` (whole channels), the identity in evaluation mode."""


class Dropout3d(Dropout):
    """``torch.nn.Dropout3d`` (whole channels), the identity in evaluation mode."""


class StochasticDepth(Dropout):
    """``torchvision.ops.StochasticDepth``: drops whole residual branches while training.

    The identity at inference, as counted here.
    """

    note = "evaluation mode: the identity (training mode drops the branch with probability p)"

    def __init__(self, p: float = 0.5, mode: str = "row") -> None:
        if mode not in ("row", "batch"):
            raise LayerError(f"mode must be 'row' or 'batch', not {mode!r}")
        super().__init__(p)
        self.mode = mode


class _BatchNormNd(_Elementwise):
    kind = "norm"
    family = "norm"
    per_element = (1, 1, 0, 0)
    per_element_backward = (1, 0)
    note = ("evaluation mode: running statistics and the affine map folded into one scale "
            "and one shift per channel, y = a*x + b")
    _dims = 2

    def __init__(self, num_features: Value, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True) -> None:
        self.num_features = size(num_features, "num_features")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats

    def extra_repr(self) -> str:
        return fmt_args(num_features=self.num_features, affine=self.affine)

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != self._dims + 1:
            raise LayerError(f"{type(self).__name__} expects (channels, {self._dims} sizes)")
        c = input_shape[0]
        if is_number(c - self.num_features) and c != self.num_features:
            raise LayerError(f"{type(self).__name__}({self.num_features}) got {c} channels")
        return tuple(input_shape)

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        self.output_shape(as_shape(input_shape))
        report = super().analyze(input_shape, batch)
        c = as_shape(input_shape)[0]
        if is_number(c - self.num_features):
            return report
        reason = (type(self).__name__ + "({}) got {} channels", (self.num_features, c))
        return dataclasses.replace(report, conditions=(sp.Eq(c, self.num_features),),
                                   condition_reasons=(reason,))

    def _params(self, input_shape: Shape) -> tuple[sp.Expr, sp.Expr]:
        if not self.affine:
            return ZERO, ZERO
        return self.num_features, self.num_features  # gamma (weight), beta (bias)


class BatchNorm1d(_BatchNormNd):
    """``torch.nn.BatchNorm1d`` on ``(c, l)`` inputs."""

    _dims = 1


class BatchNorm2d(_BatchNormNd):
    """``torch.nn.BatchNorm2d``; params are gamma and beta (running stats are buffers)."""

    _dims = 2


class BatchNorm3d(_BatchNormNd):
    """``torch.nn.BatchNorm3d``."""

    _dims = 3
