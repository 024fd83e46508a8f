"""A :class:`~symconv.figures.drawing.Drawing` as an SVG element (for Markdown and HTML).

Coordinates are flipped (SVG's y grows downwards) and scaled so one unit is
``unit_cm`` centimetres at 96 dpi; text is escaped as XML.  The element has
no blank line, so Markdown keeps it as one HTML block.

Examples
--------
>>> from symconv.figures.drawing import Box, Drawing, Label, BLUE
>>> s = svg(Drawing(2, 1, (Box(0, 0, 1, 1, fill=BLUE, text="5"), Label(1.5, 0.5, "$x$", "x<y"))))
>>> s.startswith("<svg") and "x&lt;y" in s and 'fill="#bfbfff"' in s
True
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from symconv.figures.drawing import Box, Drawing, Label, Line

#: Pixels per centimetre at 96 dpi.
PX_PER_CM = 96 / 2.54


def _n(v: float) -> str:
    r = round(float(v), 2)
    return str(int(r)) if r == int(r) else f"{r:g}"


def svg(d: Drawing, title: str = "") -> str:
    """The SVG of ``d`` (``title``: its accessible name)."""
    s = d.unit_cm * PX_PER_CM
    pad = 4

    def X(x: float) -> str:
        return _n(x * s + pad)

    def Y(y: float) -> str:
        return _n((d.height - y) * s + pad)

    w, h = d.width * s + 2 * pad, d.height * s + 2 * pad
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(w)}" height="{_n(h)}" '
           f'viewBox="0 0 {_n(w)} {_n(h)}" role="img" font-family="serif" font-size="13">']
    if title:
        out.append(f"<title>{escape(title)}</title>")
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
               'markerWidth="6" markerHeight="6" orient="auto-start-reverse">'
               '<path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>')
    for item in d.items:
        if isinstance(item, Box):
            fill = item.fill.svg if item.fill is not None else "none"
            stroke = ' stroke="black" stroke-width="0.8"' if item.frame else ""
            out.append(f'<rect x="{X(item.x)}" y="{Y(item.y + item.h)}" width="{_n(item.w * s)}"'
                       f' height="{_n(item.h * s)}" fill="{fill}"{stroke}/>')
            if item.text:
                out.append(_text(X(item.x + item.w / 2), Y(item.y + item.h / 2), item.text, "c",
                                 cell=True))
        elif isinstance(item, Label):
            out.append(_text(X(item.x), Y(item.y), item.text, item.anchor, small=item.tiny))
        elif isinstance(item, Line):
            width = "2" if item.thick else "0.8"
            head = ' marker-end="url(#arrow)"' if item.arrow else ""
            out.append(f'<line x1="{X(item.x1)}" y1="{Y(item.y1)}" x2="{X(item.x2)}" '
                       f'y2="{Y(item.y2)}" stroke="black" stroke-width="{width}"{head}/>')
        else:  # pragma: no cover
            raise TypeError(f"cannot draw {item!r}")
    out.append("</svg>")
    return "\n".join(out)


def _text(x: str, y: str, text: str, anchor: str, cell: bool = False,
          small: bool = False) -> str:
    where = {"c": "middle", "l": "start", "r": "end"}[anchor]
    fits = small or (cell and len(text) > 3)  # e.g. a fraction in a cell
    size = ' font-size="9"' if fits else ""
    return (f'<text x="{x}" y="{y}" text-anchor="{where}" dominant-baseline="central"{size}>'
            f"{escape(text)}</text>")
