"""Backward formulas of max and average pooling, derived like the convolution's.

* Max pooling: with ``a[b,c,o]`` the arg-max tap of window ``o`` (a definition:
  the tap whose real input is largest), ``y[b,c,o] = x[b, c, o*s + a*d - p]``.
  Differentiating gives ``dx[b,c,i] = sum_o dy[b,c,o] * [i = o*s + a[b,c,o]*d - p]``:
  each output gradient is routed to its window's arg-max (and added where
  overlapping windows share one).  The delta cannot be summed away: where it
  fires depends on the data.  A window lying wholly on padding (possible with
  dilation) has maximum -inf, as in torch; its arg-max tap reads padding, so
  it passes no gradient (torch's gradient there is not defined).
* Average pooling (``count_include_pad=True``, floor mode): ``y = (1/K) sum_t x``
  with ``K`` the window size, so ``dx[b,c,i] = (1/K) sum_t dy[b,c,(i + p - t)/s]``:
  the output *gradient* ``dy`` spread evenly, ``dy/k^2`` for a square ``k x k``
  window with stride ``k`` (not the output ``y/k^2``).

Examples
--------
>>> from symconv import AvgPool2d
>>> pb = pool_backward(AvgPool2d(2), (1, 4, 4))
>>> pb.grad_input.rhs
Sum(dy[b, c, i_h/2 - t_h/2, i_w/2 - t_w/2]/4, (t_h, 0, 1), (t_w, 0, 1))
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.backward import DY, LOSS, BackwardDisplay, X, partial, spatial_indices
from symconv.calculus.evaluate import evaluate
from symconv.calculus.indexing import index, primed, resolve_deltas
from symconv.layers.base import as_shape
from symconv.layers.pooling import _AvgPoolNd, _MaxPoolNd
from symconv.window import product

_ARGMAX_NAMES = {1: ("a",), 2: ("a_h", "a_w"), 3: ("a_d", "a_h", "a_w")}


@dataclass(frozen=True, repr=False)  # the formulas are its repr (BackwardDisplay)
class PoolBackward(BackwardDisplay):
    """Derived forward and backward index formulas of a pooling layer."""

    layer: Any
    input_shape: tuple[sp.Expr, ...]
    kind: str
    forward: sp.Eq
    chain_input: sp.Eq
    grad_input: sp.Eq
    definitions: tuple[Any, ...] = ()
    shapes: Mapping[str, tuple[sp.Expr, ...]] = field(default_factory=dict)
    free: Mapping[str, tuple[sp.Symbol, ...]] = field(default_factory=dict)

    def argmax(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Arg-max tap per window and axis (real inputs only; the first maximum wins)."""
        L = self.layer
        dims = x.ndim - 2
        out = [int(v) for v in L.output_shape(tuple(x.shape[1:]))[1:]]
        best = np.full(x.shape[:2] + tuple(out), -np.inf)
        arg = np.zeros((dims,) + best.shape, dtype=np.int64)
        grids = np.meshgrid(*(np.arange(n) for n in out), indexing="ij")
        for tap in itertools.product(*(range(int(k)) for k in L.kernel_size)):
            pos = [g * int(s) + t * int(d) - int(p) for g, t, s, d, p in
                   zip(grids, tap, L.stride, L.dilation, L.padding)]
            real = np.all([(q >= 0) & (q < n) for q, n in zip(pos, x.shape[2:])], axis=0)
            safe = tuple(np.where(real, q, 0) for q in pos)
            where: tuple[Any, ...] = (slice(None), slice(None), *safe)
            vals = np.where(real, x[where], -np.inf)
            better = vals > best
            best = np.where(better, vals, best)
            for a in range(dims):
                arg[a] = np.where(better, tap[a], arg[a])
        out_arrays = {name: arg[a].astype(float) for a, name in enumerate(_ARGMAX_NAMES[dims])}
        out_arrays["empty"] = np.isneginf(best)  # windows with no real input at all
        return out_arrays

    def evaluate(self, x: np.ndarray, dy: np.ndarray) -> dict[str, np.ndarray]:
        """``y`` and ``grad_input`` from the derived formulas."""
        x = np.asarray(x, dtype=float)
        arrays = {"x": x, "dy": dy}
        empty = None
        if self.kind == "max":
            arrays.update(self.argmax(x))
            empty = arrays.pop("empty")
        dims = x.ndim - 2
        out_sizes = [int(v) for v in self.layer.output_shape(tuple(x.shape[1:]))[1:]]
        b, c = index("b"), index("c")
        o, i = spatial_indices("o", dims), spatial_indices("i", dims)
        y = evaluate(self.forward.rhs, arrays, list(zip((b, c, *o), (*x.shape[:2], *out_sizes))))
        gx = evaluate(self.grad_input.rhs, arrays, list(zip((b, c, *i), x.shape)))
        if empty is not None:
            # A window entirely on padding: its maximum is over no input, -inf as in torch;
            # its arg-max tap reads padding, so zero extension already routes no gradient.
            y = np.where(empty, -np.inf, y)
        return {"y": y, "grad_input": gx}

    def steps(self, check: bool = True) -> list[Any]:
        """Answer-key steps (see :mod:`symconv.calculus.pooling_grad_steps`)."""
        from symconv.calculus.pooling_grad_steps import pool_backward_steps
        from symconv.display.steps import Steps

        return Steps(pool_backward_steps(self, check), title="Backward pass")


def pool_backward(layer: Any, input_shape: Any) -> PoolBackward:
    """Derive the backward formula of ``MaxPool*`` or ``AvgPool*`` (count_include_pad, floor)."""
    shape = as_shape(input_shape)
    dims = len(layer.kernel_size)
    out_shape = layer.output_shape(shape)
    b, c = index("b"), index("c")
    o, t, i = (spatial_indices(s, dims) for s in ("o", "t", "i"))
    B = sp.Symbol("B", integer=True, positive=True)
    shapes = {"x": (B, *shape), "dy": (B, *out_shape)}
    defs: list[Any] = []
    if isinstance(layer, _MaxPoolNd):
        kind = "max"
        a = [sp.IndexedBase(n)[(b, c, *o)] for n in _ARGMAX_NAMES[dims]]
        rhs = X[(b, c, *(oo * s + aa * d - p for oo, aa, s, d, p in
                         zip(o, a, layer.stride, layer.dilation, layer.padding)))]
        window = X[(b, c, *(oo * s + tt * d - p for oo, tt, s, d, p in
                            zip(o, t, layer.stride, layer.dilation, layer.padding)))]
        defs = [sp.Eq(sp.Tuple(*a), sp.Function("argmax")(window, sp.Tuple(*t)))]
    elif isinstance(layer, _AvgPoolNd):
        if layer.ceil_mode or not layer.count_include_pad or layer.divisor_override:
            raise ValueError("average pooling backward is derived for count_include_pad=True, "
                             "ceil_mode=False and no divisor_override (a constant divisor)")
        kind = "avg"
        taps = [(tt, 0, k - 1) for tt, k in zip(t, layer.kernel_size)]
        rhs = sp.Sum(X[(b, c, *(oo * s + tt - p for oo, tt, s, p in
                                zip(o, t, layer.stride, layer.padding)))], *taps)
        rhs = rhs / product(layer.kernel_size)
    else:
        raise TypeError(f"pool_backward needs MaxPool or AvgPool, got {type(layer).__name__}")
    xp = primed((b, c, *i))
    target = X[tuple(xp.values())]
    outer = ((b, 0, B - 1), (c, 0, shape[0] - 1),
             *((oo, 0, n - 1) for oo, n in zip(o, out_shape[1:])))
    chain = sp.Sum(DY[(b, c, *o)] * sp.diff(rhs, target), *outer)
    ranges = {v: (sp.Integer(0), n - 1) for v, n in zip(xp.values(), shapes["x"])}
    gx = resolve_deltas(chain, ranges, shapes, prefer=(b, c, *o))
    gx = gx.xreplace({v: k for k, v in xp.items()})
    return PoolBackward(
        layer=layer, input_shape=shape, kind=kind,
        forward=sp.Eq(sp.IndexedBase("y")[(b, c, *o)], rhs),
        chain_input=sp.Eq(partial(target), chain),
        grad_input=sp.Eq(partial(X[(b, c, *i)]), gx),
        definitions=tuple(defs), shapes=shapes,
        free={"x": (b, c, *i), "o": o},
    )


__all__ = ["PoolBackward", "pool_backward", "LOSS"]
