"""The converse of composition: is a kernel two smaller stacked kernels?

Stacking ``K1`` (``k1 x k1``) then ``K2`` (``k2 x k2``) with stride 1 gives the
kernel whose polynomial is ``P_K1 * P_K2`` (:mod:`symconv.calculus.kernels`).
So ``K`` (``(k1+k2-1)`` per side) is such a stack exactly when ``P_K`` factors
into a part of degree ``<= k1-1`` in each variable and a part of degree
``<= k2-1`` in each.  :func:`decompose` factors ``P_K`` **over the rationals Q**
(``sympy.factor_list``) and tries every grouping of the irreducible factors.

The field matters.  In 1-d every polynomial splits into linear factors over C,
so over C every 1-d kernel of length ``k1+k2-1`` is a stack (over R, up to
pairs of complex roots).  In 2-d a generic polynomial stays irreducible even
over C; a larger field helps only special kernels: ``[[1,0,0],[0,0,0],[0,0,1]]``
is ``1 + z1^2 z2^2 = (1 + i z1 z2)(1 - i z1 z2)``, two 2x2 kernels over C but not
over Q.  :meth:`Decomposition.complex_certificate` settles the complex case for
small sizes with a Groebner basis: the basis ``[1]`` proves no complex solution.

Examples
--------
>>> import sympy as sp
>>> d = decompose(sp.Matrix([[1, 2, 1], [2, 4, 2], [1, 2, 1]]), (2, 2))
>>> d.kernels
(Matrix([
[1, 1],
[1, 1]]), Matrix([
[1, 1],
[1, 1]]))
>>> decompose(sp.Matrix([[0, 1, 0], [1, -4, 1], [0, 1, 0]]), (2, 2)).kernels is None
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.kernels import kernel_polynomial


def _sizes(k: Any, dims: int) -> tuple[int, ...]:
    out = tuple(k) if isinstance(k, (tuple, list)) else (k,) * dims
    if len(out) != dims:
        raise ValueError(f"kernel size {k!r} needs {dims} values")
    return tuple(int(v) for v in out)


def _rational(v: Any) -> sp.Rational:
    r = sp.nsimplify(v, rational=True) if isinstance(v, float) else sp.sympify(v)
    if not r.is_Rational:
        raise ValueError(f"decompose works over Q: the entry {v!r} is not a rational number")
    return r


@dataclass(frozen=True)
class Decomposition:
    """The answer of :func:`decompose`: two kernels, or None with the reason."""

    kernel: Any
    sizes: tuple[tuple[int, ...], tuple[int, ...]]
    polynomial: sp.Expr
    factors: tuple[tuple[sp.Expr, int], ...]
    content: sp.Expr
    variables: tuple[sp.Symbol, ...]
    kernels: tuple[Any, Any] | None
    reason: str
    field: str = "Q"

    def degrees(self, f: sp.Expr) -> tuple[int, ...]:
        """Degree of ``f`` in each variable (its kernel extent minus 1 per axis)."""
        return tuple(sp.degree(f, z) for z in self.variables)

    def complex_certificate(self, max_unknowns: int = 12) -> list[sp.Expr] | None:
        """Groebner basis of ``K1 * K2 = K`` in the unknown entries (None: too many unknowns).

        ``[1]`` means the equations are inconsistent over C (Hilbert's
        Nullstellensatz): no complex kernels of these sizes compose to ``K``.
        """
        (k1, k2) = self.sizes
        n1, n2 = int(np.prod(k1)), int(np.prod(k2))
        if n1 + n2 > max_unknowns:
            return None
        a, b = sp.symbols(f"a0:{n1}"), sp.symbols(f"b0:{n2}")
        A = np.array(a, dtype=object).reshape(k1)
        B = np.array(b, dtype=object).reshape(k2)
        zs = self.variables
        diff = sp.expand(kernel_polynomial(_as_like(A), zs) * kernel_polynomial(_as_like(B), zs)
                         - self.polynomial)
        eqs = sp.Poly(diff, *zs).coeffs()
        return list(sp.groebner(eqs, *a, *b, order="grevlex"))

    def steps(self, certificate: bool = True) -> list[Any]:
        """Answer-key steps (see :mod:`symconv.calculus.decompose_steps`)."""
        from symconv.calculus.decompose_steps import decomposition_steps
        from symconv.display.steps import Steps

        return Steps(decomposition_steps(self, certificate=certificate), title="Decomposition")

    def _repr_html_(self) -> str:
        from symconv.display.decomposition import decomposition_html

        return decomposition_html(self)

    def __str__(self) -> str:
        from symconv.display.decomposition import decomposition_text

        return decomposition_text(self)

    __repr__ = __str__


def _as_like(arr: np.ndarray) -> Any:
    return sp.Matrix(arr.tolist()) if arr.ndim == 2 else list(arr)


def _coefficients(f: sp.Expr, zs: tuple[sp.Symbol, ...], shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=object)
    out[...] = sp.Integer(0)
    for exps, c in sp.Poly(f, *zs).terms():
        out[exps] = c
    return out


def decompose(K: Any, sizes: tuple[Any, Any]) -> Decomposition:
    """Two kernels of sizes ``sizes = (k1, k2)`` whose stack is ``K``, found over Q, or None.

    ``K`` is a single-channel 1-d or 2-d kernel (list, numpy array or SymPy
    ``Matrix``) of rational entries and size ``k1 + k2 - 1`` on each axis.  The
    first kernel carries the common factor; any ``(c*K1, K2/c)`` works as well.
    """
    arr = np.array(K.tolist() if isinstance(K, sp.MatrixBase) else K, dtype=object)
    dims = arr.ndim
    if dims not in (1, 2):
        raise ValueError("decompose takes a single-channel 1-d or 2-d kernel")
    k1, k2 = _sizes(sizes[0], dims), _sizes(sizes[1], dims)
    need = tuple(a + b - 1 for a, b in zip(k1, k2))
    if arr.shape != need:
        raise ValueError(f"a stack of sizes {k1} and {k2} has a kernel of size {need}, "
                         f"not {arr.shape}")
    arr = np.vectorize(_rational, otypes=[object])(arr)
    zs = tuple(sp.symbols(" ".join(f"z_{a + 1}" for a in range(dims)), seq=True))
    P = kernel_polynomial(_as_like(arr), zs)
    if P == 0:
        zero1 = _coefficients(sp.Integer(0), zs, k1)
        return Decomposition(K, (k1, k2), P, (), sp.Integer(0), zs,
                             (_as_like(zero1), _as_like(_coefficients(sp.Integer(1), zs, k2))),
                             "the zero kernel is the zero kernel after anything")
    content, factors = sp.factor_list(P, *zs)
    pool = [f for f, m in factors for _ in range(m)]
    result = _search(pool, zs, k1, k2)
    factors_t = tuple((f, m) for f, m in factors)
    if result is None:
        degs = ", ".join(f"{f} (degrees {tuple(sp.degree(f, z) for z in zs)})" for f, _ in factors)
        reason = (f"over Q the kernel polynomial factors only as {content} x [{degs or '1'}]; "
                  f"no grouping of these factors has degrees <= {tuple(k - 1 for k in k1)} "
                  f"with the rest <= {tuple(k - 1 for k in k2)}")
        return Decomposition(K, (k1, k2), P, factors_t, content, zs, None, reason)
    A, B = result
    A = sp.expand(content * A)
    kernels = (_as_like(_coefficients(A, zs, k1)), _as_like(_coefficients(B, zs, k2)))
    if isinstance(K, np.ndarray):
        kernels = tuple(np.array(k, dtype=float) for k in kernels)  # type: ignore[assignment]
    reason = f"P_K = ({A}) * ({B}) over Q; the factors fit {k1} and {k2}"
    return Decomposition(K, (k1, k2), P, factors_t, content, zs, kernels, reason)


def _search(pool: list[sp.Expr], zs, k1, k2) -> tuple[sp.Expr, sp.Expr] | None:
    """A split of the factor multiset into parts fitting ``k1`` and ``k2`` (or None)."""
    seen = set()
    for r in range(len(pool) + 1):
        for chosen in itertools.combinations(range(len(pool)), r):
            key = tuple(sorted(str(pool[i]) for i in chosen))
            if key in seen:
                continue
            seen.add(key)
            A = sp.Mul(*(pool[i] for i in chosen))
            B = sp.Mul(*(pool[i] for i in range(len(pool)) if i not in chosen))
            if all(sp.degree(A, z) <= k - 1 for z, k in zip(zs, k1)) and all(
                    sp.degree(B, z) <= k - 1 for z, k in zip(zs, k2)):
                return sp.expand(A), sp.expand(B)
    return None


__all__ = ["Decomposition", "decompose"]
