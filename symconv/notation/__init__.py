"""The notation layer: how every formula a reader sees is written.

One place decides how mathematics reads, for every renderer (LaTeX keys,
Markdown keys, Jupyter displays through :func:`symconv.printing.latex`, the
terminal): a question's own names and tensors, its index base, its axis order,
the order of terms and factors, upright multi-letter names, sums over one value
left out, numbers grouped.  A renderer only lays out what this layer writes.

* :class:`Notation` -- a question's conventions (``[notation]`` tables), and
  :func:`use` / :func:`current` to make one current;
* :func:`latex` -- LaTeX (:mod:`symconv.notation.latex`), :func:`text` -- Unicode;
* :func:`arrange` -- a shape in the question's axis order;
* :func:`symconv.notation.describe.sentence` -- a layer in words;
* :func:`symconv.notation.breaking.display_lines` -- a long display broken after terms.

Examples
--------
>>> from symconv.symbols import sym
>>> latex(sym("W") - sym("K_1") + 2 * sym("P"))
'W + 2 P - K_{1}'
>>> hwc = Notation.from_table({"layout": "HWC"})
>>> with use(hwc):
...     latex(arrange((10, 31, 31)))
'31 \\\\times 31 \\\\times 10'
"""

from __future__ import annotations

from symconv.notation.context import Notation, current, use
from symconv.notation.latex import IndexRange, Terms, latex
from symconv.notation.layout import arrange, from_layout
from symconv.notation.text import text

__all__ = ["IndexRange", "Notation", "Terms", "arrange", "current", "from_layout", "latex",
           "text", "use"]
