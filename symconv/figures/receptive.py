"""Figure ``receptive_field``: how the field of one unit grows through a stack of layers.

Each layer with a window (convolution, pooling) is a row, the input at the
bottom; a cell of a layer sits above the input positions it sees and is as
wide as its effective stride.  One unit of the last layer is chosen (the
middle one) and, in every row below, the cells it depends on are filled:
the region of :class:`symconv.network.receptive.AxisField` composed from the
layers above that row.  The field on the input is checked by propagating
explicit sets of indices down the stack, window tap by window tap.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> conv = {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": "K"}
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "network", "text": "?",
...     "network": {"type": "Sequential", "layers": [conv, conv]}, "input": [1, 16, 16],
...     "ask": ["receptive"], "figure": {"draw": "receptive_field", "values": {"K": 3}}}, 0)
>>> fig = draw(q, {"values": {"K": 3}})
>>> fig.checks[0].expected, fig.checks[0].passed
(IndexRange(5, 9), True)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.figures.drawing import BLUE, GRAY, ORANGE, Box, Drawing, Label, Line
from symconv.figures.numbers import figure_values, integers
from symconv.figures.step import Figure
from symconv.solution import Check

OPTIONS = {"values": "example numbers for the question's symbols", "axis": "spatial axis (0)"}
#: Bounds that keep the drawing readable.
MAX_ROWS = 8
MAX_CELLS = 34
#: Cells of context drawn on each side of the field.
CONTEXT = 2


def _stack(q: Any, options: dict[str, Any]) -> tuple[list[tuple[str, Any]], int, dict[str, int]]:
    """(row label, window) per windowed layer, the input size along the axis, the numbers."""
    from symconv.spec import SpecError, build_layer

    if q.kind != "network":
        raise q.error("figure", "receptive_field is drawn for a network question")
    values = figure_values(q, options)
    spec = integers(q, q.data["network"], values, "receptive-field figure")
    shape = integers(q, q.data["input"], values, "receptive-field figure")
    if not isinstance(spec, dict) or spec.get("type") != "Sequential":
        raise q.error("figure", "receptive_field draws a Sequential stack of layers")
    axis = options.get("axis", 0)
    if not isinstance(axis, int) or isinstance(axis, bool) or not 0 <= axis < len(shape) - 1:
        raise q.error("figure.axis", f"expected a spatial axis from 0 to {len(shape) - 2}")
    rows: list[tuple[str, Any]] = []
    for i, layer_spec in enumerate(spec.get("layers", [])):
        try:
            layer = build_layer(layer_spec)
        except (SpecError, TypeError, ValueError) as exc:
            raise q.error("figure", str(exc)) from None
        windows = getattr(layer, "windows", None)
        if getattr(layer, "kind", "") == "conv_transpose":
            raise q.error("figure", "receptive_field does not draw transposed convolutions")
        if not windows:
            if layer_spec.get("type") in ("Flatten", "Linear"):
                break  # the spatial part of the network ends here
            continue  # elementwise layers keep positions
        rows.append((f"layer {i + 1}", windows[axis]))  # counted as the key's text counts
    if not rows:
        raise q.error("figure", "the network has no convolution or pooling to draw")
    if len(rows) > MAX_ROWS:
        raise q.error("figure", f"more than {MAX_ROWS} layers with windows: too many to draw")
    return rows, int(shape[1 + axis]), values


def _fields(rows: list[tuple[str, Any]], n: int) -> tuple[list[int], int, list[Any], list[Any]]:
    """Sizes per level, the unit drawn, its region per level, each level's field on the input."""
    from symconv.network.receptive import AxisField

    sizes = [n]
    for _, w in rows:
        sizes.append(int(w.output_size(sizes[-1])))
    if sizes[-1] < 1:
        raise ValueError("the stack does not fit its input")
    unit = (sizes[-1] - 1) // 2
    regions = []
    for level in range(len(rows) + 1):  # the top unit's region in the coordinates of `level`
        f = AxisField.identity()
        for _, w in rows[level:]:
            f = f.then(w)
        regions.append(tuple(int(v) for v in f.region(unit)))
    on_input = []
    for level in range(len(rows) + 1):  # where a cell of `level` sits on the input
        f = AxisField.identity()
        for _, w in rows[:level]:
            f = f.then(w)
        on_input.append(f)
    return sizes, unit, regions, on_input


def check(q: Any, options: dict[str, Any]) -> None:
    rows, n, _ = _stack(q, options)
    try:
        sizes, unit, regions, _ = _fields(rows, n)
    except ValueError as exc:
        raise q.error("figure", str(exc)) from None
    width = regions[0][1] - regions[0][0] + 1 + 2 * CONTEXT
    if width > MAX_CELLS:
        raise q.error("figure", f"the field spans {width - 2 * CONTEXT} input positions: too "
                      f"many to draw (at most {MAX_CELLS - 2 * CONTEXT})")


def _propagate(rows: list[tuple[str, Any]], unit: int) -> list[set[int]]:
    """Per level (input first), the positions the unit reads, by explicit index sets.

    Window by window, tap by tap (output ``o`` reads ``first_index(o) + j*dilation``),
    with no receptive-field algebra: with dilation some positions inside the range are
    skipped, which the figure shows.
    """
    seen = [{unit}]
    for _, w in reversed(rows):
        k, d = int(w.kernel), int(w.dilation)
        seen.append({int(w.first_index(o)) + j * d for o in seen[-1] for j in range(k)})
    return seen[::-1]


def draw(q: Any, options: dict[str, Any]) -> Figure:
    rows, n, values = _stack(q, options)
    sizes, unit, regions, on_input = _fields(rows, n)
    read = _propagate(rows, unit)
    first_window = rows[0][1]  # context cells stay inside the padded input
    lo = max(regions[0][0] - CONTEXT, -int(first_window.pad_left))
    hi = min(regions[0][1] + CONTEXT, n - 1 + int(first_window.pad_right))
    left = 4.2  # room for the row labels
    gap = 0.9   # vertical gap between rows

    def X(u: Any) -> float:
        return left + float(u - lo)

    def extent(level: int, j: int) -> tuple[float, float]:
        """Left and right end of cell ``j`` of ``level``: above the input it sees."""
        f = on_input[level]
        first, last = (int(v) for v in f.region(j))
        step = float(f.stride)
        centre = X(sp.Rational(first + last, 2)) + 0.5
        return centre - step / 2, centre + step / 2

    items: list[Any] = []
    top = len(rows)
    for level in range(top + 1):
        y = 0.3 + level * (1 + gap)
        a, b = regions[level]
        for j in range(sizes[level]):
            x0, x1 = extent(level, j)
            x0, x1 = max(x0, X(lo)), min(x1, X(hi) + 1)
            if x1 - x0 < 0.5:
                continue  # outside the part of the axis drawn
            fill = ORANGE if level == top and j == unit else BLUE if j in read[level] else None
            items.append(Box(x0 + 0.04, y, x1 - x0 - 0.08, 1, fill=fill))
        if level == 0:  # padding, if the field reaches it
            items += [Box(X(u), y, 1, 1, fill=BLUE if u in read[0] else GRAY, tex="$0$",
                          text="0") for u in range(lo, hi + 1) if not 0 <= u < n]
        name = "input" if level == 0 else rows[level - 1][0]
        items.append(Label(0.1, y + 0.5, name, name, anchor="l"))
        count = len(read[level])
        what = "unit" if level == top else ("positions" if level == 0 else "units")
        label = f"{count} {what}" if level else f"{count} positions ({a} to {b})"
        if level and count != b - a + 1:
            label = f"{count} of {b - a + 1} {what}"
        items.append(Label(X(hi) + 1.4, y + 0.5, label, label, anchor="l"))
        if level < top:  # the cone, from this row's field up to the next row's
            a2, b2 = regions[level + 1]
            y_up = y + 1 + gap
            items.append(Line(extent(level, a)[0], y + 1, extent(level + 1, a2)[0], y_up))
            items.append(Line(extent(level, b)[1], y + 1, extent(level + 1, b2)[1], y_up))
    width = X(hi) + 1.4 + 8.5  # the count labels on the right
    height = 0.3 + (top + 1) * (1 + gap) - gap + 0.3
    a0, b0 = regions[0]
    field = on_input[top]
    example = [f"${sp.latex(sp.Symbol(k))} = {v}$" for k, v in values.items()
               if k not in q.values]
    caption = (f"Unit {unit} of the last layer (orange) and the units it depends on in every "
               f"layer below (blue): on the input, positions {a0} to {b0}, a receptive field "
               f"of {b0 - a0 + 1} (effective stride {field.stride}, padding {field.padding})")
    caption += f", drawn for {', '.join(example)}." if example else "."
    found = (min(read[0]), max(read[0]))
    from symconv.notation.latex import IndexRange

    checks = (Check("input positions of the drawn unit", "explicit propagation of index sets "
                    "through the layers", IndexRange(a0, b0), IndexRange(*found),
                    found == (a0, b0)),)
    return Figure("receptive_field", Drawing(width, height, tuple(items)), caption, checks)

