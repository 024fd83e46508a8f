"""Which layer has the largest output: decided for every valid size where that is decidable.

Two rows' per-sample output sizes ``A`` and ``B`` are compared by the sign of
``A - B`` over the sizes' domains (positive integers).  SymPy decides many
signs directly; floors and ceilings (every strided layer) it cannot, so each
side is also bounded by floor-free expressions -- ``x - (q-1)/q <= floor(x) <=
x`` for ``x`` with denominator ``q`` (``x - 1`` when ``q`` is not a number),
``x <= ceiling(x) <= x + 1`` -- and ``A <= B`` is proved when the upper bound of
``A`` minus the lower bound of ``B`` is provably non-positive.  A max-pooled
``16*floor(h/2)*floor(w/2)`` is thus smaller than ``16*h*w`` for every ``h, w``.

When neither ``A <= B`` nor ``B <= A`` can be proved for every size, the rows
*tie* in the sense that which is larger depends on the sizes:
:class:`UndecidedBottleneck` names them (quoted, so a row called ``"2"`` is not
read as a number) and the condition under which the later one is larger.

Examples
--------
>>> import symconv
>>> net = symconv.Sequential(symconv.Conv2d(3, 16, 3, padding=1), symconv.MaxPool2d(2),
...                          symconv.Conv2d(16, 64, 3, padding=1))
>>> symconv.analyze(net, (3, "h", "w")).bottleneck.name
'0'
>>> wide = symconv.Sequential(symconv.Conv2d(3, "c_1", 3, padding=1),
...                           symconv.Conv2d("c_1", "c_2", 3, padding=1))
>>> symconv.analyze(wide, (3, "h", "w")).bottleneck
Traceback (most recent call last):
...
symconv.network.bottleneck.UndecidedBottleneck: the largest output depends on the sizes: \
row "1" (c_2 × h × w) is larger than row "0" (c_1 × h × w) when c_2 > c_1, smaller when \
c_2 < c_1, equal when c_2 = c_1; substitute values first (report.subs(...))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import sympy as sp

from symconv.printing import shape_text
from symconv.validity import least_size


class UndecidedBottleneck(ValueError):
    """Which row has the largest output depends on the sizes (the message says how)."""


def _gap(x: sp.Expr) -> sp.Expr:
    """How far ``floor(x)`` may lie below ``x``: ``(q-1)/q`` for an integer over ``q``, else 1."""
    p, q = sp.fraction(sp.together(x))
    return (q - 1) / q if q.is_Integer and p.is_integer else sp.Integer(1)


def _nonnegative(expr: sp.Expr) -> bool:
    """``expr >= 0`` for every size: known to SymPy, or through its lower bound."""
    if expr.is_nonnegative:
        return True
    lower = _bound(expr, False)
    return lower is not None and bool(sp.expand(lower).is_nonnegative)


def _bound(expr: sp.Expr, upper: bool) -> sp.Expr | None:
    """A floor- and ceiling-free bound of ``expr`` (upper or lower), or None when none is known.

    Valid for non-negative sizes: products are bounded factor by factor only
    when every factor is provably non-negative.
    """
    if expr.is_number or expr.is_Symbol:
        return expr
    if isinstance(expr, sp.floor):
        inner = _bound(expr.args[0], upper)
        if inner is None:
            return None
        if upper:
            return inner
        return inner - _gap(expr.args[0])
    if isinstance(expr, sp.ceiling):
        inner = _bound(expr.args[0], upper)
        if inner is None:
            return None
        if not upper:
            return inner
        return inner + _gap(expr.args[0])
    if isinstance(expr, sp.Add):
        parts = [_bound(a, upper) for a in expr.args]
        return None if any(p is None for p in parts) else sp.Add(*parts)  # type: ignore[misc]
    if isinstance(expr, sp.Mul):
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_negative:
            inner = _bound(-expr, not upper)
            return None if inner is None else -inner
        factors = sp.Mul.make_args(rest)
        if len(factors) == 1:  # a positive number times one factor: bound the factor
            part = _bound(factors[0], upper)
            return None if part is None else coeff * part
        if not all(_nonnegative(f) for f in factors):
            return None
        parts = [_bound(f, upper) for f in factors]
        if any(p is None for p in parts):
            return None
        if not upper:  # a product of lower bounds bounds the product only if each is >= 0
            parts = [p if p.is_nonnegative else sp.Integer(0) for p in parts]  # type: ignore
        return coeff * sp.Mul(*parts)  # type: ignore[misc]
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp > 0:
        base = _bound(expr.base, upper)
        if base is None or not _nonnegative(expr.base):
            return None
        return base ** expr.exp
    return None


def _shifted(expr: sp.Expr, minimums: Mapping[sp.Symbol, Any]) -> sp.Expr:
    """``expr`` with each size symbol ``s`` written ``m + t`` (``t >= 0``, ``m`` its minimum).

    A polynomial in non-negative ``t`` whose coefficients are all of one sign
    has a sign SymPy can decide, which it cannot for ``s`` itself.
    """
    table = {}
    for s in expr.free_symbols:
        if not (s.is_integer and s.is_positive):  # type: ignore[attr-defined]
            continue
        t = sp.Symbol(f"_{s}_excess", integer=True, nonnegative=True)
        table[s] = sp.Integer(minimums.get(s, 1)) + t  # type: ignore[arg-type]
    return sp.expand(expr.xreplace(table)) if table else sp.expand(expr)


def _nonpositive(expr: sp.Expr, minimums: Mapping[sp.Symbol, Any]) -> bool:
    expr = sp.expand(expr)
    if expr.is_number:
        return bool(expr <= 0)
    return bool(expr.is_nonpositive) or bool(_shifted(expr, minimums).is_nonpositive)


def _size_lower(size: sp.Expr, minimums: Mapping[sp.Symbol, Any]) -> sp.Expr:
    """A lower bound of an output size: its floor-free bound, or 1 (a valid layer's sizes are >= 1)."""
    lower = _bound(size, False)
    if lower is not None and _nonpositive(1 - lower, minimums):
        return lower
    return sp.Integer(1)


def at_most(a: Any, b: Any, minimums: Mapping[sp.Symbol, Any] | None = None) -> bool:
    """True when shape (or size) ``a`` has at most the elements of ``b`` for every valid size.

    ``minimums`` gives lower bounds of size symbols (from the validity
    conditions, e.g. ``h >= 2``); every size symbol is at least 1.

    >>> from symconv.symbols import sym
    >>> h = sym("h")
    >>> at_most(sp.floor(h / 2), h), at_most(h, sp.floor(h / 2))
    (True, False)
    """
    a_sizes = tuple(a) if isinstance(a, tuple) else (a,)
    b_sizes = tuple(b) if isinstance(b, tuple) else (b,)
    return _at_most(a_sizes, b_sizes, tuple(sorted((minimums or {}).items(), key=str)))


@lru_cache(maxsize=16384)
def _at_most(a_sizes: tuple[sp.Expr, ...], b_sizes: tuple[sp.Expr, ...],
             minimum_items: tuple[tuple[sp.Symbol, int], ...]) -> bool:
    # Cached: the rows of a deep net repeat a few shapes many times.
    mins = dict(minimum_items)
    A, B = sp.Mul(*a_sizes), sp.Mul(*b_sizes)
    if _nonpositive(A - B, mins):
        return True
    uppers = [_bound(x, True) for x in a_sizes]
    if not any(u is None for u in uppers):
        lower = sp.Mul(*(_size_lower(x, mins) for x in b_sizes))
        if _nonpositive(sp.Mul(*uppers) - lower, mins):  # type: ignore[misc]
            return True
    return _ratio_at_most(a_sizes, b_sizes, mins)


#: Sizes checked exactly, from a symbol's minimum on, before the bounds take over.
EXACT_RANGE = 48


def _ratio_at_most(a: tuple[sp.Expr, ...], b: tuple[sp.Expr, ...],
                   mins: Mapping[sp.Symbol, Any]) -> bool:
    """``prod(a) <= prod(b)`` through per-symbol ratios, when every size depends on one symbol.

    ``prod(a)/prod(b)`` is then a number times one ratio ``F_s(s)/G_s(s)`` per
    symbol, and is at most the number times the product of each ratio's
    supremum.  A supremum is found exactly for ``s`` below ``m + EXACT_RANGE``
    (``m`` the symbol's minimum) and bounded beyond it: pairing each factor of
    ``F_s`` with one of ``G_s``, ``(alpha s + u)/(beta s - l)`` is monotone in
    ``s``, so its supremum on ``[m + EXACT_RANGE, oo)`` is its value there or its
    limit ``alpha/beta``.  A size of a valid layer is at least 1, so factors of
    ``G_s`` left unpaired only shrink the ratio.
    """
    groups: dict[sp.Symbol, tuple[list[sp.Expr], list[sp.Expr]]] = {}
    constant = sp.Integer(1)
    for sizes, side in ((a, 0), (b, 1)):
        for x in sizes:
            free = x.free_symbols
            if not free:
                constant = constant * x if side == 0 else constant / x
                continue
            if len(free) != 1:
                return False
            (sym_,) = free
            groups.setdefault(sym_, ([], []))[side].append(x)
    if not constant.is_number:
        return False
    bound = constant
    for sym_, (top, bottom) in groups.items():
        sup = _ratio_sup(sym_, top, bottom, int(mins.get(sym_, 1)))
        if sup is None:
            return False
        bound = bound * sup
    return bool(bound <= 1)


def _linear_bound(x: sp.Expr, s: sp.Symbol, upper: bool) -> tuple[sp.Expr, sp.Expr] | None:
    """``(slope, offset)`` of a floor-free bound ``slope*s + offset`` of size ``x``, or None."""
    b = _bound(x, upper)
    if b is None:
        return None
    b = sp.expand(b)
    if not b.is_polynomial(s) or sp.degree(b, s) > 1:
        return None
    return b.coeff(s, 1), b.coeff(s, 0)


@lru_cache(maxsize=65536)
def _value(x: sp.Expr, s: sp.Symbol, n: int) -> sp.Expr:
    """Size ``x`` at ``s = n`` (cached: deep nets repeat the same sizes row after row)."""
    return x.xreplace({s: sp.Integer(n)})


def _ratio_sup(s: sp.Symbol, top: list[sp.Expr], bottom: list[sp.Expr], low: int) -> Any:
    """An upper bound of ``prod(top)/prod(bottom)`` over integers ``s >= low`` (None: none found)."""
    if len(top) > len(bottom):
        return None  # the top grows faster: unbounded, or at least not provably bounded
    tops = [_linear_bound(x, s, True) for x in top]
    bottoms = [_linear_bound(x, s, False) for x in bottom]
    if any(t is None for t in tops) or any(b is None for b in bottoms):
        return None
    start = low + EXACT_RANGE
    tail = sp.Integer(1)
    for (alpha, u), (beta, minus_l) in zip(tops, bottoms):  # type: ignore[misc]
        if not (beta.is_positive and (beta * start + minus_l).is_positive):
            return None
        at_start = (alpha * start + u) / (beta * start + minus_l)
        tail *= sp.Max(at_start, alpha / beta)
    exact: Any = sp.Integer(0)
    for n in range(low, start):
        f = [_value(x, s, n) for x in top]
        g = [_value(x, s, n) for x in bottom]
        if any(v < 1 for v in f + g):
            continue  # a size below 1: no valid network has this s
        exact = max(exact, sp.Mul(*f) / sp.Mul(*g))
    return sp.Max(exact, tail)


def minimums(conditions: Sequence[sp.Basic]) -> dict[sp.Symbol, int]:
    """The least value of each size symbol that the one-symbol validity conditions allow.

    symconv's size conditions (a window fits its padded input) only get easier
    as an input size grows, so the least valid value is found by doubling, then
    bisection.

    >>> from symconv.symbols import sym
    >>> h, w = sym("h"), sym("w")
    >>> minimums([sp.Ge(h + 2, 5), sp.Ge(w, 2), sp.Ge(sp.floor(sp.floor(h / 2) / 2), 2)])
    {h: 8, w: 2}
    """
    out: dict[sp.Symbol, int] = {}
    for c in conditions:
        if not isinstance(c, sp.GreaterThan | sp.StrictGreaterThan | sp.LessThan
                          | sp.StrictLessThan) or len(c.free_symbols) != 1:
            continue
        (s,) = c.free_symbols
        if not (s.is_integer and s.is_positive):  # type: ignore[attr-defined]
            continue
        least = least_size([c], s, limit=2**20)  # type: ignore[arg-type]
        if least is not None:
            out[s] = max(out.get(s, 1), least)  # type: ignore[index]
    return out


def _condition(diff: sp.Expr) -> sp.Expr:
    """``diff`` without its positive factors: the sign that decides ``diff > 0``."""
    factored = sp.factor(diff)
    coeff, factors = sp.Integer(1), []
    for f in sp.Mul.make_args(factored):
        if f.is_positive:
            continue
        if f.is_number:
            coeff *= f
        else:
            factors.append(f)
    core = sp.Mul(*factors) if factors else diff
    return -core if coeff.is_negative else core


def _relation(core: sp.Expr, op: str) -> str:
    """``core op 0`` written as ``positive part op negative part`` (``c_2 > c_1``)."""
    terms = sp.Add.make_args(sp.expand(core)) if isinstance(core, sp.Add) else (core,)
    pos = sp.Add(*(t for t in terms if not t.could_extract_minus_sign()))
    neg = -sp.Add(*(t for t in terms if t.could_extract_minus_sign()))
    return f"{pos} {op} {neg}"


def _tie_text(later: Any, earlier: Any) -> str:
    core = _condition(sp.expand(later.per_sample_activations - earlier.per_sample_activations))
    return (f'row "{later.name}" ({shape_text(later.output_shape)}) is larger than row '
            f'"{earlier.name}" ({shape_text(earlier.output_shape)}) when {_relation(core, ">")}, '
            f"smaller when {_relation(core, '<')}, equal when {_relation(core, '=')}")


def _examples(leaders: Sequence[Any], mins: Mapping[sp.Symbol, int]) -> str:
    """Which row is largest at the smallest valid sizes and at large ones (one clause each)."""
    free = set().union(*(sp.Mul(*row.output_shape).free_symbols for row in leaders))
    if not all(s.is_integer and s.is_positive for s in free):  # type: ignore[attr-defined]
        return ""
    clauses = []
    for point in ({s: mins.get(s, 1) for s in free}, {s: max(mins.get(s, 1), 256) for s in free}):
        values = [(sp.Mul(*row.output_shape).xreplace(point), k) for k, row in enumerate(leaders)]
        best = max(values, key=lambda item: (item[0], -item[1]))[1]
        row = leaders[best]
        at = ", ".join(f"{s} = {v}" for s, v in sorted(point.items(), key=lambda i: str(i[0])))
        shape = tuple(x.xreplace(point) for x in row.output_shape)
        clauses.append(f'with {at} it is row "{row.name}" ({shape_text(shape)})')
    return "; ".join(clauses)


def bottleneck(rows: Sequence[Any], conditions: Sequence[sp.Basic] = ()) -> Any:
    """The row with the largest per-sample output (the first of equals), decided symbolically.

    ``conditions`` are the network's validity conditions (they bound the sizes
    from below).  Raises :class:`UndecidedBottleneck` when the answer depends on
    the sizes.
    """
    if not rows:
        raise ValueError("a network without layers has no bottleneck")
    mins = minimums(conditions)
    leaders: list[Any] = [rows[0]]  # rows no other row is proved to exceed
    for row in rows[1:]:
        if any(at_most(row.output_shape, lead.output_shape, mins) for lead in leaders):
            continue
        leaders = [lead for lead in leaders
                   if not at_most(lead.output_shape, row.output_shape, mins)]
        leaders.append(row)
    if len(leaders) == 1:
        return leaders[0]
    ties = "; ".join(_tie_text(b, a) for a, b in zip(leaders, leaders[1:]))
    if len(leaders) > 2 or len(ties) > 300:
        names = ", ".join(f'"{row.name}"' for row in leaders)
        ties = (_examples(leaders, mins) or f"rows {names} can each be the largest") + (
            f" (rows that can be the largest: {names})")
    raise UndecidedBottleneck(f"the largest output depends on the sizes: {ties}; substitute "
                              "values first (report.subs(...))")


__all__ = ["bottleneck", "at_most", "UndecidedBottleneck"]
