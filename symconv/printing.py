"""Text and LaTeX views of reports (SymPy's printers; subscripts as ``k_{h}``).

Examples
--------
>>> import sympy as sp
>>> from symconv.symbols import sym
>>> latex(sym("k_h") * sym("c_i"))
'c_{i} k_{h}'
>>> latex((sym("h") + 2) , {"h": 30})
'\\\\left(30\\\\right) + 2'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from symconv.exprmap import free_symbols, substitution

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


def latex(expr: Any, values: Mapping[str, Any] | None = None) -> str:
    """LaTeX of ``expr``; with ``values``, each symbol is shown as its value in parentheses.

    Substituting at print time keeps the formula's structure (nothing is
    evaluated), which is how a worked solution shows the numbers going in.
    """
    if isinstance(expr, tuple):
        return r" \times ".join(latex(e, values) for e in expr)
    expr = sp.sympify(expr) if not isinstance(expr, sp.Basic) else expr
    names: dict[sp.Symbol, str] = {}
    if values:
        table = substitution(dict(values), free_symbols(expr))
        names = {s: r"\left(" + sp.latex(v) + r"\right)" for s, v in table.items()}
    return sp.latex(expr, symbol_names=names, mul_symbol="dot" if values else None)


def report_rows(report: Any) -> list[tuple[str, Any]]:
    """(label, value) rows of a layer report's headline quantities."""
    return [(LABELS.get(k, k), v) for k, v in report.quantities().items()]


def report_latex(report: Any) -> str:
    """A LaTeX ``array`` of the report (used by ``_repr_latex_``)."""
    lines = [r"\begin{array}{ll}", r"\multicolumn{2}{l}{\texttt{%s}}\\" % _tt(report.layer)]
    for label, value in report_rows(report):
        lines.append(r"\text{%s} & %s \\" % (label, latex(value)))
    lines.append(r"\end{array}")
    return "\n".join(lines)


def report_text(report: Any) -> str:
    """Plain-text rows (``str(report)``)."""
    width = max(len(label) for label, _ in report_rows(report))
    body = [f"{label:<{width}}  {_text(value)}" for label, value in report_rows(report)]
    return "\n".join([report.layer, *body])


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return " x ".join(str(v) for v in value)
    return str(value)


def _tt(text: str) -> str:
    return text.replace("_", r"\_").replace("{", r"\{").replace("}", r"\}")
