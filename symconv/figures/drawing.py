"""Figures as data: boxes, labels and lines in a small coordinate system (y up).

A figure module computes *where* everything goes from the engine's numbers
and returns a :class:`Drawing`; the backends only translate it — to LaTeX's
``picture`` environment (:mod:`symconv.figures.picture`) and to SVG
(:mod:`symconv.figures.svg`) — so the PDF and the web page show the same
picture.  A label carries its text twice, as LaTeX and as plain text, both
made by the figure module from the same value.

Examples
--------
>>> d = Drawing(2, 1, (Box(0, 0, 1, 1, fill=BLUE), Label(1.5, 0.5, "$-3$", "-3")))
>>> d.width, len(d.items), BLUE.svg
(2, 2, '#bfbfff')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Color:
    """A fill colour: its xcolor expression and the same colour as an SVG hex code."""

    tex: str
    svg: str


#: xcolor's ``name!p`` is p% of the colour mixed with white; the hex codes are that mix.
BLUE = Color("blue!25", "#bfbfff")
ORANGE = Color("orange!35", "#ffd8a6")
GREEN = Color("green!25", "#bfffbf")
RED = Color("red!25", "#ffbfbf")
VIOLET = Color("violet!25", "#dfbfdf")
GRAY = Color("black!12", "#e0e0e0")
PALETTE = (BLUE, ORANGE, GREEN, VIOLET, RED)


@dataclass(frozen=True)
class Box:
    """A rectangle with its lower-left corner at ``(x, y)``; optional fill and centred label."""

    x: float
    y: float
    w: float
    h: float
    fill: Color | None = None
    frame: bool = True
    tex: str = ""
    text: str = ""


@dataclass(frozen=True)
class Label:
    """Text centred at ``(x, y)`` (``anchor`` "l" puts its left end there, "r" its right)."""

    x: float
    y: float
    tex: str
    text: str
    anchor: str = "c"
    small: bool = True
    tiny: bool = False  # for labels that must fit a cell, such as 3-digit indices


@dataclass(frozen=True)
class Line:
    """A straight line; ``arrow`` puts a head at the end (horizontal or vertical lines only)."""

    x1: float
    y1: float
    x2: float
    y2: float
    arrow: bool = False
    thick: bool = False

    def __post_init__(self) -> None:
        if self.arrow and self.x1 != self.x2 and self.y1 != self.y2:
            raise ValueError("an arrow must be horizontal or vertical (LaTeX's picture mode)")


@dataclass(frozen=True)
class Drawing:
    """Everything a figure draws, in units of ``unit_cm`` centimetres."""

    width: float
    height: float
    items: tuple[Any, ...] = field(default_factory=tuple)
    unit_cm: float = 0.5


def number_labels(value: Any) -> tuple[str, str]:
    """(LaTeX, plain text) of an exact number: ``-3``, ``3/4`` (never a float)."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        import sympy as sp

        v = sp.nsimplify(value) if isinstance(value, float) else sp.sympify(value)
        if not v.is_Rational:
            raise ValueError(f"{value!r} is not an exact number")
        value = Fraction(int(v.p), int(v.q))
    if isinstance(value, Fraction) and value.denominator != 1:
        sign = "-" if value < 0 else ""
        tex = f"${sign}\\tfrac{{{abs(value.numerator)}}}{{{value.denominator}}}$"
        return tex, f"{value.numerator}/{value.denominator}".replace("-", "\u2212")
    n = int(value)
    return f"${n}$", f"{n}".replace("-", "\u2212")
