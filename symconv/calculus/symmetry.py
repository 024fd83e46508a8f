"""Hidden-unit symmetry of a one-hidden-layer MLP: ``d!`` (and ``2^d d!``) equal networks.

``f(x) = sum_i v_i * phi(w_i . x + b_i) + c`` is a sum over the ``d`` hidden
units, so renaming the units (a permutation of ``(w_i, b_i, v_i)``) only
reorders the terms: ``d!`` parameter vectors give the same function.  When
``phi`` is odd (``phi(-z) = -phi(z)``, e.g. tanh; decided by SymPy, not
assumed) flipping the signs of ``w_i, b_i, v_i`` also keeps term ``i``:
``(-v_i) phi(-z) = v_i phi(z)``, so the group has ``2^d d!`` elements.

These count *distinct* parameter vectors when the hidden units are distinct
(no two units equal, and for sign flips no unit equal to another's negative or
zero); otherwise some transformations give the same vector and the orbit is
smaller.  So every local minimum comes with at least ``d!`` (``2^d d!``)
equivalent ones.

Examples
--------
>>> s = mlp_symmetry(3, "tanh")
>>> s.odd, s.group_size
(True, 48)
>>> mlp_symmetry(3, "sigmoid").group_size
6
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symconv.solution import Calculation, Check, Equation, Text
from symconv.symbols import sym

_Z = sp.Symbol("z", real=True)
ACTIVATIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "tanh": sp.tanh,
    "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
    "relu": lambda z: sp.Max(0, z),
    "sin": sp.sin,
    "identity": lambda z: z,
}
_NUMPY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0),
    "sin": np.sin,
    "identity": lambda z: z,
}


def is_odd(phi: Callable[[sp.Expr], sp.Expr]) -> bool:
    """``phi(-z) + phi(z) == 0`` for every real ``z`` (SymPy simplification).

    >>> is_odd(sp.tanh), is_odd(ACTIVATIONS["relu"])
    (True, False)
    """
    return sp.simplify(phi(-_Z) + phi(_Z)) == 0


Transform = tuple[tuple[int, ...], tuple[int, ...]]  # (permutation, signs)


@dataclass(frozen=True)
class MLPSymmetry:
    """The symmetry group of one-hidden-layer MLPs with ``d`` units and activation ``phi``."""

    d: int
    activation: str
    odd: bool
    group_size: int

    def transforms(self) -> Iterator[Transform]:
        """Every (permutation, signs) in the group."""
        signs = list(itertools.product((1, -1), repeat=self.d)) if self.odd else [(1,) * self.d]
        for perm in itertools.permutations(range(self.d)):
            for sgn in signs:
                yield perm, sgn

    @staticmethod
    def apply(t: Transform, W: Any, b: Any, v: Any) -> tuple[Any, Any, Any]:
        """Parameters after the transformation (rows of ``W`` are the hidden units)."""
        perm, sgn = t
        s = np.array(sgn)
        W, b, v = np.asarray(W), np.asarray(b), np.asarray(v)
        p = list(perm)
        return W[p] * s[:, None], b[p] * s, v[p] * s

    def network(self, W: Any, b: Any, v: Any, c: Any = 0) -> Callable[[np.ndarray], np.ndarray]:
        """The MLP as a numpy function of a batch of inputs ``(n, n_in)``."""
        phi = _NUMPY[self.activation]
        W, b, v = np.asarray(W), np.asarray(b), np.asarray(v)
        return lambda x: phi(np.asarray(x) @ W.T + b) @ v + c

    def symbolic_check(self, n_in: int = 2) -> bool:
        """Every transformed network equals the original as a SymPy expression."""
        phi = ACTIVATIONS[self.activation]
        x = sp.symbols(f"x_1:{n_in + 1}", real=True)
        W = sp.Matrix(self.d, n_in, lambda i, j: sp.Symbol(f"w_{i + 1}{j + 1}", real=True))
        b = [sp.Symbol(f"b_{i + 1}", real=True) for i in range(self.d)]
        v = [sp.Symbol(f"v_{i + 1}", real=True) for i in range(self.d)]

        def f(W_, b_, v_):
            return sum(v_[i] * phi(sum(W_[i, j] * x[j] for j in range(n_in)) + b_[i])
                       for i in range(self.d))

        base = f(W, b, v)
        for perm, sgn in self.transforms():
            W2 = sp.Matrix([[sgn[i] * W[perm[i], j] for j in range(n_in)]
                            for i in range(self.d)])
            b2 = [sgn[i] * b[perm[i]] for i in range(self.d)]
            v2 = [sgn[i] * v[perm[i]] for i in range(self.d)]
            if sp.expand(f(W2, b2, v2) - base) != 0:
                return False
        return True

    def numeric_check(self, seed: int = 0, n_in: int = 3, samples: int = 50) -> tuple[bool, int]:
        """(all transformed random networks agree on random inputs, distinct parameter vectors)."""
        rng = np.random.default_rng(seed)
        W, b, v = rng.normal(size=(self.d, n_in)), rng.normal(size=self.d), rng.normal(size=self.d)
        x = rng.normal(size=(samples, n_in))
        ref = self.network(W, b, v, 0.3)(x)
        same, vectors = True, set()
        for t in self.transforms():
            W2, b2, v2 = self.apply(t, W, b, v)
            same &= bool(np.allclose(self.network(W2, b2, v2, 0.3)(x), ref, rtol=1e-12,
                                     atol=1e-12))
            vectors.add(tuple(np.round(np.concatenate([W2.ravel(), b2, v2]), 12)))
        return same, len(vectors)

    def steps(self, check: bool = True) -> list[Any]:
        """Answer-key steps: the sum over units, oddness, the count, checks."""
        i, d = sp.Symbol("i", integer=True, positive=True), sym("d")
        W, B, V = (sp.IndexedBase(n) for n in ("w", "b", "v"))
        x = sp.Symbol("x")
        phi = sp.Function("phi")
        s: list[Any] = [
            Text(f"One hidden layer of $d$ units with activation {self.activation}:"),
            Equation(sp.Function("f")(x), sp.Sum(V[i] * phi(W[i] * x + B[i]), (i, 1, d))
                     + sp.Symbol("c")),
            Text("Renaming the units (a permutation of the triples $(w_i, b_i, v_i)$) only "
                 "reorders the terms of the sum: $d!$ permutations give the same function."),
        ]
        act = ACTIVATIONS[self.activation]
        s.append(Equation(phi(-_Z) + phi(_Z), sp.Add(act(-_Z), act(_Z), evaluate=False),
                          sp.simplify(act(-_Z) + act(_Z))))
        if self.odd:
            s += [Text("The activation is odd, so flipping the signs of $w_i, b_i, v_i$ keeps "
                       "term $i$: $(-v_i)\\,\\phi(-(w_i x + b_i)) = v_i\\,\\phi(w_i x + b_i)$; "
                       "any subset of units may be flipped."),
                  Calculation("N", 2**d * sp.factorial(d), {"d": self.d})]
        else:
            s += [Text("The activation is not odd, so sign flips change the function; only "
                       "the permutations remain."),
                  Calculation("N", sp.factorial(d), {"d": self.d})]
        s.append(Text("These are distinct parameter vectors when the hidden units are distinct "
                      "(pairwise different" + (", not negatives of each other and not zero"
                                               if self.odd else "") + "): then every local "
                      "minimum has at least N - 1 equivalent copies."))
        if self.activation == "identity":
            s.append(Text("(With the identity the network is linear: any invertible mixing of "
                          "the hidden units, not only these, leaves it unchanged.)"))
        elif self.activation == "relu":
            s.append(Text("(ReLU has another symmetry: scaling $w_i, b_i$ by $a > 0$ and $v_i$ "
                          "by $1/a$; it is continuous, not counted here.)"))
        if check:
            same, count = self.numeric_check()
            s += [Check("symbolic equality of all transformed networks", "SymPy expand",
                        sp.true, sp.sympify(self.symbolic_check()), self.symbolic_check()),
                  Check("transformed random networks compute the same outputs",
                        "numpy, 50 random inputs, tolerance 1e-12", sp.true, sp.sympify(same),
                        same),
                  Check("distinct parameter vectors of a random network", "enumeration",
                        sp.Integer(self.group_size), sp.Integer(count),
                        count == self.group_size)]
        from symconv.display.steps import Steps

        return Steps(s, title="Hidden-unit symmetry")

    def _repr_html_(self) -> str:
        from symconv.display.symmetry import symmetry_html

        return symmetry_html(self)

    def __str__(self) -> str:
        from symconv.display.symmetry import symmetry_text

        return symmetry_text(self)

    __repr__ = __str__


def mlp_symmetry(d: int, activation: str = "tanh") -> MLPSymmetry:
    """The hidden-unit symmetry of a ``d``-unit MLP (activation: tanh, sigmoid, relu, sin...)."""
    activation = str(activation)  # question files pass names, which arrive as symbols
    d = int(d)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
    if d < 1:
        raise ValueError("d must be a positive number of hidden units")
    odd = is_odd(ACTIVATIONS[activation])
    size = int(sp.factorial(d)) * (2**d if odd else 1)
    return MLPSymmetry(d, activation, odd, size)


__all__ = ["MLPSymmetry", "is_odd", "mlp_symmetry"]
