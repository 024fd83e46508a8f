"""Multi-head self-attention (``torch.nn.MultiheadAttention``), counted step by step.

An attention layer is a fixed sequence of simpler steps; :class:`Work` adds
their counts, and :func:`attention_report` turns the sum into a report whose
notes list each step.  For ``L`` tokens of width ``E``, ``h`` heads of width
``d = E/h``, self-attention computes

1. the input projection: a linear map ``E -> 3E`` of every token;
2. the scores ``Q K^T``: ``h L^2`` outputs summing ``d`` products;
3. their scaling by ``1/sqrt(d)``: ``h L^2`` multiplications;
4. a softmax over each of the ``h L`` rows of ``L`` scores
   (:class:`~symconv.layers.reduce.Softmax`'s count);
5. the weighted sum ``A V``: ``L E`` outputs summing ``L`` products;
6. the output projection, a linear map ``E -> E``;

MACs ``4 L E^2 + 2 L^2 E`` per sample, which FlopCounterMode counts (two
linear maps and scaled-dot-product attention) as 2 per MAC.  With
``need_weights=True`` torch also averages the heads' attention weights.

Examples
--------
>>> import sympy as sp
>>> r = MultiheadAttention(768, 12, batch_first=True).analyze((sp.Integer(197), sp.Integer(768)),
...                                                           sp.Integer(1))
>>> r.params, r.macs == 4 * 197 * 768**2 + 2 * 197**2 * 768
(2362368, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape, fmt_args
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import Value, is_number, to_expr
from symconv.window import product

ZERO = sp.Integer(0)


@dataclass
class Work:
    """Counts of a sequence of steps, with the steps' names for the report's notes."""

    mults: sp.Expr = ZERO
    adds: sp.Expr = ZERO
    comparisons: sp.Expr = ZERO
    evaluations: sp.Expr = ZERO
    macs: sp.Expr = ZERO
    steps: list[str] = field(default_factory=list)

    def step(self, name: str, mults: Any = ZERO, adds: Any = ZERO, comparisons: Any = ZERO,
             evaluations: Any = ZERO, macs: Any = ZERO) -> None:
        self.mults += mults
        self.adds += adds
        self.comparisons += comparisons
        self.evaluations += evaluations
        self.macs += macs
        self.steps.append(name)

    def linear(self, name: str, rows: sp.Expr, n_in: sp.Expr, n_out: sp.Expr, bias: bool) -> None:
        """``rows`` vectors through a linear map ``n_in -> n_out``."""
        macs = rows * n_in * n_out
        self.step(name, macs, rows * n_out * (n_in - 1) + (rows * n_out if bias else ZERO),
                  macs=macs)

    def product(self, name: str, outputs: sp.Expr, k: sp.Expr) -> None:
        """``outputs`` sums of ``k`` products (a matrix product)."""
        self.step(name, outputs * k, outputs * (k - 1), macs=outputs * k)

    def softmax(self, name: str, rows: sp.Expr, m: sp.Expr) -> None:
        """Softmax of ``rows`` rows of ``m`` (maximum subtracted first, as torch does)."""
        el = rows * m
        self.step(name, el, el + rows * (m - 1), rows * (m - 1), el)

    def normalize(self, name: str, vectors: sp.Expr, d: sp.Expr) -> None:
        """``F.normalize``: ``x / max(||x||, eps)`` of ``vectors`` vectors of ``d``."""
        self.step(name, vectors * 2 * d, vectors * (d - 1), vectors, vectors)


def attention_report(layer: Layer, input_shape: Shape, output_shape: Shape, batch: sp.Expr,
                     work: Work, weight: sp.Expr, bias: sp.Expr, note: str) -> LayerReport:
    in_el, out_el = batch * product(input_shape), batch * product(output_shape)
    counts = OpCounts("attention", work.macs, work.mults, work.adds, ZERO, in_el, out_el,
                      batch=batch, params=weight + bias)
    return LayerReport(
        layer=repr(layer), kind="attention", input_shape=input_shape, output_shape=output_shape,
        batch=batch, weight_params=weight, bias_params=bias, mults=work.mults, adds=work.adds,
        macs=work.macs, comparisons=work.comparisons, evaluations=work.evaluations,
        conventions=conventions(counts),
        memory=Memory(input=in_el, output=out_el, weight=weight, bias=bias, grad_input=in_el,
                      grad_weight=weight, grad_bias=bias),
        backward=Backward(output_shape, GradientCost(input_shape, 2 * work.macs, 2 * work.macs,
                                                     "about twice the forward's products")),
        notes=(note, "steps: " + "; ".join(work.steps)),
    )


class MultiheadAttention(Layer):
    """``torch.nn.MultiheadAttention`` used as self-attention on a ``(L, E)`` sample.

    Only ``query is key is value`` is modelled (ViT's encoder blocks), without
    ``add_bias_kv``/``add_zero_attn`` and with ``kdim = vdim = embed_dim``.
    ``need_weights`` (a call argument in torch, default True) adds the average
    of the heads' attention weights; from_torch sets it from the call.
    """

    kind = "attention"

    def __init__(self, embed_dim: Value, num_heads: Value, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: Value | None = None, vdim: Value | None = None,
                 batch_first: bool = False) -> None:
        self.embed_dim = to_expr(embed_dim, "embed_dim")
        self.num_heads = to_expr(num_heads, "num_heads")
        self.dropout, self.bias, self.batch_first = dropout, bool(bias), bool(batch_first)
        if add_bias_kv or add_zero_attn:
            raise LayerError("MultiheadAttention with add_bias_kv or add_zero_attn is not modelled")
        for what, dim in (("kdim", kdim), ("vdim", vdim)):
            if dim is not None and dim != embed_dim:
                raise LayerError(f"MultiheadAttention with {what} != embed_dim is not modelled")
        cond = sp.Eq(sp.Mod(self.embed_dim, self.num_heads), 0)
        if is_number(cond) and not bool(cond):
            raise LayerError(f"embed_dim {self.embed_dim} is not divisible by num_heads "
                             f"{self.num_heads}")
        self.need_weights = True
        self.average_attn_weights = True

    def extra_repr(self) -> str:
        return fmt_args(embed_dim=self.embed_dim, num_heads=self.num_heads, bias=self.bias)

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 2:
            raise LayerError(f"MultiheadAttention expects (tokens, embed_dim) per sample, got "
                             f"{tuple(input_shape)}")
        e = input_shape[1]
        if is_number(e - self.embed_dim) and e != self.embed_dim:
            raise LayerError(f"MultiheadAttention({self.embed_dim}) got width {e}")
        return tuple(input_shape)

    def weights_shape(self, input_shape: Shape) -> Shape:
        """Shape of the attention weights returned with ``need_weights=True``."""
        tokens = input_shape[0]
        return (tokens, tokens) if self.average_attn_weights else (self.num_heads, tokens, tokens)

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        out = self.output_shape(input_shape)
        L, E, h = input_shape[0], self.embed_dim, self.num_heads
        d = E / h
        B = batch
        work = Work()
        work.linear("input projection to q, k, v", B * L, E, 3 * E, self.bias)
        work.product("scores Q K^T", B * h * L * L, d)
        work.step("scaling by 1/sqrt(d)", B * h * L * L)
        work.softmax("softmax over keys", B * h * L, L)
        work.product("weighted sum A V", B * L * E, L)
        work.linear("output projection", B * L, E, E, self.bias)
        if self.need_weights and self.average_attn_weights:
            work.step("average of the heads' weights", B * L * L, B * L * L * (h - 1))
        weight = 4 * E * E
        bias = 4 * E if self.bias else ZERO
        return attention_report(self, input_shape, out, batch, work, weight, bias,
                                "self-attention; dropout is the identity in evaluation mode")


__all__ = ["Work", "MultiheadAttention", "attention_report"]
