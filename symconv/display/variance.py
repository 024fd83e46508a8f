r"""How a :class:`~symconv.calculus.variance.GradientVariance` shows itself.

The weight gradient as derived, its variance and standard deviation, under
the stated assumptions (independent, zero-mean inputs and upstream gradients).

Examples
--------
>>> import symconv
>>> v = symconv.gradient_variance(symconv.Conv2d(1, 1, "k"), (1, "n", "n"))
>>> print(variance_text(v).splitlines()[-1])
std = sigma_g*sigma_x*(-k + n + 1)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.display.latex import array, label
from symconv.printing import latex

ASSUMPTIONS = ("inputs x and upstream gradients dy independent, entries independent with mean 0 "
               "and variances σx², σg²; zero padding is the constant 0")


def _sides(v: Any) -> list[tuple[str, str, Any]]:
    """(what, LaTeX of the left side, the right side)."""
    lhs = v.backward.grad_weight.lhs
    var = r"\operatorname{Var}\left(" + latex(lhs) + r"\right)"
    std = r"\operatorname{std}\left(" + latex(lhs) + r"\right)"
    return [("weight gradient", latex(lhs), v.gradient), ("variance", var, v.variance),
            ("standard deviation", std, v.std)]


def _lines(v: Any) -> list[tuple[str, str, str]]:
    """(what, LaTeX of the left side, LaTeX of the right side)."""
    return [(what, lhs, latex(rhs)) for what, lhs, rhs in _sides(v)]


def variance_html(v: Any) -> str:
    parts = [f"<p>Variance of the weight gradient of {H.code(repr(v.backward.layer))}</p>"]
    for what, lhs, rhs in _sides(v):
        parts.append(f"<p><i>{H.escape(what)}</i></p>" + H.display_equation(lhs, rhs))
    taps = ", ".join(str(t) for t in v.taps if t in v.variance.free_symbols)
    notes = [f"assuming {H.escape(ASSUMPTIONS)}"]
    if taps:
        notes.append(f"depends on the kernel tap ({H.escape(taps)}) through the padding")
    notes.append("<code>.steps()</code> shows the derivation; <code>.monte_carlo()</code> "
                 "checks it by sampling")
    return H.block(*parts, H.notes(notes))


def variance_latex(v: Any) -> str:
    return array([[label(what), lhs + " = " + rhs] for what, lhs, rhs in _lines(v)])


def variance_text(v: Any) -> str:
    lhs = v.backward.grad_weight.lhs
    return "\n".join([f"gradient variance of {v.backward.layer!r} (assuming {ASSUMPTIONS})",
                      f"{lhs} = {v.gradient}", f"Var = {v.variance}",
                      f"std = {sp.sympify(v.std)}"])


__all__ = ["variance_html", "variance_latex", "variance_text"]
