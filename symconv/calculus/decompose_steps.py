"""Answer-key steps for :func:`symconv.calculus.decompose.decompose`.

Examples
--------
>>> import sympy as sp
>>> from symconv.calculus.decompose import decompose
>>> steps = decompose(sp.Matrix([[0, 1, 0], [1, -4, 1], [0, 1, 0]]), (2, 2)).steps()
>>> [(c.name, c.passed) for c in steps if type(c).__name__ == "Check"]
[('no complex kernels of these sizes compose to $K$', True)]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.checks import array_check, small_ints
from symconv.solution import Calculation, Check, Equation, Text
from symconv.symbols import symbols


def _matrix(k: Any) -> Any:
    arr = np.array(k.tolist() if isinstance(k, sp.MatrixBase) else k, dtype=object)
    arr = np.vectorize(sp.nsimplify, otypes=[object])(arr)
    return sp.Matrix(arr.tolist()) if arr.ndim == 2 else sp.Matrix([list(arr)])


def decomposition_steps(d: Any, certificate: bool = True) -> list[Any]:
    """Steps of :meth:`Decomposition.steps`."""
    k1, k2 = d.sizes
    P = sp.Symbol("P_K")
    size1, size2 = (r" \times ".join(map(str, k)) for k in (k1, k2))
    deg1, deg2 = (", ".join(str(v - 1) for v in k) for k in (k1, k2))
    s: list[Any] = [
        Text("Stacking $K_1$ then $K_2$ (stride 1, correlation as in torch) gives the kernel "
             "whose polynomial $P_K(z) = \\sum_t K_t z^t$ is the product $P_{K_1} P_{K_2}$. So "
             f"$K$ is a stack of a ${size1}$ and a ${size2}$ kernel exactly when $P_K$ splits "
             f"into a factor of degrees at most $({deg1})$ and one of degrees at most "
             f"$({deg2})$ (one degree per axis)."),
        Equation(sp.Symbol("K"), _matrix(d.kernel)),
    ]
    factored = sp.factor(d.polynomial)
    if sp.srepr(factored) == sp.srepr(sp.expand(d.polynomial)) or len(d.factors) <= 1:
        s += [Equation(P, d.polynomial),
              Text("This polynomial is irreducible over $\\mathbb{Q}$: it has no factor but "
                   "itself and constants.")]
    else:
        s.append(Equation(P, d.polynomial, factored, label="Factored over $\\mathbb{Q}$:"))
    a, b = symbols("k_1 k_2")
    dims = len(k1)
    vals = {"k_1": k1[0], "k_2": k2[0]} if len(set(k1 + k2)) <= 2 and k1 == (k1[0],) * dims \
        and k2 == (k2[0],) * dims else None
    if vals is not None:
        s += [
            Text("Counting parameters (a scale moves freely between the two kernels):"),
            Calculation("parameters", a**dims + b**dims - 1, vals),
            Calculation("entries", (a + b - 1) ** dims, vals),
        ]
        if (k1[0] + k2[0] - 1) ** dims > k1[0] ** dims + k2[0] ** dims - 1:
            s.append(Text("Fewer parameters than entries: the stacks form a lower-dimensional "
                          "set, so not every kernel of this size is a stack."))
    if d.kernels is not None:
        s += [Text("A grouping of the factors fits both sizes:"),
              Equation(sp.Symbol("K_1"), _matrix(d.kernels[0])),
              Equation(sp.Symbol("K_2"), _matrix(d.kernels[1])),
              _conv_check(d)]
        return s
    degrees = "; ".join(f"${sp.latex(f)}$ of degrees $({', '.join(map(str, d.degrees(f)))})$"
                        for f, _ in d.factors)
    s.append(Text(f"Its factors over $\\mathbb{{Q}}$: {degrees or '$1$'}. No grouping of them "
                  f"has degrees at most $({deg1})$ with the rest at most $({deg2})$, so $K$ is "
                  "not a stack of these sizes with rational entries."))
    if certificate:
        basis = d.complex_certificate()
        if basis is None:
            s.append(Text("(Too many unknowns for the Groebner-basis check over $\\mathbb{C}$.)"))
        elif basis == [1]:
            s.append(Check("no complex kernels of these sizes compose to $K$",
                           "Groebner basis (SymPy) of the equations $K_1 * K_2 = K$ in the "
                           "unknown entries; the basis $\\{1\\}$ means no solution "
                           "(Nullstellensatz)", sp.Integer(1), sp.Integer(1), True))
        else:
            s.append(Text("Over $\\mathbb{C}$ the equations are consistent (their Groebner "
                          "basis is not $\\{1\\}$): $K$ is a stack of complex kernels, though not "
                          "of rational ones."))
    return s


def _conv_check(d: Any) -> Check:
    """conv(conv(x, K1), K2) == conv(x, K) by explicit loops on an integer input."""
    from symconv.oracles.bruteforce import conv_nd

    K = np.array(_matrix(d.kernel).tolist(), dtype=float)
    K1 = np.array(_matrix(d.kernels[0]).tolist(), dtype=float)
    K2 = np.array(_matrix(d.kernels[1]).tolist(), dtype=float)
    dims = len(d.sizes[0])
    if dims == 1:
        K, K1, K2 = K[0], K1[0], K2[0]
    shape = (1, 1) + (K.shape[0] + 4,) * dims
    x = small_ints(np.random.default_rng(0), shape)
    one = (1,) * dims
    zero = (0,) * dims

    def conv(a, k):
        return conv_nd(a, k.reshape((1, 1) + k.shape), stride=one, padding=zero)[0]

    return array_check("$K_2 \\star (K_1 \\star x) = K \\star x$",
                       "explicit loops on an integer input",
                       conv(x, K), conv(conv(x, K1), K2))
