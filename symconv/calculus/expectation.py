"""Rules of expectation applied to index sums of random tensors.

The model (stated once, used by :mod:`symconv.calculus.variance`): each named
tensor is a *family* of random entries; different families are independent;
the entries of one family are independent, identically distributed, with mean
0 and variance ``sigma**2``; positions outside a tensor's range (zero
padding) hold the constant 0.  Three rules then turn ``E[...]`` of a sum into
an index formula, each a separate function so a derivation can show each step:

1. :func:`linearity` -- ``E[sum f] = sum E[f]``, constants come out;
2. :func:`independence` -- ``E[prod over families] = prod of E[family part]``;
3. :func:`moments` -- ``E[T[a]] = 0`` and ``E[T[a] T[a']] = sigma^2 * delta(a, a')``
   when ``a`` is a real position, else 0 (cross terms vanish by zero mean).

Examples
--------
>>> import sympy as sp
>>> from symconv.calculus.indexing import index
>>> x, o = sp.IndexedBase("x"), index("o")
>>> s = sp.Symbol("sigma", positive=True)
>>> model = Model({"x": s**2}, {"x": (3,)})
>>> expect(sp.Sum(x[o], (o, 0, 2)) ** 2, model)
3*sigma**2
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from symconv.calculus.indexing import (
    Ranges,
    Shapes,
    always_in_range,
    flatten_sums,
    index,
    resolve_deltas,
)


class Expect(sp.Function):
    r"""The unevaluated expectation ``E[arg]`` (prints as :math:`\mathbb{E}[\cdot]`)."""

    nargs = 1

    def _latex(self, printer):  # noqa: D401 - printer hook
        return r"\mathbb{E}\left[" + printer._print(self.args[0]) + r"\right]"


@dataclass(frozen=True)
class Model:
    """Independent zero-mean families: ``{name: variance}`` and their shapes."""

    variances: Mapping[str, sp.Expr]
    shapes: Shapes = field(default_factory=dict)

    def family(self, e: sp.Basic) -> str | None:
        """Name of the random family an ``Indexed`` belongs to (None: not random)."""
        if isinstance(e, sp.Indexed) and str(e.base) in self.variances:
            return str(e.base)
        return None

    def is_random(self, e: sp.Basic) -> bool:
        return any(self.family(ix) for ix in e.atoms(sp.Indexed))


def square(expr: sp.Expr, mark: str = "'") -> sp.Expr:
    """``expr**2`` as a double sum: the second copy's summation variables are renamed.

    >>> o = index("o")
    >>> square(sp.Sum(sp.IndexedBase("x")[o], (o, 0, 1)))
    Sum(x[o']*x[o], (o, 0, 1), (o', 0, 1))
    """
    expr = flatten_sums(expr)
    if not isinstance(expr, sp.Sum):
        return expr**2
    fresh = {v: index(v.name + mark) for v in expr.variables}
    return flatten_sums(expr * expr.xreplace(fresh))


def _expand_powers(e: sp.Expr) -> list[sp.Basic]:
    factors: list[sp.Basic] = []
    for f in sp.Mul.make_args(e):
        if isinstance(f, sp.Pow) and f.exp.is_Integer and f.exp > 0:
            factors += [f.base] * int(f.exp)
        else:
            factors.append(f)
    return factors


def linearity(expr: sp.Expr, model: Model) -> sp.Expr:
    """Rule 1: move ``E`` inside sums and additions, constant factors out."""
    if isinstance(expr, sp.Pow) and isinstance(expr.base, sp.Sum) and expr.exp == 2:
        expr = square(expr.base)
    expr = flatten_sums(sp.expand(expr) if not isinstance(expr, sp.Sum) else expr)
    if isinstance(expr, sp.Add):
        return sp.Add(*(linearity(a, model) for a in expr.args))
    if isinstance(expr, sp.Sum):
        return sp.Sum(linearity(expr.function, model), *expr.limits)
    const = [f for f in sp.Mul.make_args(expr) if not model.is_random(f)]
    rand = [f for f in sp.Mul.make_args(expr) if model.is_random(f)]
    return sp.Mul(*const) * (Expect(sp.Mul(*rand)) if rand else 1)


def independence(expr: sp.Expr, model: Model) -> sp.Expr:
    """Rule 2: ``E`` of a product of independent families is the product of their ``E``."""

    def split(e: Expect) -> sp.Expr:
        groups: dict[str, list[sp.Basic]] = {}
        for f in _expand_powers(e.args[0]):
            groups.setdefault(model.family(f) or "", []).append(f)
        return sp.Mul(*(Expect(sp.Mul(*fs)) for fs in groups.values()))

    return expr.replace(lambda e: isinstance(e, Expect), split)


def moments(expr: sp.Expr, model: Model, ranges: Ranges | None = None) -> sp.Expr:
    """Rule 3: first and second moments of one family (zero mean, iid, 0 on padding)."""
    return _moments(expr, model, dict(ranges or {}))


def _moments(e: sp.Expr, model: Model, ranges: dict) -> sp.Expr:
    if isinstance(e, sp.Sum):
        inner = {**ranges, **{v: (lo, hi) for v, lo, hi in e.limits}}
        return sp.Sum(_moments(e.function, model, inner), *e.limits)
    if isinstance(e, Expect):
        return _moment(e, model, ranges)
    if e.args:
        return e.func(*(_moments(a, model, ranges) for a in e.args))
    return e


def _moment(e: Expect, model: Model, ranges: Ranges) -> sp.Expr:
    factors = _expand_powers(e.args[0])
    if len(factors) == 1:
        return sp.Integer(0)  # zero mean
    if len(factors) != 2:
        raise NotImplementedError(f"only first and second moments are modelled, not {e}")
    a, b = factors
    name = model.family(a)
    delta = sp.Mul(*(sp.KroneckerDelta(i, j) for i, j in zip(a.indices, b.indices)))
    shape = model.shapes.get(name or "", ())
    real = [c for i, n in zip(a.indices, shape)
            for c in (sp.Ge(i, 0), sp.Le(i, n - 1)) if not always_in_range(i, 0, n - 1, ranges)]
    var = model.variances[name]  # type: ignore[index]
    if real:
        return sp.Piecewise((var, sp.And(*real)), (0, True)) * delta
    return var * delta


def expect(expr: sp.Expr, model: Model, ranges: Ranges | None = None,
           prefer: tuple[sp.Symbol, ...] = ()) -> sp.Expr:
    """All three rules, then the sums over the resulting deltas.

    ``prefer`` orders which summation variable a delta is solved for.
    """
    ranges = dict(ranges or {})
    e = moments(independence(linearity(expr, model), model), model, ranges)
    e = resolve_deltas(flatten_sums(e), ranges, model.shapes, prefer)
    return sp.simplify(e.doit()) if not e.has(sp.Piecewise) else e


def _as_nonnegative(c: sp.Basic) -> sp.Expr | None:
    """``g`` with the integer condition ``c`` equivalent to ``g >= 0`` (None: not a <, <=...)."""
    if not isinstance(c, sp.core.relational.Relational):
        return None
    diff = sp.expand(c.lhs - c.rhs)
    if isinstance(c, sp.GreaterThan):
        return diff
    if isinstance(c, sp.StrictGreaterThan):
        return diff - 1
    if isinstance(c, sp.LessThan):
        return -diff
    if isinstance(c, sp.StrictLessThan):
        return -diff - 1
    return None


def count_indicator_sum(expr: sp.Expr) -> sp.Expr:
    """Closed form of ``sum_v c * [conditions linear in v]``: ``c`` times the count.

    Each condition ``lo <= a*v + e <= hi`` (``a > 0``) bounds ``v`` to
    ``ceil((lo - e)/a) .. floor((hi - e)/a)``; the count of integers in the
    intersection with the summation range is ``max(0, upper - lower + 1)``.

    >>> o, t = index("o"), index("t")
    >>> cond = sp.And(sp.Ge(o + t - 1, 0), sp.Le(o + t - 1, 3))
    >>> count_indicator_sum(sp.Sum(sp.Piecewise((2, cond), (0, True)), (o, 0, 3)))
    2*Max(0, -Max(0, 1 - t) + Min(3, 4 - t) + 1)
    """
    split = indicator_counts(expr)
    if split is None:
        return expr
    const, counts = split
    return sp.Mul(const, *counts)


def indicator_counts(expr: sp.Expr) -> tuple[sp.Expr, list[sp.Expr]] | None:
    """``(c, [count per summation variable])`` for :func:`count_indicator_sum`, or None.

    A variable without a condition counts its whole range ``hi - lo + 1``.
    """
    if not isinstance(expr, sp.Sum):
        return None
    body = expr.function
    conds: list[sp.Basic] = []
    const: sp.Expr = body
    if isinstance(body, sp.Piecewise):
        (value, cond), rest = body.args[0], body.args[1:]
        if rest and rest[0][0] != 0:
            return None
        const, conds = value, list(sp.And.make_args(cond))
    counts = []
    for v, lo, hi in expr.limits:
        lower, upper, bounded = lo, hi, False
        for c in conds:
            if not c.has(v):
                continue
            g = _as_nonnegative(c)  # the condition is g >= 0
            if g is None:
                return None
            a = g.coeff(v)
            rest_ = sp.expand(g - a * v)
            if rest_.has(v) or a.has(v):
                return None
            if a.is_positive:      # v >= -rest/a
                lower, bounded = sp.Max(lower, sp.ceiling(-rest_ / a)), True
            elif a.is_negative:    # v <= rest/(-a)
                upper, bounded = sp.Min(upper, sp.floor(rest_ / -a)), True
            else:
                return None
        counts.append(sp.Max(0, upper - lower + 1) if bounded else sp.simplify(upper - lower + 1))
    return const, counts
