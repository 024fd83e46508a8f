"""Hidden-unit symmetry of a one-hidden-layer MLP: ``d!`` (and ``2^d d!``) equal networks.

``f(x) = sum_i v_i * phi(w_i . x + b_i) + c`` is a sum over the ``d`` hidden
units, so renaming the units (a permutation of ``(w_i, b_i, v_i)``) only
reorders the terms: ``d!`` parameter vectors give the same function.  When
``phi(-z) + phi(z)`` is a constant ``a`` (decided by SymPy, not assumed: 0 for
an odd ``phi`` such as tanh, 1 for the sigmoid, since ``sigma(-z) = 1 - sigma(z)``)
flipping the signs of ``w_i, b_i, v_i`` and adding ``a v_i`` to the output bias
``c`` also keeps the function: ``(-v_i) phi(-z) + a v_i = v_i phi(z)``, so the
group has ``2^d d!`` elements.

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
>>> s = mlp_symmetry(3, "sigmoid")
>>> s.odd, s.shift, s.group_size, s.permutations
(False, 1, 48, factorial(d))
>>> mlp_symmetry(3, "relu").group_size
6
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symconv.symbols import sym

_Z = sp.Symbol("z", real=True)
ACTIVATIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "tanh": sp.tanh,
    "sigmoid": lambda z: 1 / (1 + sp.exp(-z)),
    "relu": lambda z: sp.Max(0, z),
    "sin": sp.sin,
    "identity": lambda z: z,
}
_SYMBOLIC: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "sigmoid": lambda z: (1 + sp.tanh(z / 2)) / 2,
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


def flip_shift(phi: Callable[[sp.Expr], sp.Expr]) -> sp.Expr | None:
    """``phi(-z) + phi(z)`` when it is a constant (0 for odd ``phi``, 1 for the sigmoid), else None.

    >>> flip_shift(ACTIVATIONS["sigmoid"]), flip_shift(sp.tanh), flip_shift(ACTIVATIONS["relu"])
    (1, 0, None)
    """
    total = sp.simplify(phi(-_Z) + phi(_Z))
    return None if total.has(_Z) else total


Transform = tuple[tuple[int, ...], tuple[int, ...]]  # (permutation, signs)


@dataclass(frozen=True)
class MLPSymmetry:
    """The symmetry group of one-hidden-layer MLPs with ``d`` units and activation ``phi``."""

    d: int
    activation: str
    odd: bool
    group_size: int
    #: ``phi(-z) + phi(z)`` when constant (sign flips then keep the function), else None.
    shift: Any = None

    @property
    def flips(self) -> bool:
        """Whether flipping a unit's signs (with the output bias adjusted) keeps the function."""
        return self.shift is not None

    @property
    def permutations(self) -> sp.Expr:
        """``d!`` for a symbolic number of units ``d``."""
        return sp.factorial(sym("d"))

    @property
    def formula(self) -> sp.Expr:
        """The group's size for a symbolic ``d``: ``2^d d!`` with sign flips, else ``d!``."""
        d = sym("d")
        return 2**d * sp.factorial(d) if self.flips else sp.factorial(d)

    def transforms(self) -> Iterator[Transform]:
        """Every (permutation, signs) in the group."""
        signs = list(itertools.product((1, -1), repeat=self.d)) if self.flips else [
            (1,) * self.d]
        for perm in itertools.permutations(range(self.d)):
            for sgn in signs:
                yield perm, sgn

    def apply(self, t: Transform, W: Any, b: Any, v: Any, c: Any = None) -> tuple[Any, ...]:
        """Parameters after the transformation (rows of ``W`` are the hidden units).

        With the output bias ``c`` it is returned too, shifted by ``a v_i`` for
        every flipped unit (``a = phi(-z) + phi(z)``).
        """
        perm, sgn = t
        s = np.array(sgn)
        W, b, v = np.asarray(W), np.asarray(b), np.asarray(v)
        p = list(perm)
        out = (W[p] * s[:, None], b[p] * s, v[p] * s)
        if c is None:
            return out
        a = float(self.shift) if self.shift is not None else 0.0
        return (*out, c + a * float(np.sum(v[p][s < 0])))

    def network(self, W: Any, b: Any, v: Any, c: Any = 0) -> Callable[[np.ndarray], np.ndarray]:
        """The MLP as a numpy function of a batch of inputs ``(n, n_in)``."""
        phi = _NUMPY[self.activation]
        W, b, v = np.asarray(W), np.asarray(b), np.asarray(v)
        return lambda x: phi(np.asarray(x) @ W.T + b) @ v + c

    def symbolic_check(self, n_in: int = 2) -> bool:
        """Every transformed network equals the original as a SymPy expression."""
        # the sigmoid as (1 + tanh(z/2))/2 (the same function): expand then cancels its flips
        phi = _SYMBOLIC.get(self.activation, ACTIVATIONS[self.activation])
        x = sp.symbols(f"x_1:{n_in + 1}", real=True)
        W = sp.Matrix(self.d, n_in, lambda i, j: sp.Symbol(f"w_{i + 1}{j + 1}", real=True))
        b = [sp.Symbol(f"b_{i + 1}", real=True) for i in range(self.d)]
        v = [sp.Symbol(f"v_{i + 1}", real=True) for i in range(self.d)]

        c = sp.Symbol("c", real=True)
        a = self.shift if self.shift is not None else 0

        def f(W_, b_, v_, c_):
            return c_ + sum(v_[i] * phi(sum(W_[i, j] * x[j] for j in range(n_in)) + b_[i])
                            for i in range(self.d))

        base = f(W, b, v, c)
        for perm, sgn in self.transforms():
            W2 = sp.Matrix([[sgn[i] * W[perm[i], j] for j in range(n_in)]
                            for i in range(self.d)])
            b2 = [sgn[i] * b[perm[i]] for i in range(self.d)]
            v2 = [sgn[i] * v[perm[i]] for i in range(self.d)]
            c2 = c + a * sum(v[perm[i]] for i in range(self.d) if sgn[i] < 0)
            if sp.expand(f(W2, b2, v2, c2) - base) != 0:
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
            W2, b2, v2, c2 = self.apply(t, W, b, v, 0.3)
            same &= bool(np.allclose(self.network(W2, b2, v2, c2)(x), ref, rtol=1e-12,
                                     atol=1e-12))
            vectors.add(tuple(np.round(np.concatenate([W2.ravel(), b2, v2, [c2]]), 12)))
        return same, len(vectors)

    def steps(self, check: bool = True) -> list[Any]:
        """Answer-key steps (see :mod:`symconv.calculus.symmetry_steps`)."""
        from symconv.calculus.symmetry_steps import symmetry_steps
        from symconv.display.steps import Steps

        return Steps(symmetry_steps(self, check), title="Hidden-unit symmetry")

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
    shift = flip_shift(ACTIVATIONS[activation])
    size = int(sp.factorial(d)) * (2**d if shift is not None else 1)
    return MLPSymmetry(d, activation, odd, size, shift)


__all__ = ["MLPSymmetry", "flip_shift", "is_odd", "mlp_symmetry"]
