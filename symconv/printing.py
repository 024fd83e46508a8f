"""Text and LaTeX views of reports, through the notation layer (:mod:`symconv.notation`).

Examples
--------
>>> import sympy as sp
>>> from symconv.symbols import sym
>>> latex(sym("k_h") * sym("c_i"))
'c_{i} k_{h}'
>>> latex(sym("h") + 2, {"h": 30})
'30 + 2'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

#: Human names of report quantities, in display order.
LABELS = {
    "output_shape": "output shape",
    "params": "parameters",
    "weight_params": "weights",
    "bias_params": "biases",
    "mults": "multiplications",
    "adds": "additions",
    "comparisons": "comparisons",
    "evaluations": "function evaluations",
    "macs": "MACs",
    "flops": "FLOPs (mults + adds)",
}


def latex(expr: Any, values: Mapping[str, Any] | None = None, *, compact: bool = True,
          notation: Any = None) -> str:
    """LaTeX of ``expr`` in the current notation; with ``values``, each symbol shown as its value.

    A thin entry to :func:`symconv.notation.latex`, so every view of a formula
    (answer keys in LaTeX and Markdown, Jupyter displays) is written by the same
    printer: the question's names and term order, upright multi-letter names,
    integers of five or more digits grouped by thousands (``4{,}831{,}838{,}208``).
    Substituting at print time keeps the formula's structure (nothing is
    evaluated), which is how a worked solution shows the numbers going in; a
    value gets parentheses only when it needs them.  ``compact`` is accepted for
    compatibility (every view prints this way now).

    >>> from symconv.symbols import sym
    >>> print(latex(sym("h") * 2 + sym("k"), {"h": 30, "k": -1}))
    2 \\cdot 30 + \\left(-1\\right)
    >>> print(latex(sp.Integer(4831838208)))
    4{,}831{,}838{,}208
    """
    from symconv.notation.latex import latex as notation_latex

    return notation_latex(expr, values, notation)


def report_rows(report: Any) -> list[tuple[str, Any]]:
    """(label, value) rows of a layer report's headline quantities."""
    return [(LABELS.get(k, k), v) for k, v in report.quantities().items()]


def report_latex(report: Any) -> str:
    """A LaTeX ``array`` of the report (used by ``_repr_latex_``)."""
    # MathJax (Jupyter) has no \multicolumn: the layer name is an ordinary row.
    lines = [r"\begin{array}{ll}", r"\texttt{%s} & \\" % _tt(report.layer)]
    for label, value in report_rows(report):
        lines.append(r"\text{%s} & %s \\" % (label, latex(value)))
    lines.append(r"\end{array}")
    return "\n".join(lines)


def report_text(report: Any) -> str:
    """Plain-text rows (``str(report)``)."""
    width = max(len(label) for label, _ in report_rows(report))
    body = [f"{label:<{width}}  {_text(value)}" for label, value in report_rows(report)]
    return "\n".join([report.layer, *body])


def cell_text(value: Any) -> str:
    """A value for a terminal table cell: shapes joined by ×, integers grouped by thousands.

    >>> cell_text((sp.Integer(64), sp.Integer(256))), cell_text(sp.Integer(73856))
    ('64 × 256', '73,856')
    """
    if isinstance(value, tuple):
        return shape_text(value)
    if isinstance(value, sp.Integer):
        return f"{int(value):,}"
    if isinstance(value, sp.Basic):
        from symconv.notation.text import readable_str

        return readable_str(value)
    return str(value)


def _compound(size: Any) -> bool:
    """A size that needs parentheses as a factor of a shape (a sum, or a negative number)."""
    size = sp.sympify(size)
    return isinstance(size, sp.Add) or (size.is_number and size.is_negative is True)


def shape_text(shape: Any) -> str:
    """A shape as text, ``c_o × (h - 2) × (w - 2)``: sums in parentheses, integers grouped.

    >>> from symconv.symbols import sym
    >>> shape_text((sym("c_o"), sym("h") - 2, sp.Integer(1024)))
    'c_o × (h - 2) × 1,024'
    """
    parts = [cell_text(v) for v in shape]
    return " × ".join(f"({t})" if _compound(v) else t for v, t in zip(shape, parts)) or "()"


def shape_latex(shape: Any, values: Mapping[str, Any] | None = None) -> str:
    r"""A shape as LaTeX, ``c_{o} \times \left(h - 2\right)``: sums in parentheses.

    >>> from symconv.symbols import sym
    >>> print(shape_latex((sym("c_o"), sp.floor(sym("h") / 2) + 1)))
    c_{o} \times \left(\left\lfloor{\frac{h}{2}}\right\rfloor + 1\right)
    """
    if not shape:
        return "()"
    parts = []
    for size in shape:
        text = latex(size, values, compact=True)
        parts.append(r"\left(" + text + r"\right)" if _compound(size) else text)
    return r" \times ".join(parts)


def _text(value: Any) -> str:
    from symconv.notation.text import readable_str

    if isinstance(value, tuple):
        return " x ".join(readable_str(v) for v in value)
    return readable_str(value)


def _tt(text: str) -> str:
    return text.replace("_", r"\_").replace("{", r"\{").replace("}", r"\}")
