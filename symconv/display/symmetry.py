"""How an :class:`~symconv.calculus.symmetry.MLPSymmetry` shows itself.

Examples
--------
>>> import symconv
>>> print(symmetry_text(symconv.mlp_symmetry(3, "tanh")))
one hidden layer of 3 tanh units: 48 equivalent parameter vectors (2^d d!: tanh is odd)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.printing import latex


def _formula(m: Any) -> str:
    return "2^d d!" if m.odd else "d!"


def symmetry_html(m: Any) -> str:
    d = sp.Symbol("d")
    count = 2**d * sp.factorial(d) if m.odd else sp.factorial(d)
    why = "the activation is odd: permutations and sign flips" if m.odd else (
        "the activation is not odd: permutations only")
    return H.block(f"<p>One hidden layer of {m.d} {H.escape(m.activation)} units: "
                   f"{H.inline(latex(count) + ' = ' + latex(sp.Integer(m.group_size), compact=True))}"
                   f" equivalent parameter vectors ({H.escape(why)}).</p>")


def symmetry_text(m: Any) -> str:
    why = f"{m.activation} is odd" if m.odd else f"{m.activation} is not odd"
    return (f"one hidden layer of {m.d} {m.activation} units: {m.group_size:,} equivalent "
            f"parameter vectors ({_formula(m)}: {why})")


__all__ = ["symmetry_html", "symmetry_text"]
