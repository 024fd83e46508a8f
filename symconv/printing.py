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
from sympy.printing.latex import LatexPrinter

from symconv.exprmap import free_symbols, substitution
from symconv.symbols import to_expr

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


def latex(expr: Any, values: Mapping[str, Any] | None = None, *, compact: bool = False) -> str:
    """LaTeX of ``expr``; with ``values``, each symbol is shown as its value in parentheses.

    Substituting at print time keeps the formula's structure (nothing is
    evaluated), which is how a worked solution shows the numbers going in.
    With ``compact`` (answer keys), a value gets parentheses only when it
    needs them (negative or compound) and integers of five or more digits
    are grouped by thousands: ``4{,}831{,}838{,}208``.

    >>> from symconv.symbols import sym
    >>> print(latex(sym("h") * 2 + sym("k"), {"h": 30, "k": -1}, compact=True))
    2 \\cdot 30 + \\left(-1\\right)
    >>> print(latex(sp.Integer(4831838208), compact=True))
    4{,}831{,}838{,}208
    """
    if isinstance(expr, tuple):
        return r" \times ".join(latex(e, values, compact=compact) for e in expr)
    if isinstance(expr, str):
        expr = to_expr(expr)  # a symbol name; formula text is never sympified (eval)
    expr = sp.sympify(expr) if not isinstance(expr, sp.Basic) else expr
    settings: dict[str, Any] = {"mul_symbol": "dot" if values else None}
    printer = _GroupedLatexPrinter if compact else None
    names: dict[sp.Symbol, str] = {}
    if values:
        table = substitution(dict(values), free_symbols(expr))
        for s, v in table.items():
            text = _GroupedLatexPrinter().doprint(v) if compact else sp.latex(v)
            bare = compact and v.is_number and (v.is_Integer or v.is_Float) and v >= 0
            names[s] = text if bare else r"\left(" + text + r"\right)"
    settings["symbol_names"] = names
    if printer is not None:
        return printer(settings).doprint(expr)
    return sp.latex(expr, **settings)


class _GroupedLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with integers grouped by thousands (``12{,}345``)."""

    def _print(self, expr: Any, **kwargs: Any) -> str:
        # A custom function's ``_latex(printer)`` hook may not take ``exp`` (its power).
        if "exp" in kwargs and hasattr(expr, "_latex") and isinstance(expr, sp.Function):
            try:
                return str(super()._print(expr, **kwargs))
            except TypeError:
                exp = kwargs.pop("exp")
                return r"\left(%s\right)^{%s}" % (super()._print(expr, **kwargs), exp)
        return str(super()._print(expr, **kwargs))

    def _print_Integer(self, expr: sp.Integer) -> str:
        n = int(expr)
        if abs(n) < 10_000:
            return str(n)
        return ("-" if n < 0 else "") + f"{abs(n):,}".replace(",", "{,}")


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
    if isinstance(value, tuple):
        return " x ".join(str(v) for v in value)
    return str(value)


def _tt(text: str) -> str:
    return text.replace("_", r"\_").replace("{", r"\{").replace("}", r"\}")
