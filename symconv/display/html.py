r"""HTML building blocks for Jupyter displays: math cells, tables, notes, light markup.

Every display is an HTML fragment whose mathematics is inline ``\(...\)`` or
displayed ``\[...\]`` LaTeX, the delimiters MathJax 3 (Jupyter) and KaTeX's
auto-render (VS Code, nbconvert pages) both read by default.  The LaTeX comes
from :mod:`symconv.printing` (the one notation layer); this module only lays
it out and escapes it for HTML (``<``, ``&`` in ``cases`` and ``aligned``).
Tables are HTML tables with math in their cells -- never ``tabular``, which
neither MathJax nor KaTeX renders.

Examples
--------
>>> import sympy as sp
>>> math_html(sp.Symbol("k_h") * 2)
'<span style="white-space:nowrap">\\(2 k_{h}\\)</span>'
>>> t = table(["quantity", "value"], [["params", math_html(sp.Integer(73856))]])
>>> t.startswith('<table class="symconv"><thead><tr><th style="text-align:left">quantity</th>')
True
>>> r"\(73{,}856\)</span></td></tr></tbody></table>" in t
True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import sympy as sp

from symconv.keys.texsafe import DOLLAR, MARKUP
from symconv.printing import latex, shape_latex

#: LaTeX characters of one inline formula before a long sum is split into pieces the
#: browser may wrap between (MathJax 3 does not break lines inside a formula).
WRAP = 70


def escape(text: Any) -> str:
    """Plain text made safe for HTML."""
    return html.escape(str(text), quote=True)


def tex(value: Any) -> str:
    """The LaTeX of a value: shapes (tuples) with parenthesised sizes, digits grouped."""
    if isinstance(value, sp.Tuple):
        value = tuple(value)
    if isinstance(value, tuple):
        return shape_latex(value)
    if isinstance(value, str):
        return r"\text{" + value + "}"
    return latex(value, compact=True)


def inline(latex_text: str) -> str:
    r"""LaTeX as inline math for HTML: ``\(...\)``, escaped."""
    return r"\(" + escape(latex_text) + r"\)"


def display(latex_text: str) -> str:
    r"""LaTeX as displayed math for HTML: ``\[...\]``, escaped, in its own block."""
    return '<div class="symconv-math">\\[' + escape(latex_text) + "\\]</div>"


def math_html(value: Any, width: int = WRAP) -> str:
    """A value as inline math; a long one becomes pieces the browser can wrap between.

    MathJax 3 does not break a formula across lines, so a long sum is split
    after whole terms, a long product between factors and a long shape after
    each ``\\times``: each piece is its own inline formula.

    >>> from symconv.symbols import sym
    >>> long = sum(sym(f"c_{i}") * sym("h") * sym("w") for i in range(12))
    >>> math_html(long).count(r"\\(") > 1
    True
    """
    if isinstance(value, str):
        return escape(value)
    # Each piece stays on one line (KaTeX would break inline math at any operator);
    # lines break only between pieces.
    pieces = [f'<span style="white-space:nowrap">{inline(p)}</span>' for p in _pieces(value, width)]
    if len(pieces) == 1:
        return pieces[0]
    return '<span class="symconv-wrap">' + " ".join(pieces) + "</span>"


def _pieces(value: Any, width: int = WRAP) -> list[str]:
    """LaTeX pieces of ``value`` (one when it is short), each a valid formula."""
    text = tex(value)
    if len(text) <= width:
        return [text]
    if isinstance(value, sp.Tuple):
        value = tuple(value)
    if isinstance(value, tuple):
        sizes = [shape_latex((v,)) for v in value]
        return _pack([s + r" \times" for s in sizes[:-1]] + sizes[-1:], " ", width)
    if isinstance(value, sp.Add):
        terms = []
        for k, term in enumerate(value.as_ordered_terms()):
            t = latex(term, compact=True)
            sign = "" if k == 0 else ("- " if t.startswith("-") else "+ ")
            body = t[1:].lstrip() if t.startswith("-") and k > 0 else t
            inner = _pieces(-term if t.startswith("-") and k > 0 else term, width)
            if len(inner) > 1:
                terms += [sign + inner[0], *inner[1:]]
            else:
                terms.append(sign + body)
        return _pack(terms, " ", width)
    if isinstance(value, sp.Mul):
        coeff, rest = value.as_coeff_Mul()
        factors = list(sp.Mul.make_args(rest))
        if len(factors) > 1:
            texts = [latex(f, compact=True) for f in factors]
            texts = [r"\left(" + t + r"\right)" if isinstance(f, sp.Add) else t
                     for f, t in zip(factors, texts)]
            if coeff != 1:
                texts[0] = latex(coeff, compact=True) + " " + texts[0]
            packed = _pack(texts, " ", width)
            return packed[:1] + [r"\cdot " + p for p in packed[1:]]
    return [text]


def _pack(pieces: list[str], sep: str, width: int = WRAP) -> list[str]:
    """Join neighbouring pieces while they stay within :data:`WRAP` characters."""
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1]) + len(piece) <= width:
            out[-1] = out[-1] + sep + piece
        else:
            out.append(piece)
    return out


def display_equation(lhs: str, value: Any, width: int = 2 * WRAP) -> str:
    r"""``lhs = value`` displayed; a long right side is broken into aligned lines.

    >>> from symconv.symbols import sym
    >>> "aligned" in display_equation("y", sum(sym(f"c_{i}") * sym("h") for i in range(30)))
    True
    """
    pieces = _pieces(value, width)
    if len(pieces) == 1:
        return display(f"{lhs} = {pieces[0]}")
    rows = [f"{lhs} &= {pieces[0]}"] + [f"&\\quad {p}" for p in pieces[1:]]
    return display("\\begin{aligned}" + "\\\\\n".join(rows) + "\\end{aligned}")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]],
          align: Sequence[str] | None = None, caption: str = "") -> str:
    """An HTML table; ``headers`` are text, cells are HTML (use :func:`math_html`)."""
    align = list(align or ["left"] * len(headers))
    head = "".join(f'<th style="text-align:{a}">{escape(h)}</th>' for h, a in zip(headers, align))
    body = []
    for row in rows:
        cells = "".join(f'<td style="text-align:{a}">{c}</td>' for c, a in zip(row, align))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (f'<table class="symconv">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def section(title: str, body: str, open_: bool = False) -> str:
    """A collapsible section (``<details>``): secondary tables stay out of the way."""
    return (f"<details{' open' if open_ else ''}><summary>{escape(title)}</summary>"
            f"{body}</details>")


def notes(lines: Iterable[str]) -> str:
    """Small-print lines (HTML already)."""
    items = [line for line in lines if line]
    if not items:
        return ""
    return '<p class="symconv-notes" style="font-size:85%">' + "<br>".join(items) + "</p>"


def block(*parts: str) -> str:
    """The whole display, in one ``div`` (Jupyter styles tables and code inside it)."""
    return '<div class="symconv">' + "".join(p for p in parts if p) + "</div>"




def markup(text: str) -> str:
    r"""Light markup of step texts to HTML: ``$math$``, `` `code` ``, ``**bold**``; rest escaped.

    >>> markup("Cost of `Conv2d` is $c_i k^2$ & **more**")
    'Cost of <code>Conv2d</code> is \\(c_i k^2\\) &amp; <b>more</b>'
    """
    out = []
    for part in MARKUP.split(text):
        if not part:
            continue
        if part == DOLLAR:
            out.append("$")
        elif part.startswith("$$"):
            out.append(display(part[2:-2]))
        elif part.startswith("$"):
            out.append(inline(part[1:-1]))
        elif part.startswith("`"):
            out.append("<code>" + escape(part[1:-1]) + "</code>")
        elif part.startswith("**"):
            out.append("<b>" + markup(part[2:-2]) + "</b>")
        else:
            out.append(escape(part))
    return "".join(out)


def code(text: str) -> str:
    """Monospaced text (a layer's ``repr``)."""
    return "<code>" + escape(text) + "</code>"


__all__ = ["escape", "tex", "inline", "display", "math_html", "table", "section", "notes",
           "block", "markup", "code", "WRAP"]
