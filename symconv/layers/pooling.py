"""Max, average and adaptive average pooling, on the same window core as convolution.

Pooling loops, as PyTorch's kernels do, over the *real* input positions of
each window (padding is skipped): a max over ``m`` values takes ``m - 1``
comparisons, an average ``m - 1`` additions and one multiplication by
``1/divisor``.  With no padding and no ceil-mode overhang ``m`` is the
kernel area for every window.

Examples
--------
>>> from symconv import MaxPool2d, analyze
>>> r = analyze(MaxPool2d(2), (64, 256, 256))
>>> r.output_shape, r.comparisons
((64, 128, 128), 3145728)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape, fmt_args, must_hold, ntuple
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import Value, is_number
from symconv.validity import Reason, distinct
from symconv.window import named_latex, product, windows

IntArg: TypeAlias = Value | Sequence[Value]
ZERO = sp.Integer(0)


class _PoolNd(Layer):
    kind = "pool"
    _dims = 2
    _family = "pool_max"
    #: How a traced model called it (see symconv.counting.CALLED_AS); from_torch sets it.
    called_as: str = "module"

    def __init__(
        self,
        kernel_size: IntArg,
        stride: IntArg | None = None,
        padding: IntArg = 0,
        dilation: IntArg = 1,
        ceil_mode: bool = False,
    ) -> None:
        n = self._dims
        self.kernel_size = ntuple(kernel_size, n, "kernel_size")
        self.stride = self.kernel_size if stride is None else ntuple(stride, n, "stride")
        self.padding = ntuple(padding, n, "padding", minimum=0)
        self.dilation = ntuple(dilation, n, "dilation")
        self.ceil_mode = bool(ceil_mode)
        for p, k in zip(self.padding, self.kernel_size):
            must_hold(sp.Le(2 * p, k), f"padding {p} must be at most half the kernel size {k} "
                                       "(torch's rule)")
        self.windows = windows(
            self.kernel_size, self.stride, tuple((p, p) for p in self.padding), self.dilation,
            self.ceil_mode,
        )

    def extra_repr(self) -> str:
        return fmt_args(kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                        dilation=self.dilation, ceil_mode=self.ceil_mode)

    def _split(self, input_shape: Shape) -> tuple[sp.Expr, Shape]:
        if len(input_shape) != self._dims + 1:
            raise LayerError(
                f"{type(self).__name__} expects (channels, {self._dims} spatial sizes), "
                f"got {tuple(input_shape)}"
            )
        return input_shape[0], tuple(input_shape[1:])

    def output_shape(self, input_shape: Shape) -> Shape:
        c, spatial = self._split(input_shape)
        self._conditions(spatial)
        return (c, *(w.output_size(n) for w, n in zip(self.windows, spatial)))

    def _conditions(self, spatial: Shape) -> tuple[tuple[sp.Basic, ...], tuple[Reason | str, ...]]:
        """Symbolic conditions (the window fits the padded input) and their reasons."""
        kept: list[sp.Basic] = []
        reasons: list[Reason | str] = []
        for p, k in zip(self.padding, self.kernel_size):
            if not is_number(sp.Le(2 * p, k)):
                kept.append(sp.Le(2 * p, k))
                reasons.append(("padding {} must be at most half the kernel size {} (torch's rule)",
                                (p, k)))
        for axis, (w, n) in enumerate(zip(self.windows, spatial)):
            last = w.last_window_starts_inside(n)
            for cond in w.validity(n):
                reason: Reason = ("pooling window {} is larger than the padded input {} + 2*{} "
                                  "on spatial axis {}", (w.span, n, w.pad_left, axis))
                if cond == last:
                    reason = ("ceil mode: the last window would start at {}, in the right padding "
                              "(not before input {} + left padding {}), on spatial axis {}; torch "
                              "drops it", ((w.output_size(n) - 1) * w.stride, n, w.pad_left, axis))
                if must_hold(cond, reason) is not None:
                    kept.append(cond)
                    reasons.append(reason)
        return distinct(kept, reasons)

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        c, spatial = self._split(input_shape)
        out_shape = self.output_shape(input_shape)
        conditions, reasons = self._conditions(spatial)
        B = batch
        outputs = B * c * product(out_shape[1:])
        taps = B * c * product(w.real_taps(n) for w, n in zip(self.windows, spatial))
        # a window is non-empty when it is on every axis; an empty one does no work
        nonempty = B * c * product(w.nonempty_windows(n) for w, n in zip(self.windows, spatial))
        in_el = B * product(input_shape)
        mults, adds, comps, grad = self._ops(outputs, taps, nonempty, input_shape, out_shape)
        counts = OpCounts(self._family, ZERO, mults, adds, ZERO, in_el, outputs, batch=B,
                          spatial_dims=self._dims, called_as=self.called_as)
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=out_shape,
            batch=B, weight_params=ZERO, bias_params=ZERO, mults=mults, adds=adds, macs=ZERO,
            comparisons=comps, conventions=conventions(counts),
            memory=Memory(input=in_el, output=outputs, grad_input=in_el),
            backward=Backward(out_shape, grad),
            conditions=conditions, condition_reasons=reasons,
        )

    def _ops(self, outputs, taps, nonempty, input_shape, out_shape):
        raise NotImplementedError


class _MaxPoolNd(_PoolNd):
    def _ops(self, outputs, taps, nonempty, input_shape, out_shape):
        note = "each output gradient is routed to its window's arg-max (a copy, no arithmetic)"
        if not self._disjoint():
            note += ("; where overlapping windows share an arg-max their gradients are added: "
                     "data-dependent, not counted")
        grad = GradientCost(shape=input_shape, mults=ZERO, adds=ZERO, note=note)
        return ZERO, ZERO, taps - nonempty, grad

    def _disjoint(self) -> bool:
        """Windows never overlap when the stride is at least the dilated kernel."""
        for s, k, d in zip(self.stride, self.kernel_size, self.dilation):
            cond = sp.Ge(s, d * (k - 1) + 1)
            if not (is_number(cond) and bool(cond)):
                return False
        return True


class _AvgPoolNd(_PoolNd):
    _family = "pool_avg"

    def __init__(
        self,
        kernel_size: IntArg,
        stride: IntArg | None = None,
        padding: IntArg = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(kernel_size, stride, padding, 1, ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return fmt_args(kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                        ceil_mode=self.ceil_mode, count_include_pad=self.count_include_pad)

    def _ops(self, outputs, taps, nonempty, input_shape, out_shape):
        # Backward: each output gradient is scaled once by 1/divisor and written
        # to every real tap of its window; positions hit m times take m-1 adds.
        cover = product(
            w.scatter_coverage(o) for w, o in zip(self.windows, out_shape[1:])
        ) if all(p == 0 for p in self.padding) and not self.ceil_mode else None
        batch_c = outputs / product(out_shape[1:])
        grad_adds = taps - batch_c * cover if cover is not None else taps - outputs
        note = "dy / divisor spread over each window's real taps"
        if cover is None:
            note += "; with padding or ceil mode additions are bounded, not exact"
        grad = GradientCost(shape=input_shape, mults=outputs, adds=grad_adds, note=note)
        return outputs, taps - outputs, ZERO, grad


class MaxPool1d(_MaxPoolNd):
    """``torch.nn.MaxPool1d``; input ``(c, l)``."""

    _dims = 1


class MaxPool2d(_MaxPoolNd):
    """``torch.nn.MaxPool2d`` (stride defaults to the kernel size); input ``(c, h, w)``."""

    _dims = 2


class MaxPool3d(_MaxPoolNd):
    """``torch.nn.MaxPool3d``; input ``(c, d, h, w)``."""

    _dims = 3


class AvgPool1d(_AvgPoolNd):
    """``torch.nn.AvgPool1d``."""

    _dims = 1


class AvgPool2d(_AvgPoolNd):
    """``torch.nn.AvgPool2d`` (stride defaults to the kernel size).

    >>> from symconv import analyze
    >>> r = analyze(AvgPool2d(2), ("c", "h", "w"))
    >>> r.output_shape
    (c, floor(h/2), floor(w/2))
    """

    _dims = 2


class AvgPool3d(_AvgPoolNd):
    """``torch.nn.AvgPool3d``."""

    _dims = 3


class AdaptiveTaps(sp.Function):
    """Total window length of adaptive pooling of ``n`` positions into ``o`` windows.

    Window ``i`` spans ``floor(i*n/o)`` to ``ceil((i+1)*n/o)`` (torch's rule).

    >>> AdaptiveTaps(10, 3), AdaptiveTaps(sp.Symbol("n"), 1)
    (12, n)
    """

    nargs = 2

    @classmethod
    def eval(cls, n, o):  # type: ignore[override]
        if n.is_Integer and o.is_Integer:
            ni, oi = int(n), int(o)
            return sp.Integer(sum(-((-(i + 1) * ni) // oi) - (i * ni) // oi for i in range(oi)))
        if o == 1 or o == n:
            return n
        return None

    def _latex(self, printer, exp=None):
        return named_latex(r"adaptive\,taps", self.args, printer, exp)


class _AdaptiveAvgPoolNd(Layer):
    kind = "pool"
    _dims = 2
    #: How a traced model called it (see symconv.counting.CALLED_AS); from_torch sets it.
    called_as: str = "module"

    def __init__(self, output_size: IntArg) -> None:
        # torch allows None for "keep this axis' size"
        items = list(output_size) if isinstance(output_size, tuple | list) else [
            output_size] * self._dims
        if len(items) != self._dims:
            raise LayerError(f"output_size needs {self._dims} values, got {len(items)}")
        self.output_size = tuple(None if v is None else ntuple(v, 1, "output_size")[0]
                                 for v in items)

    def extra_repr(self) -> str:
        return fmt_args(output_size=self.output_size)

    def _sizes(self, input_shape: Shape) -> tuple[sp.Expr, ...]:
        return tuple(n if o is None else o for n, o in zip(input_shape[1:], self.output_size))

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != self._dims + 1:
            raise LayerError(f"{type(self).__name__} expects (channels, {self._dims} sizes)")
        return (input_shape[0], *self._sizes(input_shape))

    def _ops(self, outputs: sp.Expr, taps: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        """(mults, adds, comparisons): a sum of each window and one division."""
        return outputs, taps - outputs, ZERO

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        out_shape = self.output_shape(input_shape)
        c, spatial = input_shape[0], input_shape[1:]
        sizes = self._sizes(input_shape)
        outputs = batch * c * product(sizes)
        taps = batch * c * product(AdaptiveTaps(n, o) for n, o in zip(spatial, sizes))
        in_el = batch * product(input_shape)
        mults, adds, comps = self._ops(outputs, taps)
        family = "pool_max" if comps != 0 else "pool_adaptive"
        counts = OpCounts(family, ZERO, mults, adds, ZERO, in_el, outputs,
                          batch=batch, spatial_dims=self._dims, called_as=self.called_as)
        grad = GradientCost(shape=input_shape, mults=mults, adds=taps - in_el if mults != 0 else ZERO,
                            note="dy / window size spread over each window" if mults != 0 else
                            "each output gradient is routed to its window's arg-max")
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=out_shape,
            batch=batch, weight_params=ZERO, bias_params=ZERO, mults=mults,
            adds=adds, macs=ZERO, comparisons=comps, conventions=conventions(counts),
            memory=Memory(input=in_el, output=outputs, grad_input=in_el),
            backward=Backward(out_shape, grad),
        )


class _AdaptiveMaxPoolNd(_AdaptiveAvgPoolNd):
    def __init__(self, output_size: IntArg, return_indices: bool = False) -> None:
        if return_indices:
            raise LayerError("return_indices=True is not modelled")
        super().__init__(output_size)

    def _ops(self, outputs: sp.Expr, taps: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        return ZERO, ZERO, taps - outputs


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """``torch.nn.AdaptiveMaxPool1d``: ``m - 1`` comparisons per window of ``m``."""

    _dims = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """``torch.nn.AdaptiveMaxPool2d``: ``m - 1`` comparisons per window of ``m``."""

    _dims = 2


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """``torch.nn.AdaptiveAvgPool1d``."""

    _dims = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """``torch.nn.AdaptiveAvgPool2d``; ``(1, 1)`` is global average pooling.

    >>> from symconv import analyze
    >>> analyze(AdaptiveAvgPool2d(1), ("c", "h", "w")).adds
    c*h*w - c
    """

    _dims = 2
