"""Resampling and padding: ``Upsample``/``F.interpolate``, ``F.pad``, ``ChannelShuffle``.

Counts (index arithmetic is not counted, as nowhere in symconv):

* ``nearest``: a copy, no arithmetic;
* ``linear``, ``bilinear``, ``trilinear``: each output blends the ``2^k``
  nearest inputs of its ``k`` spatial axes with ``2^k - 1`` linear
  interpolations ``a + t*(b - a)``: one multiplication and two additions each;
* ``bicubic``: per output, four 4-tap interpolations along ``w`` and one along
  ``h``, each 4 multiplications and 3 additions (weights precomputed);
* padding and channel shuffle: copies.

Examples
--------
>>> import sympy as sp
>>> h, w = sp.symbols("h w", positive=True, integer=True)
>>> up = Upsample(scale_factor=2, mode="bilinear")
>>> up.output_shape((sp.Integer(8), h, w))
(8, 2*h, 2*w)
>>> up.analyze((sp.Integer(8), sp.Integer(4), sp.Integer(4)), sp.Integer(1)).flops
4608
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape, fmt_args
from symconv.layers.shape import _Rearrange
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import is_number, to_expr
from symconv.window import product

ZERO = sp.Integer(0)
#: (mults, adds) per output element and spatial rank for each interpolation mode.
_MODES = {"nearest": lambda k: (0, 0), "nearest-exact": lambda k: (0, 0),
          "linear": lambda k: (2**k - 1, 2 * (2**k - 1)),
          "bilinear": lambda k: (2**k - 1, 2 * (2**k - 1)),
          "trilinear": lambda k: (2**k - 1, 2 * (2**k - 1)),
          "bicubic": lambda k: (20, 15)}


def _exact(value: Any) -> sp.Expr:
    if isinstance(value, float):
        return sp.Rational(value)  # the double's exact value, as torch multiplies with it
    return to_expr(value, "scale_factor")


class Upsample(Layer):
    """``torch.nn.Upsample`` / ``F.interpolate`` on ``(c, *spatial)`` samples."""

    kind = "upsample"
    called_as: str = "module"

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None
                 ) -> None:
        if (size is None) == (scale_factor is None):
            raise LayerError("give exactly one of size and scale_factor")
        if mode not in _MODES:
            raise LayerError(f"interpolation mode {mode!r} is not modelled ({', '.join(_MODES)})")
        self.size = None if size is None else (
            tuple(to_expr(s, "size") for s in size) if isinstance(size, tuple | list)
            else to_expr(size, "size"))
        self.scale_factor = None if scale_factor is None else (
            tuple(_exact(s) for s in scale_factor) if isinstance(scale_factor, tuple | list)
            else _exact(scale_factor))
        self.mode, self.align_corners = mode, align_corners

    def extra_repr(self) -> str:
        what = {"size": self.size} if self.size is not None else {"scale_factor": self.scale_factor}
        return fmt_args(**what, mode=self.mode)

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) < 2:
            raise LayerError("Upsample expects (channels, spatial sizes...)")
        spatial = input_shape[1:]
        k = len(spatial)
        if self.size is not None:
            sizes = self.size if isinstance(self.size, tuple) else (self.size,) * k
        else:
            factors = (self.scale_factor if isinstance(self.scale_factor, tuple)
                       else (self.scale_factor,) * k)
            sizes = tuple(sp.floor(n * f) for n, f in zip(spatial, factors))
        if len(sizes) != k:
            raise LayerError(f"{len(sizes)} sizes for {k} spatial axes")
        return (input_shape[0], *sizes)

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        out = self.output_shape(input_shape)
        k = len(input_shape) - 1
        per_m, per_a = _MODES[self.mode](k)
        el_in, el_out = batch * product(input_shape), batch * product(out)
        mults, adds = el_out * per_m, el_out * per_a
        counts = OpCounts("upsample", ZERO, mults, adds, ZERO, el_in, el_out, batch=batch,
                          called_as=self.called_as)
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=out,
            batch=batch, weight_params=ZERO, bias_params=ZERO, mults=mults, adds=adds, macs=ZERO,
            conventions=conventions(counts),
            memory=Memory(input=el_in, output=el_out, grad_input=el_in),
            backward=Backward(out, GradientCost(input_shape, mults, adds,
                                                "the interpolation weights scatter dy back")),
        )


class Pad(_Rearrange):
    """``F.pad(x, pad, mode="constant")``: ``pad`` lists (left, right) from the last axis back."""

    copies = True

    def __init__(self, pad: Sequence[Any], mode: str = "constant", value: float | None = None
                 ) -> None:
        if len(pad) % 2:
            raise LayerError("pad needs (left, right) pairs")
        if mode != "constant":
            raise LayerError(f"padding mode {mode!r} is not modelled (constant only)")
        self.pad = tuple(sp.sympify(p) for p in pad)
        self.mode, self.value = mode, value

    def extra_repr(self) -> str:
        return f"pad={list(self.pad)}"

    def output_shape(self, input_shape: Shape) -> Shape:
        k = len(self.pad) // 2
        if k > len(input_shape):
            raise LayerError(f"padding {k} axes of a tensor of {len(input_shape)} per sample")
        out = list(input_shape)
        for i in range(k):
            axis = len(out) - 1 - i
            out[axis] = out[axis] + self.pad[2 * i] + self.pad[2 * i + 1]
            if is_number(out[axis]) and out[axis] < 1:
                raise LayerError("padding makes an axis empty")
        return tuple(out)


class ChannelShuffle(_Rearrange):
    """``torch.nn.ChannelShuffle(groups)``: channels reordered, a copy."""

    copies = True

    def __init__(self, groups: Any) -> None:
        self.groups = to_expr(groups, "groups")

    def extra_repr(self) -> str:
        return f"groups={self.groups}"

    def output_shape(self, input_shape: Shape) -> Shape:
        c = input_shape[0]
        if is_number(c) and sp.Mod(c, self.groups) != 0:
            raise LayerError(f"groups={self.groups} does not divide {c} channels")
        return tuple(input_shape)

    def routes(self, input_shape: Shape) -> Any:
        return tuple(range(len(input_shape))), (0,)


__all__ = ["Upsample", "Pad", "ChannelShuffle"]
