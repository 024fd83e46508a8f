"""Convolution and transposed convolution, in 1, 2 and 3 spatial dimensions.

Counts are exact for the direct algorithm the brute-force oracle runs
(``symconv.oracles.bruteforce``):

* forward: each output starts from its first product and adds the others
  (``n`` products, ``n - 1`` additions), then adds the bias; products with
  zero padding are computed, as every framework and the usual formula do;
* transposed / grad_input: products are scattered into an uncropped buffer
  (the first write to a position is a copy, each later one an addition), the
  buffer is cropped by the padding, then the bias is added;
* grad_weight: each weight gradient sums ``batch x output positions`` products.

Examples
--------
>>> from symconv import Conv2d, analyze
>>> r = analyze(Conv2d(64, 128, 3, padding=1), (64, 256, 256))
>>> r.params, r.mults
(73856, 4831838208)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape, fmt_args, must_hold, ntuple, size
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import Value, is_number, to_expr
from symconv.validity import Reason, distinct
from symconv.window import product, windows

IntArg: TypeAlias = Value | Sequence[Value]


def _padding(padding: IntArg | str, kernel: tuple, dilation: tuple, stride: tuple, n: int):
    """Per-axis (left, right) padding, resolving torch's ``"same"``/``"valid"``."""
    if padding == "valid":
        return tuple((sp.Integer(0), sp.Integer(0)) for _ in range(n))
    if padding == "same":
        if any(s != 1 for s in stride):
            raise LayerError("padding='same' is not supported for strided convolutions (as in torch)")
        # torch pads d*(k-1) in total, the odd one on the right.
        out = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            left = sp.floor(total / 2)
            out.append((left, total - left))
        return tuple(out)
    if isinstance(padding, str) and padding not in ("same", "valid"):
        try:
            to_expr(padding)
        except ValueError:
            raise LayerError(
                f"padding must be an integer, a symbol name, 'same' or 'valid', not {padding!r}"
            ) from None
    pads = ntuple(padding, n, "padding", minimum=0)
    return tuple((p, p) for p in pads)


class _ConvNd(Layer):
    kind = "conv"
    _dims = 2

    def __init__(
        self,
        in_channels: Value,
        out_channels: Value,
        kernel_size: IntArg,
        stride: IntArg = 1,
        padding: IntArg | str = 0,
        dilation: IntArg = 1,
        groups: Value = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
    ) -> None:
        n = self._dims
        self.in_channels = size(in_channels, "in_channels")
        self.out_channels = size(out_channels, "out_channels")
        self.kernel_size = ntuple(kernel_size, n, "kernel_size")
        self.stride = ntuple(stride, n, "stride")
        self.dilation = ntuple(dilation, n, "dilation")
        self.groups = size(groups, "groups")
        self.bias = bool(bias)
        if padding_mode != "zeros":
            raise LayerError(f"padding_mode={padding_mode!r}: only 'zeros' is modelled")
        self.padding_mode = padding_mode
        self.padding_spec = padding
        self.padding = _padding(padding, self.kernel_size, self.dilation, self.stride, n)
        for what, channels in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            must_hold(sp.Eq(sp.Mod(channels, self.groups), 0),
                      f"groups={self.groups} does not divide {what}={channels}")
        self.windows = windows(self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        args = fmt_args(kernel_size=self.kernel_size, stride=self.stride)
        pads = self.padding_spec if isinstance(self.padding_spec, str) else tuple(
            p for p, _ in self.padding
        )
        extra = fmt_args(padding=pads, dilation=self.dilation, groups=self.groups)
        return f"{self.in_channels}, {self.out_channels}, {args}, {extra}, bias={self.bias}"

    # -- geometry ----------------------------------------------------------
    def _split(self, input_shape: Shape) -> tuple[sp.Expr, Shape]:
        if len(input_shape) != self._dims + 1:
            raise LayerError(
                f"{type(self).__name__} expects an input (channels, {self._dims} spatial sizes), "
                f"got {tuple(input_shape)}"
            )
        c, *spatial = input_shape
        if is_number(c - self.in_channels) and c != self.in_channels:
            raise LayerError(
                f"{type(self).__name__} has in_channels={self.in_channels} "
                f"but the input has {c} channels"
            )
        return c, tuple(spatial)

    def output_shape(self, input_shape: Shape) -> Shape:
        _, spatial = self._split(input_shape)
        self._check_fits(spatial)
        return (self.out_channels, *(w.output_size(n) for w, n in zip(self.windows, spatial)))

    def _check_fits(self, spatial: Shape) -> list[tuple[sp.Basic, Reason]]:
        kept = []
        for axis, (w, n) in enumerate(zip(self.windows, spatial)):
            for cond in w.validity(n):
                reason = (  # formatted only when it is raised: this runs for every layer of a net
                    "kernel extent {} is larger than the padded input {} + {} + {} on spatial axis {}",
                    (w.span, n, w.pad_left, w.pad_right, axis),
                )
                left = must_hold(cond, reason)
                if left is not None:
                    kept.append((left, reason))
        return kept

    def _conditions(self, c_in: sp.Expr,
                    spatial: Shape) -> tuple[tuple[sp.Basic, ...], tuple[Reason | str, ...]]:
        """The symbolic conditions of this layer on this input, and their reasons."""
        conds = self._check_fits(spatial)
        if not is_number(c_in - self.in_channels):
            conds.append((sp.Eq(c_in, self.in_channels),
                          (type(self).__name__ + " has in_channels={} but the input has {} channels",
                           (self.in_channels, c_in))))
        for what, channels in (("in_channels", self.in_channels),
                               ("out_channels", self.out_channels)):
            if not is_number(channels / self.groups) and self.groups != 1:
                conds.append((sp.Eq(sp.Mod(channels, self.groups), 0),
                              ("groups={} does not divide " + what + "={}",
                               (self.groups, channels))))
        return distinct([c for c, _ in conds], [r for _, r in conds])

    # -- report ------------------------------------------------------------
    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        c_in, spatial = self._split(input_shape)
        out_shape = self.output_shape(input_shape)
        conditions, reasons = self._conditions(c_in, spatial)
        B, g = batch, self.groups
        c_o = self.out_channels
        K = product(self.kernel_size)
        positions = product(out_shape[1:])
        per_output = self.in_channels / g * K  # products summed into one output
        weight = c_o * per_output
        bias = c_o if self.bias else sp.Integer(0)
        macs = B * c_o * positions * per_output
        bias_adds = B * c_o * positions if self.bias else sp.Integer(0)
        # n products need n - 1 additions; the bias is one more per output.
        adds = B * c_o * positions * (per_output - 1 + (1 if self.bias else 0))
        in_el = B * product(input_shape)
        out_el = B * product(out_shape)

        # grad_input: scatter of grad_output through the kernel (a transposed conv).
        cover = product(w.scatter_coverage(o) for w, o in zip(self.windows, out_shape[1:]))
        grad_in = GradientCost(
            shape=input_shape,
            mults=macs,
            adds=macs - B * self.in_channels * cover,
            note="scatter of grad_output through the kernel into the padded input, then cropped",
        )
        grad_w = GradientCost(
            shape=(c_o, self.in_channels / g, *self.kernel_size),
            mults=macs,
            adds=weight * (B * positions - 1),
            note="each weight gradient sums batch x output positions products",
        )
        grad_b = (
            GradientCost(shape=(c_o,), mults=sp.Integer(0), adds=c_o * (B * positions - 1))
            if self.bias else None
        )
        counts = OpCounts("conv", macs, macs, adds, bias_adds, in_el, out_el,
                          batch=B, params=weight + bias, groups=g)
        convs = conventions(counts)
        return LayerReport(
            layer=repr(self),
            kind=self.kind,
            input_shape=input_shape,
            output_shape=out_shape,
            batch=B,
            weight_params=weight,
            bias_params=bias,
            mults=macs,
            adds=adds,
            macs=macs,
            conventions=convs,
            memory=Memory(
                input=in_el, output=out_el, weight=weight, bias=bias,
                grad_input=in_el, grad_weight=weight, grad_bias=bias,
            ),
            backward=Backward(out_shape, grad_in, grad_w, grad_b),
            conditions=conditions, condition_reasons=reasons,
        )


class Conv1d(_ConvNd):
    """1-d convolution, ``torch.nn.Conv1d`` arguments; input ``(c_i, l)``."""

    _dims = 1


class Conv2d(_ConvNd):
    """2-d convolution, ``torch.nn.Conv2d`` arguments; input ``(c_i, h, w)``.

    >>> from symconv import analyze
    >>> analyze(Conv2d(10, 10, 6, stride=2, padding=1), (10, 64, 64)).output_shape
    (10, 31, 31)
    """

    _dims = 2


class Conv3d(_ConvNd):
    """3-d convolution, ``torch.nn.Conv3d`` arguments; input ``(c_i, d, h, w)``."""

    _dims = 3


class _ConvTransposeNd(_ConvNd):
    kind = "conv_transpose"

    def __init__(
        self,
        in_channels: Value,
        out_channels: Value,
        kernel_size: IntArg,
        stride: IntArg = 1,
        padding: IntArg = 0,
        output_padding: IntArg = 0,
        groups: Value = 1,
        bias: bool = True,
        dilation: IntArg = 1,
        padding_mode: str = "zeros",
    ) -> None:
        if padding in ("same", "valid"):
            raise LayerError(f"transposed convolutions take integer padding, not {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode)
        self.output_padding: tuple[sp.Expr, ...] = ntuple(
            output_padding, self._dims, "output_padding", minimum=0)
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            must_hold(sp.Lt(op, sp.Max(s, d)),
                      f"output_padding {op} must be smaller than stride or dilation (torch's rule)")

    def extra_repr(self) -> str:
        return super().extra_repr() + ", " + fmt_args(output_padding=self.output_padding)

    def _sizes(self, spatial: Shape) -> tuple[sp.Expr, ...]:
        return tuple(
            w.transposed_output_size(n, op)
            for w, n, op in zip(self.windows, spatial, self.output_padding)
        )

    def _check_fits(self, spatial: Shape) -> list[tuple[sp.Basic, Reason]]:
        # A scatter fits any input; what can fail is an output size below 1 (padding crops it all)
        # and torch's rule on output_padding.
        kept: list[tuple[sp.Basic, Reason]] = []
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            rule = sp.Lt(op, sp.Max(s, d))
            if not is_number(rule) and rule is not sp.true:
                kept.append((rule, ("output_padding {} must be smaller than stride {} or "
                                    "dilation {} (torch's rule)", (op, s, d))))
        for axis, out in enumerate(self._sizes(spatial)):
            reason = ("transposed output size {} < 1 on spatial axis {}", (out, axis))
            left = must_hold(sp.Ge(out, 1), reason)
            if left is not None:
                kept.append((left, reason))
        return kept

    def output_shape(self, input_shape: Shape) -> Shape:
        _, spatial = self._split(input_shape)
        self._check_fits(spatial)
        return (self.out_channels, *self._sizes(spatial))

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        c_in, spatial = self._split(input_shape)
        out_shape = self.output_shape(input_shape)
        conditions, reasons = self._conditions(c_in, spatial)
        B, g = batch, self.groups
        K = product(self.kernel_size)
        in_positions = product(spatial)
        out_positions = product(out_shape[1:])
        per_input = self.out_channels / g * K  # products one input element scatters
        weight = self.in_channels * per_input
        bias = self.out_channels if self.bias else sp.Integer(0)
        macs = B * self.in_channels * in_positions * per_input
        cover = product(w.scatter_coverage(n) for w, n in zip(self.windows, spatial))
        bias_adds = B * self.out_channels * out_positions if self.bias else sp.Integer(0)
        adds = macs - B * self.out_channels * cover + bias_adds
        in_el = B * product(input_shape)
        out_el = B * product(out_shape)
        # Backward of a transposed conv is a direct conv: grad_input gathers.
        grad_in = GradientCost(
            shape=input_shape, mults=macs,
            adds=B * self.in_channels * in_positions * (per_input - 1),
            note="a direct convolution of grad_output (the padded output buffer)",
        )
        grad_w = GradientCost(
            shape=(self.in_channels, self.out_channels / g, *self.kernel_size),
            mults=macs, adds=weight * (B * in_positions - 1),
        )
        grad_b = (GradientCost((self.out_channels,), sp.Integer(0),
                               self.out_channels * (B * out_positions - 1))
                  if self.bias else None)
        # thop and torchinfo count a transposed conv per *output* position, with the
        # direct form's fan-in (in_channels/groups x kernel volume).
        counts = OpCounts("conv", macs, macs, adds, bias_adds, in_el, out_el, batch=B,
                          params=weight + bias, fan_in=self.in_channels / g * K, groups=g)
        convs = conventions(counts)
        return LayerReport(
            layer=repr(self), kind=self.kind, input_shape=input_shape, output_shape=out_shape,
            batch=B, weight_params=weight, bias_params=bias, mults=macs, adds=adds, macs=macs,
            conventions=convs,
            memory=Memory(input=in_el, output=out_el, weight=weight, bias=bias,
                          grad_input=in_el, grad_weight=weight, grad_bias=bias),
            backward=Backward(out_shape, grad_in, grad_w, grad_b),
            conditions=conditions, condition_reasons=reasons,
            notes=("additions: scatter into the uncropped buffer (first write is a copy), "
                   "crop, then add the bias",),
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution, ``torch.nn.ConvTranspose1d`` arguments."""

    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution, ``torch.nn.ConvTranspose2d`` arguments.

    >>> from symconv import analyze
    >>> analyze(ConvTranspose2d(1, 1, 2), (1, 2, 2)).output_shape
    (1, 3, 3)
    """

    _dims = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution, ``torch.nn.ConvTranspose3d`` arguments."""

    _dims = 3


__all__ = [
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
]
