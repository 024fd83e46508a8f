"""The Swin Transformer's own operations (torchvision's ``swin_transformer`` helpers).

torchvision wraps three functions with ``torch.fx.wrap``, so a traced Swin
calls them as single nodes; symconv models each:

* :class:`ShiftedWindowAttention` -- ``shifted_window_attention``: windowed
  multi-head self-attention with a relative position bias, on a channels-last
  ``(H, W, C)`` sample.  The map is padded to multiples of the window, rolled
  when the windows are shifted (then an attention mask is added), attended
  window by window, and cropped back;
* :class:`RelativePositionBias` -- ``_get_relative_position_bias``: the bias
  table read with its index buffer, a ``(1, heads, N, N)`` copy;
* :class:`PatchMergingPad` -- ``_patch_merging_pad``: each 2x2 patch's four
  ``C``-vectors side by side, ``(ceil(H/2), ceil(W/2), 4C)``, a copy.

Counts of the attention, for ``P = Hp*Wp`` padded positions, windows of
``N = ws_h*ws_w`` tokens and ``nW = P/N`` windows, ``h`` heads of ``d = C/h``:
the qkv map ``P*C*3C`` MACs, the scores and the weighted sum ``nW*h*N^2*d``
MACs each, the output map ``P*C^2`` MACs; the query scaling ``P*C``
multiplications (Swin V2 instead normalises queries and keys and scales the
scores by ``exp(min(logit_scale, log 100))``); the bias (and, when shifted,
the mask) ``nW*h*N^2`` additions; a softmax over each window row.

Examples
--------
>>> import sympy as sp
>>> a = ShiftedWindowAttention(96, (7, 7), (0, 0), 3)
>>> r = a.analyze((sp.Integer(56), sp.Integer(56), sp.Integer(96)), sp.Integer(1))
>>> r.macs == 56 * 56 * (4 * 96**2 + 2 * 49 * 96), r.params
(True, 37248)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from symconv.layers.attention import Work, attention_report
from symconv.layers.base import Layer, LayerError, as_shape, fmt_args
from symconv.layers.shape import _Rearrange
from symconv.report import LayerReport, Shape
from symconv.symbols import is_number, to_expr

ZERO = sp.Integer(0)


def _pair(value: Any, what: str) -> tuple[sp.Expr, sp.Expr]:
    items = list(value) if isinstance(value, tuple | list) else [value, value]
    if len(items) != 2:
        raise LayerError(f"{what} needs two values, got {items}")
    return to_expr(items[0], what), to_expr(items[1], what)


class ShiftedWindowAttention(Layer):
    """torchvision's ``shifted_window_attention`` on an ``(H, W, C)`` sample.

    ``cosine=True`` is Swin V2's scaled cosine attention (``logit_scale`` given).
    The relative position bias is an input computed by other rows.
    """

    kind = "attention"

    def __init__(self, dim: Any, window_size: Sequence[Any], shift_size: Sequence[Any],
                 num_heads: Any, qkv_bias: bool = True, proj_bias: bool = True,
                 cosine: bool = False) -> None:
        self.dim = to_expr(dim, "dim")
        self.window_size = _pair(window_size, "window_size")
        self.shift_size = _pair(shift_size, "shift_size")
        self.num_heads = to_expr(num_heads, "num_heads")
        self.qkv_bias, self.proj_bias, self.cosine = bool(qkv_bias), bool(proj_bias), bool(cosine)

    def extra_repr(self) -> str:
        return fmt_args(dim=self.dim, window_size=self.window_size, shift_size=self.shift_size,
                        num_heads=self.num_heads)

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise LayerError(f"shifted window attention expects (H, W, C), got {tuple(input_shape)}")
        c = input_shape[2]
        if is_number(c - self.dim) and c != self.dim:
            raise LayerError(f"shifted window attention of width {self.dim} got {c} channels")
        return tuple(input_shape)

    def shifted(self, height: sp.Expr, width: sp.Expr) -> sp.Basic:
        """Whether the windows are shifted (and masked): torch stops shifting along an axis
        whose padded size is one window."""
        parts = [sp.Gt(n, ws) for n, ws, s in zip((height, width), self.window_size,
                                                   self.shift_size) if s != 0]
        return sp.Or(*parts) if parts else sp.false

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        out = self.output_shape(input_shape)
        H, W, C = input_shape
        (wh, ww), h, B = self.window_size, self.num_heads, batch
        Hp, Wp = wh * sp.ceiling(H / wh), ww * sp.ceiling(W / ww)
        P, N = Hp * Wp, wh * ww
        nW = P / N
        d = C / h
        scores = B * nW * h * N * N
        work = Work()
        work.linear("qkv projection of the padded map", B * P, C, 3 * C, self.qkv_bias)
        if self.cosine:
            work.normalize("queries normalised", B * P * h, d)
            work.normalize("keys normalised", B * P * h, d)
            work.step("logit scale clamped and exponentiated (once per forward)",
                      comparisons=h, evaluations=h)
        else:
            work.step("queries scaled by 1/sqrt(d)", B * P * C)
        work.product("scores Q K^T per window", scores, d)
        if self.cosine:
            work.step("scores scaled by the logit scale", scores)
        work.step("relative position bias added", adds=scores)
        shifted = self.shifted(H, W)
        if shifted is not sp.false:
            mask = scores if shifted is sp.true else sp.Piecewise((scores, shifted), (0, True))
            work.step("attention mask of the shifted windows added", adds=mask)
        work.softmax("softmax over each window's keys", B * nW * h * N, N)
        work.product("weighted sum A V", B * P * C, N)
        work.linear("output projection", B * P, C, C, self.proj_bias)
        weight = 4 * C * C + (h if self.cosine else ZERO)
        bias = (3 * C if self.qkv_bias else ZERO) + (C if self.proj_bias else ZERO)
        return attention_report(
            self, input_shape, out, batch, work, weight, bias,
            "padded to whole windows, rolled when shifted, cropped back (copies, no arithmetic)")


class RelativePositionBias(_Rearrange):
    """``_get_relative_position_bias``: a ``(T, heads)`` table read for every pair of a
    window's ``N`` tokens, as a ``(1, heads, N, N)`` copy."""

    copies = True

    def __init__(self, window_size: Sequence[Any]) -> None:
        self.window_size = _pair(window_size, "window_size")

    def extra_repr(self) -> str:
        return fmt_args(window_size=self.window_size)

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 2:
            raise LayerError(f"a relative position bias table is (entries, heads), got {input_shape}")
        n = self.window_size[0] * self.window_size[1]
        return (sp.Integer(1), input_shape[1], n, n)


class PatchMergingPad(_Rearrange):
    """``_patch_merging_pad``: pad ``(H, W, C)`` to even sizes and put each 2x2 patch's
    four vectors side by side: ``(ceil(H/2), ceil(W/2), 4C)``, a copy."""

    copies = True

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise LayerError(f"patch merging expects (H, W, C), got {tuple(input_shape)}")
        H, W, C = input_shape
        return (sp.ceiling(H / 2), sp.ceiling(W / 2), 4 * C)


__all__ = ["ShiftedWindowAttention", "RelativePositionBias", "PatchMergingPad"]
