"""Index formulas as SymPy sums, and the rules that simplify their derivatives.

A layer's forward definition is a ``Sum`` of products of ``Indexed`` tensors,
for example ``y[o] = Sum(w[t] * x[o*s + t*d - p], (t, 0, k - 1))``.
Differentiating it with SymPy (``diff`` with respect to an ``Indexed``) gives
``KroneckerDelta`` factors; the rule that removes them is the one used by hand:

    sum over v of f(v) * delta(a, c*v + e)  =  f((a - e)/c)   when that v is in range,

which is what :func:`resolve_deltas` applies.

**Zero extension.**  Every tensor is read as zero outside its index set (the
integers ``0 .. size-1`` on each axis).  That is what zero padding means for
``x``, and it lets a resolved sum drop the side condition "``v`` is an integer in
range" whenever ``v`` is itself a bare index of a tensor on an axis of exactly
that range: the tensor is zero otherwise.  ``dy[(i + p - t*d)/s]`` is then the
stride-dilated gradient (zero between the original samples), as the evaluator
in :mod:`symconv.calculus.evaluate` reads it.

Examples
--------
>>> import sympy as sp
>>> w, x = sp.IndexedBase("w"), sp.IndexedBase("x")
>>> t, j = index("t"), index("j")
>>> k = sp.Symbol("k", positive=True, integer=True)
>>> dw = sp.diff(sp.Sum(w[t] * x[t + 1], (t, 0, k - 1)), w[j])
>>> dw
Sum(KroneckerDelta(j, t)*x[t + 1], (t, 0, k - 1))
>>> resolve_deltas(dw, ranges={j: (0, k - 1)})
x[j + 1]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sympy as sp

#: ``{tensor name: shape}``: the axis ranges zero extension refers to.
Shapes = Mapping[str, Sequence[sp.Expr]]
#: ``{index symbol: (lowest, highest)}`` for indices that are free in a formula.
Ranges = Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]]


def index(name: str) -> sp.Symbol:
    """An index variable: a non-negative integer symbol.

    >>> index("o_h").is_nonnegative, index("o_h").is_integer
    (True, True)
    """
    return sp.Symbol(name, integer=True, nonnegative=True)


def flatten_sums(expr: sp.Expr) -> sp.Expr:
    """Merge nested sums and products of sums into single multi-limit sums.

    Valid because every limit here is a constant range: ``a * Sum(b, L)`` with
    ``a`` free of ``L``'s variable is ``Sum(a*b, L)``.

    >>> t, u = index("t"), index("u")
    >>> x = sp.IndexedBase("x")
    >>> flatten_sums(sp.Sum(x[t] * sp.Sum(x[u], (u, 0, 2)), (t, 0, 1)))
    Sum(x[t]*x[u], (t, 0, 1), (u, 0, 2))
    """
    if isinstance(expr, sp.Sum):
        body = flatten_sums(expr.function)
        if isinstance(body, sp.Sum):
            return sp.Sum(body.function, *expr.limits, *body.limits)
        if isinstance(body, sp.Add):
            return sp.Add(*(flatten_sums(sp.Sum(term, *expr.limits)) for term in body.args))
        return sp.Sum(body, *expr.limits)
    if isinstance(expr, sp.Add):
        return sp.Add(*(flatten_sums(a) for a in expr.args))
    if isinstance(expr, sp.Mul):
        factors = [flatten_sums(a) for a in expr.args]
        sums = [f for f in factors if isinstance(f, sp.Sum)]
        if not sums:
            return sp.Mul(*factors)
        rest = sp.Mul(*(f for f in factors if not isinstance(f, sp.Sum)))
        limits = [lim for s in sums for lim in s.limits]
        body = sp.Mul(rest, *(s.function for s in sums))
        return flatten_sums(sp.Sum(body, *limits)) if isinstance(body, sp.Sum) else sp.Sum(
            body, *limits
        )
    return expr


def _solve_linear(expr: sp.Expr, v: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """``(coefficient, root)`` when ``expr`` is ``c*v + e`` with ``c`` a nonzero constant in v."""
    if not expr.has(v):
        return None
    c = sp.expand(expr).coeff(v)
    rest = sp.expand(expr - c * v)
    if c == 0 or c.has(v) or rest.has(v):
        return None
    return c, -rest / c


def _bare_axis_range(body: sp.Expr, v: sp.Symbol, shapes: Shapes) -> list[tuple[sp.Expr, sp.Expr]]:
    """Ranges of the tensor axes on which ``v`` is a bare index of a *factor* of ``body``.

    Only a multiplicative factor can absorb a condition: if it reads 0, the term is 0.
    """
    found = []
    for ix in sp.Mul.make_args(body):
        if not isinstance(ix, sp.Indexed):
            continue
        shape = shapes.get(str(ix.base))
        if shape is None:
            continue
        for axis, idx in enumerate(ix.indices):
            if idx == v:
                found.append((sp.Integer(0), shape[axis] - 1))
    return found


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    diff = sp.expand(sp.sympify(a) - b)
    return diff == 0 or sp.simplify(diff) == 0


def _condition_holds(root: sp.Expr, lo: sp.Expr, hi: sp.Expr, ranges: Ranges) -> bool:
    """True when ``lo <= root <= hi`` follows from the free indices' ranges."""
    if isinstance(root, sp.Symbol) and root in ranges:
        r_lo, r_hi = ranges[root]
        return _same(r_lo, lo) and _same(r_hi, hi)
    return False


def resolve_deltas(
    expr: sp.Expr,
    ranges: Ranges | None = None,
    shapes: Shapes | None = None,
    prefer: Sequence[sp.Symbol] = (),
) -> sp.Expr:
    """Carry out every sum over a Kronecker delta that can be solved for its variable.

    For a delta ``KroneckerDelta(a, b)`` inside a sum over ``v`` with ``a - b``
    linear in ``v`` (coefficient ``c``), the sum over ``v`` is replaced by the
    term at ``v = root``.  The side condition ``v`` integer and in its range is

    * dropped when it follows from the free indices' ``ranges``;
    * absorbed by zero extension when ``v`` is a bare index of a tensor in
      ``shapes`` whose axis has the same range (the tensor reads 0 otherwise);
    * kept as a ``Piecewise`` factor otherwise.

    ``prefer`` orders the candidate variables when a delta could be solved for
    several (``i = o*s + t*d - p`` can be solved for ``o`` or for ``t``).
    """
    ranges = ranges or {}
    shapes = shapes or {}
    expr = flatten_sums(expr)
    if isinstance(expr, sp.Add):
        return sp.Add(*(resolve_deltas(a, ranges, shapes, prefer) for a in expr.args))
    if not isinstance(expr, sp.Sum):
        return expr
    body, limits = expr.function, list(expr.limits)
    conditions: list[sp.Basic] = []
    if isinstance(body, sp.Piecewise) and len(body.args) == 2 and body.args[1] == (0, True):
        # SymPy folds a sum's factors into a Piecewise; work on its value, keep its condition.
        (body, cond), _ = body.args
        conditions = list(sp.And.make_args(cond))
    while True:
        step = _resolve_one(body, limits, ranges, shapes, prefer)
        if step is None:
            break
        v, root, body, kept = step
        conditions = [c.xreplace({v: root}) for c in conditions] + kept
        limits = [lim for lim in limits if lim[0] != v]
    if conditions:
        body = sp.Piecewise((body, sp.And(*conditions)), (0, True))
    return sp.Sum(body, *limits) if limits else body


def _resolve_one(body, limits, ranges, shapes, prefer):
    """Resolve one delta of ``body``: ``(variable, root, new body, kept conditions)`` or None."""
    deltas = [f for f in sp.Mul.make_args(body) if isinstance(f, sp.KroneckerDelta)]
    rank = {v: n for n, v in enumerate(prefer)}
    order = sorted(limits, key=lambda lim: rank.get(lim[0], len(rank)))
    for delta in deltas:
        for v, lo, hi in order:
            solved = _solve_linear(delta.args[0] - delta.args[1], v)
            if solved is None:
                continue
            c, root = solved
            rest = body / delta
            absorbed = any(_same(lo, a) and _same(hi, b)
                           for a, b in _bare_axis_range(rest, v, shapes))
            kept: list[sp.Basic] = []
            # The root may be another variable of this sum: its range is known too.
            scope = {**ranges, **{w: (a, b) for w, a, b in limits if w != v}}
            if not absorbed and not (abs(c) == 1 and _condition_holds(root, lo, hi, scope)):
                kept = [sp.Ge(root, lo), sp.Le(root, hi)]
                if abs(c) != 1:
                    kept.append(sp.Eq(sp.Mod(sp.expand(root * c), c), 0))
            return v, root, rest.xreplace({v: root}), kept
    return None


def primed(symbols: Iterable[sp.Symbol], mark: str = "'") -> dict[sp.Symbol, sp.Symbol]:
    """Fresh index symbols ``v'`` for each ``v`` (to differentiate with respect to).

    >>> primed([index("t")])
    {t: t'}
    """
    return {s: index(s.name + mark) for s in symbols}


def _relax_floors(diff: sp.Expr) -> sp.Expr:
    """A lower bound of ``diff``: ``floor(z)`` with a negative coefficient becomes ``z``.

    ``floor(z) <= z``, so ``-c*floor(z) >= -c*z`` for ``c > 0``.
    """
    for fl in diff.atoms(sp.floor):
        dummy = sp.Dummy()
        coeff = sp.diff(diff.xreplace({fl: dummy}), dummy)
        if coeff.is_negative:
            diff = diff.xreplace({fl: fl.args[0]})
    return diff


def _nonnegative(e: sp.Expr) -> bool:
    e = sp.simplify(_relax_floors(sp.expand(e)))
    return bool(e.is_nonnegative)


def always_in_range(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr, ranges: Ranges) -> bool:
    """True when ``lo <= expr <= hi`` for every value of the indices in ``ranges``.

    ``expr`` must be linear in the indices with coefficients of known sign; its
    extremes are then at the ends of the index ranges (interval arithmetic).
    ``False`` means "not proved", not "false".

    >>> o, t = index("o"), index("t")
    >>> n, k = sp.symbols("n k", integer=True, positive=True)
    >>> always_in_range(o + t, 0, n - 1, {o: (0, n - k), t: (0, k - 1)})
    True
    >>> always_in_range(o + t - 1, 0, n - 1, {o: (0, n - k), t: (0, k - 1)})
    False
    """
    low = high = sp.expand(expr)
    lo, hi = sp.sympify(lo), sp.sympify(hi)
    for v, (v_lo, v_hi) in ranges.items():
        if not expr.has(v):
            continue
        c = sp.expand(expr).coeff(v)
        if c.has(*ranges) or sp.expand(expr - c * v).has(v):
            return False  # not linear in v
        if c.is_nonnegative:
            low, high = low.subs(v, v_lo), high.subs(v, v_hi)
        elif c.is_nonpositive:
            low, high = low.subs(v, v_hi), high.subs(v, v_lo)
        else:
            return False
    if (low.free_symbols | high.free_symbols) & set(ranges):
        return False
    return _nonnegative(low - lo) and _nonnegative(hi - high)
