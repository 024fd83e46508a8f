"""The :class:`Figure` solution step: a drawing made from the engine's numbers.

The key renderers lay it out: LaTeX through :meth:`Figure.latex` (a centred
``picture`` and its caption), Markdown through :meth:`Figure.markdown` (an
inline SVG and its caption).  The checks that verified the drawn numbers
travel with the figure and are listed with the question's other checks.

Examples
--------
>>> from symconv.figures.drawing import Box, Drawing
>>> f = Figure("demo", Drawing(1, 1, (Box(0, 0, 1, 1),)), "One box.")
>>> "\\\\begin{picture}(1,1)" in f.latex(), f.markdown().startswith("<svg")
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from symconv.figures.drawing import Drawing
from symconv.figures.picture import picture
from symconv.figures.svg import svg
from symconv.solution import Check


@dataclass(frozen=True)
class Figure:
    """A figure of a worked solution: what is drawn, its caption and its checks."""

    name: str
    drawing: Drawing
    caption: str = ""
    checks: tuple[Check, ...] = ()

    def latex(self, prose: Callable[[str], str] | None = None) -> str:
        """LaTeX: the picture, centred, with the caption (``prose`` renders its markup)."""
        caption = prose(self.caption) if prose is not None else self.caption
        below = f"\\\\[0.4em]\n\\parbox{{0.9\\linewidth}}{{\\centering\\small {caption}}}" \
            if self.caption else ""
        return f"\\begin{{center}}\n{picture(self.drawing)}{below}\n\\end{{center}}"

    def markdown(self, prose: Callable[[str], str] | None = None) -> str:
        """Markdown: an inline SVG block, then the caption in italics (``prose`` renders its
        markup, e.g. the key's LMS math delimiters)."""
        out = svg(self.drawing, title=self.name.replace("_", " "))
        caption = prose(self.caption) if prose is not None else self.caption
        return out + (f"\n\n*{caption}*" if self.caption else "")
