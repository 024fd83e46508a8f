r"""LaTeX building blocks for ``_repr_latex_``: one displayed ``array`` that every engine renders.

Jupyter typesets ``text/latex`` with MathJax, VS Code with KaTeX, and
``nbconvert --to pdf`` pastes it into a LaTeX document, so a LaTeX display is
a single ``$$\begin{array}...\end{array}$$``: no ``tabular`` (not math), no
``\multicolumn`` (MathJax lacks it), no package beyond amsmath.  Text inside
the math goes through :func:`label` or :func:`tt`, which keep to what the
three engines read alike (``\text{}`` only for plain words; identifiers with
underscores in ``\mathtt{}``, where ``\_`` works everywhere).

Examples
--------
>>> print(array([[label("parameters"), "73{,}856"]]))
$$\begin{array}{ll}
\text{parameters} & 73{,}856
\end{array}$$
>>> tt("Conv2d(c_i, 8)")
'\\mathtt{Conv2d(c\\_i,\\ 8)}'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_PLAIN = re.compile(r"^[A-Za-z0-9 .,:;()+\-/'=×·]*$")
_TT_ESCAPES = {"_": r"\_", "{": r"\{", "}": r"\}", "#": r"\#", "%": r"\%", "&": r"\&",
               "$": r"\$", "~": r"\sim{}", "^": r"\hat{}", "\\": r"\backslash{}", " ": r"\ "}


def tt(text: str) -> str:
    r"""Code-like text (a layer's ``repr``) as ``\mathtt{...}``, special characters escaped."""
    return r"\mathtt{" + "".join(_TT_ESCAPES.get(c, c) for c in text) + "}"


def label(text: str) -> str:
    r"""A word label: ``\text{...}`` when it is plain, else :func:`tt`."""
    if _PLAIN.match(text):
        return r"\text{" + text.replace("×", r"x") + "}"
    return tt(text)


def array(rows: Iterable[Sequence[str]], columns: str = "") -> str:
    """A displayed ``array`` of LaTeX cells (one row per line)."""
    rows = [list(row) for row in rows]
    body = [" & ".join(row) for row in rows]
    spec = columns or "l" * max((len(row) for row in rows), default=2)
    return "$$\\begin{array}{" + spec + "}\n" + " \\\\\n".join(body) + "\n\\end{array}$$"


__all__ = ["tt", "label", "array"]
