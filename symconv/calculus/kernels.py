"""The explicit kernel of two stacked convolutions, as a product of polynomials.

In the correlation convention of ``torch.nn.ConvNd`` a kernel ``K`` is the
polynomial ``P_K(z) = sum_t K[t] z^t`` (one variable per spatial axis).  The
substitution in :mod:`symconv.calculus.compose` puts the product
``w2[t2] w1[t1]`` at tap ``t1*d1 + t2*s1*d2``, i.e.

    P_K(z) = P_K1(z^d1) * P_K2(z^(s1*d2))

-- for ``s1 = d1 = d2 = 1`` the full 2-D convolution ``K2 * K1`` (a true
convolution of the two kernels, no flip, although each layer correlates).
With channels the polynomials form matrices, ``P[c2, c0] = sum_c1 P2[c2, c1] P1[c1, c0]``.

Examples
--------
>>> import sympy as sp
>>> compose_kernels(sp.Matrix([[1, 1], [1, 1]]), sp.Matrix([[1, 1], [1, 1]]))
Matrix([
[1, 2, 1],
[2, 4, 2],
[1, 2, 1]])
>>> compose_kernels([1, 2], [1, -1], stride1=2)       # taps of K2 land 2 apart
array([ 1.,  2., -1., -2.])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from math import gcd
from typing import Any

import numpy as np
import sympy as sp

IntArg = int | Sequence[int]


def _per_axis(v: IntArg, dims: int) -> tuple[int, ...]:
    out: tuple[Any, ...] = tuple(v) if isinstance(v, (tuple, list)) else (v,) * dims
    if len(out) != dims:
        raise ValueError(f"need one value per spatial axis ({dims}), got {v!r}")
    return tuple(int(a) for a in out)


def _as_channels(K: Any) -> tuple[np.ndarray, int, bool]:
    """``(array (c_out, c_in, *k) of SymPy numbers, spatial dims, was single-channel)``."""
    if isinstance(K, sp.MatrixBase):
        arr = np.array(K.tolist(), dtype=object)
    else:
        arr = np.array(K, dtype=object)
    if arr.ndim <= 2:
        return arr.reshape((1, 1) + arr.shape), arr.ndim, True
    return arr, arr.ndim - 2, False


def _dense(arr: np.ndarray, groups: int) -> np.ndarray:
    """Grouped weights ``(c_out, c_in/g, *k)`` as dense ``(c_out, c_in, *k)`` (zeros across groups)."""
    if groups == 1:
        return arr
    c_out, c_in_g = arr.shape[:2]
    out = np.zeros((c_out, c_in_g * groups) + arr.shape[2:], dtype=object)
    out[...] = sp.Integer(0)
    per = c_out // groups
    for f in range(c_out):
        g = f // per
        out[f, g * c_in_g:(g + 1) * c_in_g] = arr[f]
    return out


def _poly(kernel: np.ndarray, zs: Sequence[sp.Symbol], step: Sequence[int]) -> sp.Expr:
    return sp.Add(*(sp.sympify(kernel[t]) * sp.Mul(*(z ** (ti * st) for z, ti, st in
                                                     zip(zs, t, step)))
                    for t in itertools.product(*(range(n) for n in kernel.shape))))


def kernel_polynomial(K: Any, zs: Sequence[sp.Symbol] | None = None) -> sp.Expr:
    """``P_K``: the kernel's entries as coefficients of monomials in ``z_1, z_2, ...``.

    >>> kernel_polynomial(sp.Matrix([[1, 2], [3, 4]]))
    4*z_1*z_2 + 3*z_1 + 2*z_2 + 1
    """
    arr, dims, _ = _as_channels(K)
    zs = zs or sp.symbols(" ".join(f"z_{a + 1}" for a in range(dims)))
    zs = zs if isinstance(zs, (tuple, list)) else (zs,)
    return _poly(arr[0, 0], zs, (1,) * dims)


def compose_kernels(K1: Any, K2: Any, stride1: IntArg = 1, dilation1: IntArg = 1,
                    dilation2: IntArg = 1, groups1: int = 1, groups2: int = 1) -> Any:
    """The kernel of ``conv(K2, stride1*...)`` applied after ``conv(K1, stride1)``.

    Parameters
    ----------
    K1, K2 : single-channel kernels (1-d/2-d lists, numpy arrays or a SymPy
        ``Matrix``) or torch-layout weights ``(c_out, c_in/groups, *k)``
    stride1 : stride of the first layer (spreads the second kernel's taps)
    dilation1, dilation2 : dilations of the two layers
    groups1, groups2 : groups of the two layers (weights are given grouped)

    Returns
    -------
    The composed kernel at its own dilation ``gcd(d1, s1*d2)`` per axis: a
    ``Matrix`` for Matrix input, else a numpy array (float when every entry is
    a number, SymPy objects otherwise); torch layout with groups ``g`` when
    both layers have ``g`` groups, dense otherwise.
    """
    A1, dims, single = _as_channels(K1)
    A2, dims2, _ = _as_channels(K2)
    if dims != dims2:
        raise ValueError("compose_kernels: the kernels have different numbers of spatial axes")
    s1, d1, d2 = (_per_axis(v, dims) for v in (stride1, dilation1, dilation2))
    D1, D2 = _dense(A1, groups1), _dense(A2, groups2)
    if D2.shape[1] != D1.shape[0]:
        raise ValueError(f"compose_kernels: the first kernel gives {D1.shape[0]} channels, "
                         f"the second takes {D2.shape[1]}")
    zs = sp.symbols(" ".join(f"z_{a + 1}" for a in range(dims)))
    zs = zs if isinstance(zs, tuple) else (zs,)
    step2 = tuple(s * d for s, d in zip(s1, d2))
    P1 = [[_poly(D1[c1, c0], zs, d1) for c0 in range(D1.shape[1])] for c1 in range(D1.shape[0])]
    P2 = [[_poly(D2[c2, c1], zs, step2) for c1 in range(D2.shape[1])] for c2 in range(D2.shape[0])]
    dil = tuple(gcd(a, b) for a, b in zip(d1, step2))
    k = tuple((a * (k1 - 1) + b * (k2 - 1)) // g + 1 for a, b, k1, k2, g in
              zip(d1, step2, D1.shape[2:], D2.shape[2:], dil))
    out = np.zeros((D2.shape[0], D1.shape[1]) + k, dtype=object)
    for c2, c0 in itertools.product(range(D2.shape[0]), range(D1.shape[1])):
        prod = sp.Poly(sp.expand(sum((P2[c2][c1] * P1[c1][c0] for c1 in range(D1.shape[0])),
                                     sp.Integer(0))), *zs)
        block = np.zeros(k, dtype=object)
        block[...] = sp.Integer(0)
        for exps, coeff in prod.terms():
            block[tuple(e // g for e, g in zip(exps, dil))] = coeff
        out[c2, c0] = block
    if groups1 == groups2 and groups1 > 1:
        out = _regroup(out, groups1)
    return _like(out, K1, single, dims)


def fold_bias(w2: Any, b1: Any, b2: Any = None, groups2: int = 1) -> np.ndarray:
    """Bias of the single layer: ``b[c2] = b2[c2] + sum_{c1,t} w2[c2, c1, t] * b1[c1]``.

    (Substituting ``y = W1 x + b1`` into ``z = W2 y + b2``: the constant part.)

    >>> fold_bias(np.ones((1, 2, 3)), np.array([1.0, 2.0]), np.array([0.5]))
    array([9.5])
    """
    dense = _dense(np.array(w2, dtype=object), groups2)
    b1 = np.zeros(dense.shape[1]) if b1 is None else np.asarray(b1, dtype=float)
    sums = np.array([[float(sum(dense[c2, c1].flat)) for c1 in range(dense.shape[1])]
                     for c2 in range(dense.shape[0])])
    out = sums @ b1
    return out + (0.0 if b2 is None else np.asarray(b2, dtype=float))


def _regroup(dense: np.ndarray, groups: int) -> np.ndarray:
    c_out, c_in = dense.shape[:2]
    per_out, per_in = c_out // groups, c_in // groups
    return np.stack([dense[f, (f // per_out) * per_in:(f // per_out + 1) * per_in]
                     for f in range(c_out)])


def _like(out: np.ndarray, K1: Any, single: bool, dims: int) -> Any:
    arr = out[0, 0] if single else out
    if isinstance(K1, sp.MatrixBase) and dims == 2:
        return sp.Matrix(arr.tolist())
    if all(sp.sympify(v).is_number for v in arr.flat):
        return np.array([float(v) for v in arr.flat]).reshape(arr.shape)
    return arr


__all__ = ["compose_kernels", "fold_bias", "kernel_polynomial"]
