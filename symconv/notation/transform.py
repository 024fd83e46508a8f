"""Rewrites a formula gets before it is printed (the meaning never changes).

* :func:`drop_trivial_sums` -- a sum over one value (``0 <= b <= 0``) is its term
  at that value;
* :func:`squeeze` -- an axis of size one (one channel, a batch of one) is left
  out of a tensor's subscripts, as a hand-written key would;
* :func:`one_based` -- every index shown from 1 (``W_{h,l}`` with ``1 <= h <= k``);
* :func:`over_denominator` -- a floor's argument ``h/2 - 1/2`` (SymPy distributes the
  1/2) read as one fraction, ``(h - 1)/2``, as a TA writes it.

Examples
--------
>>> import sympy as sp
>>> from symconv.calculus.indexing import index
>>> x, b, t = sp.IndexedBase("x"), index("b"), index("t")
>>> k = sp.Symbol("k", integer=True, positive=True)
>>> e = sp.Sum(x[b, t], (b, 0, 0), (t, 0, k - 1))
>>> drop_trivial_sums(e)
Sum(x[0, t], (t, 0, k - 1))
>>> squeeze(drop_trivial_sums(e), {"x": (1, k)})
Sum(x[t], (t, 0, k - 1))
>>> one_based(squeeze(drop_trivial_sums(e), {"x": (1, k)}))
Sum(x[t], (t, 1, k))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from symconv.notation.order import is_index


def _rebuild(expr: Any, fn: Any) -> Any:
    """Apply ``fn`` bottom-up (``fn`` sees each node with rebuilt arguments)."""
    if not isinstance(expr, sp.Basic) or not expr.args:
        return fn(expr) if isinstance(expr, sp.Basic) else expr
    if isinstance(expr, sp.Sum | sp.Product):
        body = _rebuild(expr.function, fn)
        limits = [(v, _rebuild(lo, fn), _rebuild(hi, fn)) for v, lo, hi in expr.limits]
        return fn(type(expr)(body, *limits))
    if isinstance(expr, sp.Indexed):
        return fn(sp.Indexed(expr.base, *(_rebuild(i, fn) for i in expr.indices)))
    if isinstance(expr, sp.Derivative):
        return fn(sp.Derivative(_rebuild(expr.expr, fn),
                                *((_rebuild(v, fn), n) for v, n in expr.variable_count),
                                evaluate=False))
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: _rebuild(e, fn))
    args = [_rebuild(a, fn) for a in expr.args]
    try:
        return fn(expr.func(*args, evaluate=False) if isinstance(expr, sp.Add | sp.Mul | sp.Pow)
                  else expr.func(*args))
    except (TypeError, ValueError):
        return fn(expr)


def over_denominator(arg: Any) -> tuple[sp.Expr, sp.Integer] | None:
    """``(numerator, d)`` when the sum ``arg`` is a polynomial-like sum with rational
    coefficients over the common denominator ``d > 1`` (None otherwise: one term, a
    symbol in a denominator, or integer coefficients).

    >>> h = sp.Symbol("h")
    >>> over_denominator(h / 2 - sp.Rational(1, 2))
    (h - 1, 2)
    >>> over_denominator(h / sp.Symbol("s") - sp.Rational(1, 2)) is None
    True
    """
    if not isinstance(arg, sp.Add):
        return None
    denominators = []
    for term in arg.args:
        coeff, rest = term.as_coeff_Mul()
        if not coeff.is_Rational or sp.fraction(rest)[1] != 1:
            return None
        denominators.append(int(coeff.q))
    d = sp.ilcm(*denominators)
    if d == 1:
        return None
    return sp.Add(*(t * d for t in arg.args)), sp.Integer(d)


def drop_trivial_sums(expr: Any) -> Any:
    """Sums whose limits hold one value are replaced by their term there."""
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum):
        return expr

    def fn(node: Any) -> Any:
        if not isinstance(node, sp.Sum):
            return node
        keep, table = [], {}
        for v, lo, hi in node.limits:
            if sp.expand(hi - lo) == 0:
                table[v] = lo
            else:
                keep.append((v, lo, hi))
        if not table:
            return node
        body = node.function.xreplace(table)
        return sp.Sum(body, *keep) if keep else body

    return _rebuild(expr, fn)


def squeeze(expr: Any, shapes: Mapping[str, Sequence[Any]]) -> Any:
    """Leave out the subscripts of axes of size one (``x[0, 0, i, j]`` -> ``x[i, j]``).

    ``shapes`` gives each tensor's shape by name; an index in a squeezed
    position must be 0 or an index variable ranging over that one value.
    """
    ones = {name: [sp.sympify(n) == 1 for n in shape] for name, shape in shapes.items()}
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Indexed):
        return expr

    def fn(node: Any) -> Any:
        if not isinstance(node, sp.Indexed):
            return node
        mask = ones.get(str(node.base))
        if mask is None or len(mask) != len(node.indices):
            return node
        kept = [i for i, one in zip(node.indices, mask, strict=True) if not one]
        if len(kept) == len(node.indices):
            return node
        return sp.Indexed(node.base, *kept) if kept else sp.Symbol(str(node.base))

    return _rebuild(expr, fn)


def single_valued(expr: Any, shapes: Mapping[str, Sequence[Any]],
                  free: Mapping[str, Sequence[sp.Symbol]]) -> dict[sp.Symbol, sp.Expr]:
    """Free index variables whose tensor axis has size one (they can only be 0)."""
    out: dict[sp.Symbol, sp.Expr] = {}
    for name, symbols in free.items():
        for s, n in zip(symbols, shapes.get(name, ()), strict=False):
            if sp.sympify(n) == 1:
                out[s] = sp.Integer(0)
    return out


def tidy(expr: Any, shapes: Mapping[str, Sequence[Any]],
         free: Mapping[str, Sequence[sp.Symbol]] | None = None) -> Any:
    """Sums over one value dropped, indices that can only be 0 set, axes of size one squeezed.

    ``free`` names the index variables of each tensor (``{"w": (f, c, t_h, t_w)}``);
    a free one on an axis of size one can only be 0.
    """
    if not isinstance(expr, sp.Basic):
        return expr
    expr = drop_trivial_sums(expr)
    if free:
        bound = {v for s in expr.atoms(sp.Sum) for v, _, _ in s.limits}
        table = {s: v for s, v in single_valued(expr, shapes, free).items() if s not in bound}
        expr = expr.xreplace(table)
        expr = drop_trivial_sums(expr)
    return squeeze(expr, shapes)


def one_based(expr: Any) -> Any:
    """Every index variable counted from 1: ``x[o + t]`` becomes ``x[o + t - 1]``."""
    variables = {s for s in _all_symbols(expr) if is_index(s)}
    if not variables:
        return expr
    down = {v: v - 1 for v in variables}

    def shift(e: Any) -> Any:
        return sp.expand(sp.sympify(e).xreplace(down) + 1)

    def walk(node: Any) -> Any:
        if isinstance(node, sp.Indexed):
            return sp.Indexed(node.base, *(shift(i) for i in node.indices))
        if isinstance(node, sp.KroneckerDelta):
            return sp.KroneckerDelta(*(shift(a) for a in node.args), evaluate=False)
        if isinstance(node, sp.Sum):
            limits = [(v, lo + 1, hi + 1) for v, lo, hi in node.limits]
            return sp.Sum(walk(node.function), *limits)
        if isinstance(node, sp.Derivative):
            return sp.Derivative(walk(node.expr), *((walk(v), n) for v, n in node.variable_count),
                                 evaluate=False)
        if isinstance(node, sp.Symbol) and node in variables:
            return node - 1
        if isinstance(node, sp.MatrixBase):
            return node.applyfunc(walk)
        if isinstance(node, sp.Basic) and node.args:
            try:
                return node.func(*(walk(a) for a in node.args))
            except (TypeError, ValueError):
                return node
        return node

    return walk(expr)


def _all_symbols(expr: Any) -> set[sp.Symbol]:
    if not isinstance(expr, sp.Basic):
        return set()
    found = set(expr.atoms(sp.Symbol))
    for s in expr.atoms(sp.Sum):
        found |= {v for v, _, _ in s.limits}
    return found
