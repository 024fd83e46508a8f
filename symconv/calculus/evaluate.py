"""Run an index formula (SymPy ``Sum`` of ``Indexed`` tensors) on concrete numpy arrays.

Every index variable gets its own array axis; a ``Sum`` adds over its
variable's axis, and an ``Indexed`` gathers from its array with **zero
extension**: an index that is not an integer, or is out of range, reads 0
(see :mod:`symconv.calculus.indexing`).  Index arithmetic is exact: an index
expression is reduced to ``numerator / denominator`` with an integer
denominator, evaluated in int64, and only exact quotients select an element.

The evaluator knows nothing about convolutions: it only reads the formula, so
running the *derived* formulas through it and comparing with torch checks the
derivation.

Examples
--------
>>> import numpy as np, sympy as sp
>>> from symconv.calculus.indexing import index
>>> o, t = index("o"), index("t")
>>> x, w = sp.IndexedBase("x"), sp.IndexedBase("w")
>>> y = sp.Sum(w[t] * x[2 * o + t - 1], (t, 0, 2))   # stride 2, padding 1
>>> evaluate(y, {"x": np.arange(1.0, 6.0), "w": np.ones(3)}, free=[(o, 3)])
array([3., 9., 9.])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp


class FormulaError(ValueError):
    """The formula has a construct the evaluator does not run (it names it)."""


class _Context:
    def __init__(self, arrays: Mapping[str, np.ndarray], free: Sequence[tuple[sp.Symbol, int]],
                 sum_vars: Sequence[tuple[sp.Symbol, int, int]]) -> None:
        self.arrays = {k: np.asarray(v) for k, v in arrays.items()}
        self.rank = len(free) + len(sum_vars)
        self.axis: dict[sp.Symbol, tuple[int, int, int]] = {}
        for n, (s, size) in enumerate(free):
            self.axis[s] = (n, 0, int(size) - 1)
        for n, (s, lo, hi) in enumerate(sum_vars, start=len(free)):
            self.axis[s] = (n, lo, hi)

    def index_array(self, s: sp.Symbol) -> np.ndarray:
        if s not in self.axis:
            raise FormulaError(f"no value for the symbol {s} (give it in `values`)")
        axis, lo, hi = self.axis[s]
        shape = [1] * self.rank
        shape[axis] = hi - lo + 1
        return np.arange(lo, hi + 1, dtype=np.int64).reshape(shape)


def _integer(e: sp.Basic, what: str) -> int:
    if not e.is_Integer:
        raise FormulaError(f"{what} must be a number here, got {e}")
    return int(e)


def _exact(expr: sp.Expr, ctx: _Context) -> tuple[np.ndarray, int]:
    """``expr`` as an exact ``(numerator array, positive integer denominator)``."""
    num, den = sp.fraction(sp.together(expr))
    d = _integer(den, "an index denominator")
    n = _int_eval(num, ctx)
    return (n, d) if d > 0 else (-n, -d)


def _int_eval(e: sp.Basic, ctx: _Context) -> np.ndarray:
    if e.is_Integer:
        return np.array(int(e), dtype=np.int64)
    if isinstance(e, sp.Symbol):
        return ctx.index_array(e)
    if isinstance(e, sp.Add):
        return sum((_int_eval(a, ctx) for a in e.args), np.array(0, dtype=np.int64))
    if isinstance(e, sp.Mul):
        out = np.array(1, dtype=np.int64)
        for a in e.args:
            out = out * _int_eval(a, ctx)
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp >= 0:
        return _int_eval(e.base, ctx) ** int(e.exp)
    if isinstance(e, sp.floor):
        n, d = _exact(e.args[0], ctx)
        return n // d
    if isinstance(e, sp.Indexed):  # e.g. an arg-max array used as an index
        return np.rint(_gather(e, ctx)).astype(np.int64)
    raise FormulaError(f"cannot evaluate {e} as an integer index")


def _gather(ix: sp.Indexed, ctx: _Context) -> np.ndarray:
    name = str(ix.base)
    if name not in ctx.arrays:
        raise FormulaError(f"no array given for the tensor {name}")
    arr = ctx.arrays[name]
    if arr.ndim != len(ix.indices):
        raise FormulaError(f"{name} has {arr.ndim} axes but is indexed with {len(ix.indices)}")
    valid = np.array(True)
    coords = []
    for axis, idx in enumerate(ix.indices):
        n, d = _exact(idx, ctx)
        q = n // d
        valid = valid & (n % d == 0) & (q >= 0) & (q < arr.shape[axis])
        coords.append(q)
    coords = list(np.broadcast_arrays(*coords, valid))
    valid = coords.pop()
    safe = [np.where(valid, c, 0) for c in coords]
    return np.where(valid, arr[tuple(safe)], 0)


def _compare(rel: sp.Basic, ctx: _Context) -> np.ndarray:
    n, d = _exact(rel.lhs - rel.rhs, ctx)
    ops = {sp.Ge: np.greater_equal, sp.Gt: np.greater, sp.Le: np.less_equal,
           sp.Lt: np.less, sp.Eq: np.equal, sp.Ne: np.not_equal}
    return ops[type(rel)](n, 0)


def _cond(c: sp.Basic, ctx: _Context) -> np.ndarray:
    if c is sp.true:
        return np.array(True)
    if c is sp.false:
        return np.array(False)
    if isinstance(c, sp.And):
        return np.logical_and.reduce([_cond(a, ctx) for a in c.args])
    if isinstance(c, sp.Or):
        return np.logical_or.reduce([_cond(a, ctx) for a in c.args])
    if isinstance(c, sp.Not):
        return ~_cond(c.args[0], ctx)
    if isinstance(c, sp.Eq) and isinstance(c.lhs, sp.Mod):
        n, d = _exact(c.lhs.args[0] - c.rhs, ctx)
        m = _integer(c.lhs.args[1], "a modulus")
        return (n % (abs(m) * d)) == 0
    if isinstance(c, sp.core.relational.Relational):
        return _compare(c, ctx)
    raise FormulaError(f"cannot evaluate the condition {c}")


def _eval(e: sp.Basic, ctx: _Context) -> Any:
    if e.is_Number:
        return float(e)
    if isinstance(e, sp.Symbol):
        return ctx.index_array(e)
    if isinstance(e, sp.Indexed):
        return _gather(e, ctx)
    if isinstance(e, sp.Add):
        return sum(_eval(a, ctx) for a in e.args)
    if isinstance(e, sp.Mul):
        out: Any = 1.0
        for a in e.args:
            out = out * _eval(a, ctx)
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Number:
        return np.power(_eval(e.base, ctx), float(e.exp))
    if isinstance(e, sp.KroneckerDelta):
        n, d = _exact(e.args[0] - e.args[1], ctx)
        return (n == 0).astype(float)
    if isinstance(e, sp.Piecewise):
        out = 0.0
        for value, cond in reversed(e.args):
            out = np.where(_cond(cond, ctx), _eval(value, ctx), out)
        return out
    if isinstance(e, sp.floor):
        n, d = _exact(e.args[0], ctx)
        return n // d
    if isinstance(e, sp.Sum):
        body = np.asarray(_eval(e.function, ctx), dtype=float)
        axes = tuple(ctx.axis[v][0] for v in e.variables)
        full = list(np.broadcast_shapes(body.shape, (1,) * ctx.rank))
        for v in e.variables:
            axis, lo, hi = ctx.axis[v]
            full[axis] = hi - lo + 1
        return np.broadcast_to(body, full).sum(axis=axes, keepdims=True)
    raise FormulaError(f"cannot evaluate {type(e).__name__}: {e}")


def _sum_limits(expr: sp.Basic) -> list[tuple[sp.Symbol, int, int]]:
    found: list[tuple[sp.Symbol, int, int]] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Sum):
            for v, lo, hi in node.limits:
                if any(v == f[0] for f in found):
                    raise FormulaError(f"the summation variable {v} is used twice")
                found.append((v, _integer(lo, f"the lower limit of {v}"),
                              _integer(hi, f"the upper limit of {v}")))
    return found


def evaluate(
    expr: sp.Expr,
    arrays: Mapping[str, np.ndarray],
    free: Sequence[tuple[sp.Symbol, int]] = (),
    values: Mapping[sp.Symbol, Any] | None = None,
) -> np.ndarray:
    """The array of ``expr`` over its free indices.

    Parameters
    ----------
    expr : the formula (the right-hand side; an ``Eq`` is not accepted)
    arrays : ``{tensor name: array}`` for every ``IndexedBase`` in the formula
    free : ``(index symbol, size)`` per output axis, in output order
    values : numbers for size symbols (strides, paddings...) still in ``expr``
    """
    if values:
        expr = expr.xreplace({k: sp.Integer(v) if isinstance(v, int) else v
                              for k, v in values.items()})
    ctx = _Context(arrays, free, _sum_limits(expr))
    out = np.asarray(_eval(expr, ctx), dtype=float)
    shape = tuple(int(size) for _, size in free)
    # Summed axes were kept with length 1: broadcast to the full rank, then drop them.
    return np.array(np.broadcast_to(out, shape + (1,) * (ctx.rank - len(free))).reshape(shape))
