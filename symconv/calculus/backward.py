"""Backward formulas of a convolution, derived from its forward definition.

The forward pass of ``torch.nn.ConvNd`` (cross-correlation, zero padding) is

    y[b, f, o] = sum_{c, t} w[f, c, t] * x[b, G(f) + c, o*s + t*d - p]  (+ bias[f])

with ``G(f) = floor(f / (c_o/g)) * (c_i/g)`` the first input channel of filter
``f``'s group.  The gradients are not typed in: the chain rule
``dL/dv = sum_{b,f,o} dy[b,f,o] * dy[b,f,o]/dv`` is built as a SymPy sum, the
inner derivative is taken by ``sympy.diff`` (which yields Kronecker deltas) and
:func:`~symconv.calculus.indexing.resolve_deltas` carries out the sums over the
deltas.  That gives

* ``grad_weight``: input correlated with ``dy`` (sum over batch and positions);
* ``grad_input``: ``sum_{f,t} w[f, c - G(f), t] * dy[b, f, (i + p - t*d)/s]``, i.e.
  ``dy`` dilated by the stride (zero between samples, by zero extension);
* ``grad_input_full``: the same after re-indexing ``t = k-1-u``: a stride-1,
  dilation-``d`` correlation of the stride-dilated ``dy`` with the **flipped**
  kernel, padded by ``d(k-1) - p`` (a "full" convolution).

Examples
--------
>>> from symconv import Conv1d
>>> bw = conv_backward(Conv1d(1, 1, 3, stride=2, bias=False), (1, 7))
>>> bw.grad_weight.rhs
Sum(dy[b, f, o]*x[b, c, 2*o + t], (b, 0, 0), (o, 0, 2))
>>> bw.grad_input.rhs
Sum(dy[b, f, i/2 - t/2]*w[f, c, t], (f, 0, 0), (t, 0, 2))
>>> bw.grad_input_full.rhs
Sum(dy_up[b, f, i + u - 2]*w_flip[f, c, u], (f, 0, 0), (u, 0, 2))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.evaluate import evaluate
from symconv.calculus.indexing import index, primed, resolve_deltas
from symconv.layers.base import as_shape
from symconv.symbols import is_number, to_expr

X, W, DY, BIAS = (sp.IndexedBase(n) for n in ("x", "w", "dy", "bias"))
DY_UP, W_FLIP = sp.IndexedBase("dy_up"), sp.IndexedBase("w_flip")
LOSS = sp.Symbol("L")
_SUFFIX = {1: ("",), 2: ("_h", "_w"), 3: ("_d", "_h", "_w")}


def spatial_indices(letter: str, dims: int) -> tuple[sp.Symbol, ...]:
    """``(o_h, o_w)`` for 2-d, ``(o,)`` for 1-d.

    >>> spatial_indices("t", 2)
    (t_h, t_w)
    """
    return tuple(index(letter + sfx) for sfx in _SUFFIX[dims])


def partial(tensor: sp.Indexed) -> sp.Derivative:
    """``dL/d tensor[...]`` as an unevaluated derivative (for the left-hand sides)."""
    return sp.Derivative(LOSS, tensor, evaluate=False)


class BackwardDisplay:
    """How a backward result shows itself (Jupyter HTML and LaTeX, the terminal): its
    formulas, laid out by :mod:`symconv.display.backward` (imported when first shown, so
    the calculus never loads the display package)."""

    def _repr_html_(self) -> str:
        from symconv.display.backward import formulas_html

        return formulas_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.backward import formulas_latex

        return formulas_latex(self)

    def __str__(self) -> str:
        from symconv.display.backward import formulas_text

        return formulas_text(self)

    __repr__ = __str__


@dataclass(frozen=True, repr=False)  # the formulas are its repr (BackwardDisplay)
class ConvBackward(BackwardDisplay):
    """The derived forward and backward index formulas of one convolution layer.

    Build it with :func:`conv_backward`.  Every formula is an ``Eq`` whose
    right-hand side runs on arrays through :meth:`evaluate`.
    """

    layer: Any
    input_shape: tuple[sp.Expr, ...]
    batch: sp.Expr
    forward: sp.Eq
    chain_weight: sp.Eq
    grad_weight: sp.Eq
    chain_input: sp.Eq
    grad_input: sp.Eq
    grad_input_full: sp.Eq
    definitions: tuple[sp.Eq, ...]
    grad_bias: sp.Eq | None
    shapes: Mapping[str, tuple[sp.Expr, ...]] = field(default_factory=dict)
    free: Mapping[str, tuple[sp.Symbol, ...]] = field(default_factory=dict)

    # -- numbers -----------------------------------------------------------
    def _table(self, x: np.ndarray, values: Mapping[str, Any] | None) -> dict[sp.Symbol, Any]:
        from symconv.exprmap import substitution

        given: dict[Any, Any] = dict(values or {})
        for size, n in zip((self.batch, *self.input_shape), x.shape, strict=True):
            if isinstance(size, sp.Symbol):
                given.setdefault(size.name, int(n))
        free: set[sp.Symbol] = set()
        for shape in self.shapes.values():
            for s in shape:
                free |= sp.sympify(s).free_symbols
        for eq in (self.forward, self.grad_weight, self.grad_input_full):
            free |= size_symbols(eq.rhs)
        return substitution(given, free)

    def sizes(self, name: str, table: Mapping[sp.Symbol, Any]) -> tuple[int, ...]:
        """Numeric shape of tensor ``name`` under ``table``."""
        out = []
        for s in self.shapes[name]:
            v = sp.sympify(s).xreplace(dict(table))
            if not v.is_Integer:
                raise ValueError(f"the size {s} of {name} needs values for {v.free_symbols}")
            out.append(int(v))
        return tuple(out)

    def evaluate(self, x: np.ndarray, w: np.ndarray, dy: np.ndarray,
                 bias: np.ndarray | None = None,
                 values: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
        """Run every derived formula on arrays (``values``: numbers for size symbols).

        Returns ``y``, ``grad_weight``, ``grad_input``, ``grad_input_full`` and,
        with a bias, ``grad_bias``.
        """
        table = self._table(np.asarray(x), values)
        arrays: dict[str, np.ndarray] = {"x": x, "w": w, "dy": dy}
        if bias is not None:
            arrays["bias"] = bias
        out: dict[str, np.ndarray] = {}

        def run(eq: sp.Eq, name: str, extra: Mapping[str, np.ndarray] | None = None):
            rhs = eq.rhs.xreplace(table)
            free = list(zip(self.free[name], self.sizes(name, table), strict=True))
            return evaluate(rhs, {**arrays, **(extra or {})}, free)

        if bias is not None or self.grad_bias is None:
            out["y"] = run(self.forward, "y")
        out["grad_weight"] = run(self.grad_weight, "w")
        out["grad_input"] = run(self.grad_input, "x")
        # The full-convolution form reads the tensors its definitions build.
        built = {str(d.lhs.base): run(d, str(d.lhs.base)) for d in self.definitions}
        out["grad_input_full"] = run(self.grad_input_full, "x", built)
        if self.grad_bias is not None:
            out["grad_bias"] = run(self.grad_bias, "bias")
        return out

    def steps(self, check: bool = True, **options: Any) -> list[Any]:
        """The derivation as answer-key steps (see :mod:`symconv.calculus.backward_steps`).

        ``options``: ``parts`` (``["weight", "input"]`` by default) and ``detail``
        (``"full"``: the chain rule and its deltas; ``"summary"``: the results).
        """
        from symconv.calculus.backward_steps import conv_backward_steps
        from symconv.display.steps import Steps

        return Steps(conv_backward_steps(self, check=check, **options), title="Backward pass")



def size_symbols(expr: sp.Expr) -> set[sp.Symbol]:
    """Symbols in indices and summation limits (not the tensors' own name symbols).

    A tensor ``w`` and a width ``w`` must not be confused when substituting.
    """
    found: set[sp.Symbol] = set()
    for ix in expr.atoms(sp.Indexed):
        for idx in ix.indices:
            found |= idx.free_symbols  # type: ignore[arg-type]
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Sum):
            for _, lo, hi in node.limits:
                found |= lo.free_symbols | hi.free_symbols
    return {s for s in found if not isinstance(s, sp.Indexed)}


def _group_offset(layer: Any, f: sp.Symbol) -> sp.Expr:
    """First input channel ``G(f)`` of filter ``f``'s group (0 when there is one group)."""
    if layer.groups == 1:
        return sp.Integer(0)
    return sp.floor(f / (layer.out_channels / layer.groups)) * (layer.in_channels / layer.groups)


def conv_backward(layer: Any, input_shape: Any, batch: Any = 1) -> ConvBackward:
    """Derive the forward and backward index formulas of a ``Conv1d/2d/3d``.

    Parameters
    ----------
    layer : a symconv convolution (numbers or symbols)
    input_shape : per-sample ``(c_i, *spatial)``
    batch : batch size (number or symbol name)
    """
    if getattr(layer, "kind", None) != "conv":
        raise TypeError(f"conv_backward needs a Conv1d/2d/3d layer, got {type(layer).__name__}")
    shape = as_shape(input_shape)
    B = to_expr(batch, "batch")
    dims = len(layer.kernel_size)
    out_shape = layer.output_shape(shape)
    b, f, c = index("b"), index("f"), index("c")
    o, t, i = (spatial_indices(s, dims) for s in ("o", "t", "i"))
    u = spatial_indices("u", dims)
    c_g = layer.in_channels / layer.groups
    G = _group_offset(layer, f)
    pads = [pl for pl, _ in layer.padding]
    pos = [oo * s + tt * d - p for oo, tt, s, d, p in
           zip(o, t, layer.stride, layer.dilation, pads, strict=True)]
    term = W[(f, c, *t)] * X[(b, G + c, *pos)]
    rhs = sp.Sum(term, (c, 0, c_g - 1), *((tt, 0, k - 1) for tt, k in zip(t, layer.kernel_size)))
    if layer.bias:
        rhs = rhs + BIAS[f]
    forward = sp.Eq(sp.IndexedBase("y")[(b, f, *o)], rhs)

    shapes = {
        "x": (B, *shape), "w": (layer.out_channels, c_g, *layer.kernel_size),
        "dy": (B, *out_shape), "y": (B, *out_shape), "bias": (layer.out_channels,),
    }
    outer = ((b, 0, B - 1), (f, 0, layer.out_channels - 1),
             *((oo, 0, n - 1) for oo, n in zip(o, out_shape[1:])))

    def chain(target: sp.Indexed) -> sp.Sum:
        return sp.Sum(DY[(b, f, *o)] * sp.diff(rhs, target), *outer)

    def ranges(symbols, sizes):
        return {s: (sp.Integer(0), n - 1) for s, n in zip(symbols, sizes)}

    # grad_weight: differentiate with respect to w[f', c', t'].
    wp = primed((f, c, *t))
    w_target = W[tuple(wp.values())]
    gw_chain = chain(w_target)
    gw = resolve_deltas(gw_chain, ranges(wp.values(), shapes["w"]), shapes)
    gw = gw.xreplace({v: k for k, v in wp.items()})
    # grad_input: differentiate with respect to x[b', c', i'].
    xp = primed((b, c, *i))
    x_target = X[tuple(xp.values())]
    gx_chain = chain(x_target)
    gx = resolve_deltas(gx_chain, ranges(xp.values(), shapes["x"]), shapes,
                        prefer=(b, c, *o))
    gx = gx.xreplace({xp[b]: b, xp[c]: c, **{xp[ii]: ii for ii in i}})

    full, definitions = _full_convolution(layer, gx, t, u, out_shape, B, shapes)
    grad_bias = None
    if layer.bias:
        gb_chain = chain(BIAS[index("f'")])
        gb = resolve_deltas(gb_chain, {index("f'"): (0, layer.out_channels - 1)}, shapes)
        grad_bias = sp.Eq(partial(BIAS[f]), gb.xreplace({index("f'"): f}))
    free = {"x": (b, c, *i), "w": (f, c, *t), "y": (b, f, *o), "bias": (f,),
            "dy_up": (b, f, *i), "w_flip": (f, c, *u)}
    return ConvBackward(
        layer=layer, input_shape=shape, batch=B, forward=forward,
        chain_weight=sp.Eq(partial(w_target), gw_chain),
        grad_weight=sp.Eq(partial(W[(f, c, *t)]), gw),
        chain_input=sp.Eq(partial(x_target), gx_chain),
        grad_input=sp.Eq(partial(X[(b, c, *i)]), gx),
        grad_input_full=sp.Eq(partial(X[(b, c, *i)]), full),
        definitions=definitions, grad_bias=grad_bias, shapes=shapes, free=free,
    )


def _full_convolution(layer, gx, t, u, out_shape, B, shapes):
    """Re-index ``t = k-1-u`` and name the stride-dilated ``dy`` and the flipped kernel."""
    k = layer.kernel_size
    flip = {tt: kk - 1 - uu for tt, uu, kk in zip(t, u, k)}
    body, limits = gx.function, gx.limits
    body = body.xreplace(flip)
    # the sum over t in 0..k-1 is the sum over u = k-1-t in 0..k-1: same set, reversed order
    limits = [(u[t.index(v)] if v in flip else v, lo, hi) for v, lo, hi in limits]
    strides = layer.stride

    def rewrite(ix: sp.Indexed) -> sp.Indexed:
        if ix.base == DY:
            lead, spatial = ix.indices[:2], ix.indices[2:]
            return DY_UP[(*lead, *(sp.expand(e * s) for e, s in zip(spatial, strides)))]
        if ix.base == W:
            lead, spatial = ix.indices[:2], ix.indices[2:]
            return W_FLIP[(*lead, *(sp.expand(kk - 1 - e) for e, kk in zip(spatial, k)))]
        return ix

    body = body.replace(lambda e: isinstance(e, sp.Indexed), rewrite)
    full = sp.Sum(body, *limits)
    b, f, c = index("b"), index("f"), index("c")
    m = spatial_indices("i", len(k))
    up = DY_UP[(b, f, *m)]
    defs = (
        sp.Eq(up, DY[(b, f, *(mm / s for mm, s in zip(m, strides)))]),
        sp.Eq(W_FLIP[(f, c, *u)], W[(f, c, *(kk - 1 - uu for uu, kk in zip(u, k)))]),
    )
    shapes["dy_up"] = (B, layer.out_channels,
                       *((n - 1) * s + 1 for n, s in zip(out_shape[1:], strides)))
    shapes["w_flip"] = shapes["w"]
    return full, defs


def is_numeric_layer(layer: Any, input_shape: Any) -> bool:
    """True when every hyper-parameter and size is a number."""
    items = [layer.in_channels, layer.out_channels, layer.groups, *layer.kernel_size,
             *layer.stride, *layer.dilation, *(p for pair in layer.padding for p in pair),
             *as_shape(input_shape)]
    return all(is_number(v) for v in items)
