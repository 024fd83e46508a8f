r"""Long formulas broken into lines after whole terms, factors or shape axes.

A display wider than the page is broken where a person would break it: after
a whole term of a sum, between the factors of a product, between the axes of a
shape.  Widths are estimated from the LaTeX (a fraction is as wide as its wider
part, sub- and superscripts are smaller), in units of about one math italic
letter; an 11 pt page line holds about 56 (the widest kinds run 8.6 pt a unit).

Examples
--------
>>> width(r"\frac{h + 2 p - k}{s} + 1") < width(r"h + 2 p - k + s + 1")
True
>>> from symconv.symbols import sym
>>> e = sum(sym(f"a_{i}") * sym("h_out") * sym("w_out") for i in range(12))
>>> lines = display_lines(e, limit=40)
>>> len(lines) > 1 and all(width(line) <= 44 for line in lines)
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy as sp

from symconv.notation.latex import NotationLatexPrinter, latex, prepare
from symconv.notation.order import ordered_factors, ordered_terms

#: Width of one page line of display math, in the units of :func:`width` (measured: one
#: unit is about 7.5 pt of 11 pt display math; the line is 488 pt).
PAGE = 56

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_]|[^\\{}^_]")
_ZERO = {"left", "right", "big", "Big", "bigl", "bigr", "displaystyle", "textstyle", "nobreak",
         "allowbreak", "mathrm", "mathit", "mathbf", "operatorname", "text", "boxed", "limits",
         "substack", "widetilde", "overline", "hat", "tilde", "bar", "quad", "qquad", "begin",
         "end"}
_WIDE = {"quad": 2.0, "qquad": 4.0, "sum": 1.8, "prod": 1.8, "cdot": 1.4, "times": 1.8,
         "leq": 1.8, "geq": 1.8, "lfloor": 0.8, "rfloor": 0.8, "lceil": 0.8, "rceil": 0.8,
         "partial": 1.0, "dots": 2.0, "ldots": 2.0, "cdots": 2.0, "uparrow": 1.0, "tanh": 3.0,
         "sin": 2.2, "cos": 2.2, "log": 2.2, "exp": 2.2, "max": 2.6, "min": 2.6, "gcd": 2.4,
         "det": 2.2, "delta": 1.0}


def width(tex: str) -> float:
    """Estimated printed width of a LaTeX math string (about one unit per letter)."""
    tokens = _TOKEN.findall(tex)
    pos = 0

    def group(scale: float) -> float:
        nonlocal pos
        total = 0.0
        while pos < len(tokens):
            tok = tokens[pos]
            pos += 1
            if tok == "}":
                return total
            total += item(tok, scale)
        return total

    def argument(scale: float) -> float:
        nonlocal pos
        if pos < len(tokens) and tokens[pos] == "{":
            pos += 1
            return group(scale)
        if pos < len(tokens):
            tok = tokens[pos]
            pos += 1
            return item(tok, scale)
        return 0.0

    def item(tok: str, scale: float) -> float:
        nonlocal pos
        if tok == "{":
            return group(scale)
        if tok in ("^", "_"):
            return argument(scale * 0.7)
        if tok.startswith("\\"):
            name = tok[1:]
            if name == "frac":
                return max(argument(scale * 0.85), argument(scale * 0.85)) + 0.4 * scale
            if name in ("begin", "end"):
                argument(0)
                return 0.0
            if name == "text":
                return argument(scale) * 0.9
            if name == "boxed":
                return argument(scale) + 1.2 * scale
            if name in ("left", "right"):
                return 0.3 * scale  # a delimiter that grows: wider than its glyph
            if name in _ZERO:
                return 0.0
            if name == ",":
                return 0.3 * scale
            return _WIDE.get(name, 1.0) * scale
        if tok in "+-=<>":
            return 1.8 * scale
        if tok == " ":
            return 0.0
        if tok in "()[]|":
            return 0.6 * scale
        if tok == "&":
            return 1.5 * scale  # a matrix column gap
        return scale

    total = 0.0
    while pos < len(tokens):
        tok = tokens[pos]
        pos += 1
        total += item(tok, 1.0)
    return total


def _join_signed(texts: list[tuple[str, bool]]) -> list[str]:
    """Terms (latex, negative) joined with + / - signs, the first without one."""
    out = []
    for i, (tex, negative) in enumerate(texts):
        if i == 0:
            out.append(("- " if negative else "") + tex)
        else:
            out.append(("- " if negative else "+ ") + tex)
    return out


def _pieces(expr: sp.Basic, values: Mapping[Any, Any] | None) -> tuple[list[str], str] | None:
    """The pieces a line may be broken between, and the operator that joins them."""
    printer = NotationLatexPrinter(values=_table(expr, values))
    if isinstance(expr, sp.Add):
        terms = []
        for term in ordered_terms(expr):
            negative = term.could_extract_minus_sign()
            shown = -term if negative else term
            tex = printer._print(shown)
            if printer._needs_add_brackets(shown):
                tex = r"\left(" + tex + r"\right)"
            terms.append((tex, negative))
        return _join_signed(terms), " "
    if isinstance(expr, sp.Tuple) and len(expr.args) > 1:
        parts = [printer._factor(a) for a in expr.args]
        return [parts[0], *(r"\times " + p for p in parts[1:])], " "
    if isinstance(expr, sp.Mul) and not expr.could_extract_minus_sign():
        numer, denom = sp.fraction(expr, exact=True)
        if denom is not sp.S.One:
            return None
        factors = ordered_factors(expr.args)
        parts = []
        for i, f in enumerate(factors):
            tex = printer._print(f)
            if printer._needs_mul_brackets(f, first=(i == 0), last=(i == len(factors) - 1)):
                tex = r"\left(" + tex + r"\right)"
            parts.append(tex)
        return [parts[0], *(r"\cdot " + p for p in parts[1:])], " "
    return None


def _table(expr: sp.Basic, values: Mapping[Any, Any] | None) -> dict[sp.Symbol, sp.Expr]:
    from symconv.exprmap import free_symbols, substitution
    from symconv.symbols import to_expr

    if not values:
        return {}
    raw = {k: (to_expr(v) if isinstance(v, str) else sp.sympify(v)) for k, v in values.items()}
    return substitution(raw, free_symbols(expr))


def display_lines(expr: Any, values: Mapping[Any, Any] | None = None, limit: float = PAGE,
                  notation: Any = None) -> list[str]:
    """LaTeX of ``expr`` as one line, or several when wider than ``limit``."""
    from symconv.notation.context import current, use

    notation = notation or current()
    with use(notation):
        whole = latex(expr, values, notation)
        if width(whole) <= limit or not isinstance(expr, sp.Basic):
            return [whole]
        prepared = prepare(expr, notation)
        found = _pieces(prepared, values)
        if found is None:
            return [whole]
        pieces, sep = found
        lines: list[str] = []
        current_line = ""
        for piece in pieces:
            candidate = (current_line + sep + piece) if current_line else piece
            if current_line and width(candidate) > limit:
                lines.append(current_line)
                current_line = piece
            else:
                current_line = candidate
        lines.append(current_line)
        return lines
