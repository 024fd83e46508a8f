r"""A :class:`~symconv.figures.drawing.Drawing` as LaTeX's ``picture`` environment.

The picture environment is part of LaTeX itself and colours come from
``xcolor``, which keys already load, so a figure compiles with nothing beyond
texlive-latex-recommended (TikZ would need texlive-pictures; see
docs/design.md).  Lines of any slope are drawn with ``\qbezier`` (its control
point at the middle makes it straight); arrows are horizontal or vertical.

Examples
--------
>>> from symconv.figures.drawing import Box, Drawing, Label, BLUE
>>> print(picture(Drawing(2, 1, (Box(0, 0, 1, 1, fill=BLUE, tex="$5$"),
...                              Label(1.5, 0.5, "$x$", "x")))))
{\setlength{\unitlength}{0.5cm}\begin{picture}(2,1)
\put(0,0){\textcolor{blue!25}{\rule{0.5cm}{0.5cm}}}
\put(0,0){\framebox(1,1){\small $5$}}
\put(1.5,0.5){\makebox(0,0){\small $x$}}
\end{picture}}
"""

from __future__ import annotations

from symconv.figures.drawing import Box, Drawing, Label, Line


def _n(v: float) -> str:
    """A coordinate: integers without a decimal point, others to 3 decimals."""
    r = round(float(v), 3)
    return str(int(r)) if r == int(r) else f"{r:g}"


def picture(d: Drawing) -> str:
    """The picture environment drawing ``d`` (wrapped in a group for its unit length)."""
    unit = d.unit_cm
    out = [f"{{\\setlength{{\\unitlength}}{{{_n(unit)}cm}}"
           f"\\begin{{picture}}({_n(d.width)},{_n(d.height)})"]
    for item in d.items:
        if isinstance(item, Box):
            if item.fill is not None:
                out.append(f"\\put({_n(item.x)},{_n(item.y)}){{\\textcolor{{{item.fill.tex}}}"
                           f"{{\\rule{{{_n(item.w * unit)}cm}}{{{_n(item.h * unit)}cm}}}}}}")
            body = f"\\small {item.tex}" if item.tex else ""
            box = "framebox" if item.frame else "makebox"
            out.append(f"\\put({_n(item.x)},{_n(item.y)}){{\\{box}({_n(item.w)},{_n(item.h)})"
                       f"{{{body}}}}}")
        elif isinstance(item, Label):
            pos = {"c": "", "l": "[l]", "r": "[r]"}[item.anchor]
            size = "\\scriptsize " if item.tiny else "\\small " if item.small else ""
            out.append(f"\\put({_n(item.x)},{_n(item.y)}){{\\makebox(0,0){pos}"
                       f"{{{size}{item.tex}}}}}")
        elif isinstance(item, Line):
            out.append(_line(item))
        else:  # pragma: no cover - drawings are built by this package
            raise TypeError(f"cannot draw {item!r}")
    out.append("\\end{picture}}")
    return "\n".join(out)


def _line(item: Line) -> str:
    dx, dy = item.x2 - item.x1, item.y2 - item.y1
    pre = "\\linethickness{1.2pt}" if item.thick else ""
    if dx == 0 or dy == 0:
        length = abs(dx) or abs(dy)
        direction = (f"{1 if dx > 0 else -1},0" if dx else f"0,{1 if dy > 0 else -1}")
        kind = "vector" if item.arrow else "line"
        body = f"{{\\{kind}({direction}){{{_n(length)}}}}}"
        return f"{{{pre}\\put({_n(item.x1)},{_n(item.y1)}){body}}}" if pre else \
            f"\\put({_n(item.x1)},{_n(item.y1)}){body}"
    mx, my = (item.x1 + item.x2) / 2, (item.y1 + item.y2) / 2
    return (f"{{{pre}\\qbezier({_n(item.x1)},{_n(item.y1)})({_n(mx)},{_n(my)})"
            f"({_n(item.x2)},{_n(item.y2)})}}")
