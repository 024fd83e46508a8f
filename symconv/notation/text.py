"""Plain text (Unicode) of formulas for a terminal, in the same notation as the LaTeX.

The same term order, the same names (Greek letters as Greek), ``×`` between the
axes of a shape, ``⌊...⌋`` for floors, small powers as superscripts.

Examples
--------
>>> import sympy as sp
>>> from symconv.symbols import sym
>>> h, k, p, s = sym("h"), sym("k"), sym("p"), sym("s")
>>> text(sp.floor((h - k + 2 * p) / s) + 1)
'⌊(h + 2·p - k)/s⌋ + 1'
>>> text(sp.floor(h / 2 - sp.Rational(1, 2)) + 1)
'⌊(h - 1)/2⌋ + 1'
>>> text(sp.Tuple(sym("c_o"), sym("h_out"), sym("w_out")))
'c_o × h_out × w_out'
>>> text(sym("sigma_g") ** 2 * (sym("n") - k + 1) ** 2)
'σ_g²·(n - k + 1)²'
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from symconv.notation.context import Notation, current
from symconv.notation.names import name_text
from symconv.notation.order import ordered_factors, ordered_terms
from symconv.notation.transform import drop_trivial_sums, over_denominator

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class NotationTextPrinter(StrPrinter):
    """SymPy's string printer in the notation's names and order (see the module docstring)."""

    def __init__(self, notation: Notation | None = None) -> None:
        super().__init__()
        self.notation = notation or current()

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return name_text(self.notation.names.get(expr.name, expr.name)).replace("\\", "")

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        out = ""
        for i, term in enumerate(ordered_terms(expr, self.notation)):
            if term.could_extract_minus_sign():
                body, sign = -term, " - " if i else "-"
            else:
                body, sign = term, " + " if i else ""
            tex = self._print(body)
            if isinstance(body, sp.Add):
                tex = f"({tex})"
            out += sign + tex
        return out

    def _print_Mul(self, expr: sp.Mul) -> str:
        if expr.could_extract_minus_sign():
            return "-" + self.parenthesize(-expr, precedence(expr))
        numer, denom = sp.fraction(expr, exact=True)
        if denom is not sp.S.One:
            top = self._print(numer)
            bottom = self._print(denom)
            if isinstance(numer, sp.Add) or (numer.is_Mul and len(numer.args) > 1):
                top = f"({top})"
            if isinstance(denom, sp.Add) or (denom.is_Mul and len(denom.args) > 1):
                bottom = f"({bottom})"
            return f"{top}/{bottom}"
        parts = []
        for f in ordered_factors(expr.args, self.notation):
            tex = self._print(f)
            parts.append(f"({tex})" if isinstance(f, sp.Add) else tex)
        return "·".join(parts)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.args
        if exp.is_Integer and 1 < int(exp) < 10:
            tex = self._print(base)
            if not isinstance(base, sp.Symbol | sp.Integer | sp.Indexed):
                tex = f"({tex})"
            return tex + str(int(exp)).translate(_SUPERSCRIPT)
        return str(super()._print_Pow(expr, rational))

    def _print_floor(self, expr: Any) -> str:
        return f"⌊{_one_fraction(self, expr.args[0])}⌋"

    def _print_ceiling(self, expr: Any) -> str:
        return f"⌈{_one_fraction(self, expr.args[0])}⌉"

    def _print_Tuple(self, expr: sp.Tuple) -> str:
        return " × ".join(f"({self._print(e)})" if isinstance(e, sp.Add) else self._print(e)
                          for e in expr.args)


def _one_fraction(printer: StrPrinter, arg: Any) -> str:
    """A floor's argument as ``printer`` writes it, over one denominator when it has one."""
    parts = over_denominator(arg)
    if parts is None:
        return str(printer._print(arg))
    return f"({printer._print(parts[0])})/{parts[1]}"


class ReadableStrPrinter(StrPrinter):
    """SymPy's ``str`` (what can be pasted back into Python) with each floor's or ceiling's
    argument over one denominator: ``floor((h - 1)/2)``, not SymPy's ``floor(h/2 - 1/2)``."""

    def _print_floor(self, expr: Any) -> str:
        return f"floor({_one_fraction(self, expr.args[0])})"

    def _print_ceiling(self, expr: Any) -> str:
        return f"ceiling({_one_fraction(self, expr.args[0])})"


def readable_str(expr: Any) -> str:
    """``str(expr)`` as :class:`ReadableStrPrinter` writes it (terminal tables).

    >>> h = sp.Symbol("h")
    >>> readable_str(sp.floor(h / 2 - sp.Rational(3, 2)) + 1)
    'floor((h - 3)/2) + 1'
    """
    return ReadableStrPrinter().doprint(expr)


def text(expr: Any, notation: Notation | None = None) -> str:
    """Plain text of ``expr`` in ``notation`` (default: the current one)."""
    if isinstance(expr, tuple):
        expr = sp.Tuple(*expr)
    expr = sp.sympify(expr) if not isinstance(expr, sp.Basic) else expr
    return NotationTextPrinter(notation).doprint(drop_trivial_sums(expr))
