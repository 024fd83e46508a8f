"""How a :class:`~symconv.calculus.worked.Worked` example shows itself: its result, then its steps.

The steps shown are the derivation without the independent checks (which
run loops or torch); ``.steps()`` runs them.

Examples
--------
>>> import symconv
>>> w = symconv.padded_convolution([[1, 2], [3, 4]], [[1, 1], [1, 1]], padding=0)
>>> print(worked_text(w).splitlines()[0])
padded convolution: Matrix([[10]])
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.display.steps import steps_html


def _result(value: Any) -> Any:
    if isinstance(value, list | tuple) and value and isinstance(value[0], list | tuple):
        return sp.Matrix(value)
    return value


def worked_html(w: Any) -> str:
    result = w.result
    shown = "none" if result is None else H.math_html(
        sp.sympify(_result(result)) if not isinstance(result, tuple) else result)
    return H.block(f"<p><b>{H.escape(w.name.replace('_', ' '))}</b>: {shown}</p>",
                   steps_html(w.steps(check=False)))


def worked_text(w: Any) -> str:
    return f"{w.name.replace('_', ' ')}: {_result(w.result)}\n" + str(w.steps(check=False))


__all__ = ["worked_html", "worked_text"]
