r"""How a :class:`~symconv.calculus.decompose.Decomposition` shows itself.

The kernel, and either the two kernels whose stack it is (with the factored
kernel polynomial) or why there are none over Q.

Examples
--------
>>> import sympy as sp
>>> import symconv
>>> d = symconv.decompose(sp.Matrix([[1, 2, 1], [2, 4, 2], [1, 2, 1]]), (2, 2))
>>> print(decomposition_text(d).splitlines()[0])
the kernel is a stack of a (2, 2) and a (2, 2) kernel over Q
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.display import html as H


def _matrix(value: Any) -> Any:
    try:
        return sp.Matrix(value.tolist() if hasattr(value, "tolist") else value)
    except (TypeError, ValueError):
        return sp.sympify(value)


def decomposition_html(d: Any) -> str:
    k1, k2 = d.sizes
    parts = [f"<p>Kernel {H.math_html(_matrix(d.kernel))}, polynomial "
             f"{H.math_html(d.polynomial)}</p>"]
    if d.kernels is None:
        parts.append(f"<p>Not a stack of a {k1} and a {k2} kernel over "
                     f"{H.escape(d.field)}.</p>")
    else:
        a, b = (_matrix(k) for k in d.kernels)
        parts.append(f"<p>A stack of {H.math_html(a)} then {H.math_html(b)} "
                     f"(sizes {k1} and {k2}, over {H.escape(d.field)}).</p>")
    parts.append(H.notes([H.escape(d.reason)]))
    return H.block(*parts)


def decomposition_text(d: Any) -> str:
    k1, k2 = d.sizes
    if d.kernels is None:
        head = f"the kernel is not a stack of a {k1} and a {k2} kernel over {d.field}"
    else:
        head = f"the kernel is a stack of a {k1} and a {k2} kernel over {d.field}"
    lines = [head, f"  {d.reason}"]
    if d.kernels is not None:
        lines += [f"  first: {_matrix(d.kernels[0]).tolist()}",
                  f"  second: {_matrix(d.kernels[1]).tolist()}"]
    return "\n".join(lines)


__all__ = ["decomposition_html", "decomposition_text"]
