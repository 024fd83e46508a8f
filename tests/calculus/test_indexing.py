"""The index-formula machinery: delta resolution, exact evaluation, range proofs, counting."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symconv.calculus.evaluate import evaluate
from symconv.calculus.expectation import count_indicator_sum
from symconv.calculus.indexing import always_in_range, index, resolve_deltas

o, t, i = index("o"), index("t"), index("i")
dy, x = sp.IndexedBase("dy"), sp.IndexedBase("x")


def test_condition_absorbed_only_by_a_tensor_factor():
    shapes = {"dy": (4,)}
    absorbed = resolve_deltas(sp.Sum(dy[o] * sp.KroneckerDelta(i, 2 * o), (o, 0, 3)), {},
                              shapes)
    assert not absorbed.has(sp.Piecewise)
    kept = resolve_deltas(sp.Sum((dy[o] + 1) * sp.KroneckerDelta(i, 2 * o), (o, 0, 3)), {},
                          shapes)
    assert kept.has(sp.Piecewise)
    # Both agree with the delta summed by brute force, for every i.
    arr = np.array([3.0, -1.0, 4.0, 2.0])
    for expr, body in ((absorbed, lambda oo: arr[oo]), (kept, lambda oo: arr[oo] + 1)):
        got = evaluate(expr, {"dy": arr}, [(i, 9)])
        want = [sum(body(oo) for oo in range(4) if ii == 2 * oo) for ii in range(9)]
        assert np.array_equal(got, want)


@given(s=st.integers(1, 3), d=st.integers(1, 3), p=st.integers(0, 3), k=st.integers(1, 4),
       n_out=st.integers(1, 5))
def test_scatter_formula_equals_brute_force_sum_over_deltas(s, d, p, k, n_out):
    """sum_{o,t} dy[o] w[t] delta(i, o*s + t*d - p), resolved for o, evaluated exactly."""
    w = sp.IndexedBase("w")
    chain = sp.Sum(dy[o] * w[t] * sp.KroneckerDelta(i, o * s + t * d - p),
                   (o, 0, n_out - 1), (t, 0, k - 1))
    resolved = resolve_deltas(chain, {}, {"dy": (n_out,), "w": (k,)}, prefer=(o,))
    rng = np.random.default_rng(s * 100 + d * 10 + p)
    a, b = rng.integers(-3, 4, n_out).astype(float), rng.integers(-3, 4, k).astype(float)
    n_in = (n_out - 1) * s + (k - 1) * d + 1
    got = evaluate(resolved, {"dy": a, "w": b}, [(i, n_in)])
    want = [sum(a[oo] * b[tt] for oo in range(n_out) for tt in range(k)
                if ii == oo * s + tt * d - p) for ii in range(n_in)]
    assert np.array_equal(got, want)


def test_always_in_range_uses_the_floor_lemma():
    n, k, s = (sp.Symbol(c, integer=True, positive=True) for c in "nks")
    top = sp.floor((n - k) / s)
    assert always_in_range(o * s + t, 0, n - 1, {o: (0, top), t: (0, k - 1)})
    assert not always_in_range(o * s + t + 1, 0, n - 1, {o: (0, top), t: (0, k - 1)})


@given(a=st.integers(1, 3), e=st.integers(-5, 5), lo=st.integers(-3, 3), width=st.integers(0, 8),
       hi=st.integers(0, 9))
def test_indicator_count_matches_enumeration(a, e, lo, width, hi):
    cond = sp.And(sp.Ge(a * o + e, lo), sp.Le(a * o + e, lo + width))
    closed = count_indicator_sum(sp.Sum(sp.Piecewise((1, cond), (0, True)), (o, 0, hi)))
    want = sum(1 for oo in range(hi + 1) if lo <= a * oo + e <= lo + width)
    assert closed == want
