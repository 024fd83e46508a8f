"""Figure ``sliding_window``: the windows of an output-size question over the padded input.

One spatial axis of the layer (``axis``, default the first) is drawn as a row
of cells: the padding (grey, 0), the input positions with their indices, and
above them the windows ``i = 0, 1, ...`` as bars from
:meth:`~symconv.window.Window1d.first_index` to ``last_index`` (with
dilation, only the taps are filled).  Positions no window reaches, which
the floor of the output-size formula drops, are red.  A long axis is drawn
with its middle elided.  The number of windows is checked by counting
window starts one by one.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "layer", "text": "?",
...     "layer": {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3,
...               "stride": 2, "padding": 1}, "input": [1, 6, 6], "ask": ["output_shape"],
...     "figure": "sliding_window"}, 0)
>>> fig = draw(q, {})
>>> fig.checks[0].observed, fig.checks[0].passed
(3, True)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.figures.drawing import BLUE, GRAY, RED, Box, Drawing, Label, Line
from symconv.figures.numbers import figure_values, integers
from symconv.figures.step import Figure
from symconv.printing import latex
from symconv.solution import Check
from symconv.symbols import sym

AXIS_NAMES = {1: ("l",), 2: ("h", "w"), 3: ("d", "h", "w")}

OPTIONS = {"values": "example numbers for the question's symbols", "axis": "spatial axis (0)"}
#: Cells drawn in full; a longer padded axis has its middle elided.
MAX_CELLS = 30
#: Windows drawn at each end of a long axis.
END_WINDOWS = 3


def _window(q: Any, options: dict[str, Any]) -> tuple[Any, int, dict[str, int], int]:
    from symconv.spec import SpecError, build_layer

    if q.kind != "layer":
        raise q.error("figure", "sliding_window is drawn for a layer question")
    values = figure_values(q, options)
    spec = integers(q, q.data["layer"], values, "sliding window")
    shape = integers(q, q.data["input"], values, "sliding window")
    try:
        layer = build_layer(spec)
    except (SpecError, TypeError, ValueError) as exc:
        raise q.error("figure", str(exc)) from None
    windows = getattr(layer, "windows", None)
    if not windows or getattr(layer, "kind", "") == "conv_transpose":
        raise q.error("figure", f"{spec['type']} has no sliding window to draw")
    axis = options.get("axis", 0)
    if not isinstance(axis, int) or isinstance(axis, bool) or not 0 <= axis < len(windows):
        raise q.error("figure.axis", f"expected a spatial axis from 0 to {len(windows) - 1}")
    n = int(shape[1 + axis])
    w = windows[axis]
    if not all(getattr(w, a).is_Integer for a in ("kernel", "stride", "pad_left", "pad_right",
                                                  "dilation")):
        raise q.error("figure", "the window needs integer kernel, stride, padding and dilation")
    if int(w.output_size(n)) < 1:
        raise q.error("figure", "the window does not fit the padded input")
    return w, n, values, axis


def check(q: Any, options: dict[str, Any]) -> None:
    _window(q, options)


def _shown_windows(out: int) -> list[int]:
    if out <= 2 * END_WINDOWS:
        return list(range(out))
    return [*range(END_WINDOWS), out - 1]


def draw(q: Any, options: dict[str, Any]) -> Figure:
    w, n, values, axis = _window(q, options)
    k, s, d = int(w.kernel), int(w.stride), int(w.dilation)
    pl, pr = int(w.pad_left), int(w.pad_right)
    out = int(w.output_size(n))
    shown = _shown_windows(out)
    first = {i: int(w.first_index(i)) for i in shown}
    last = {i: int(w.last_index(i)) for i in shown}
    lo, hi = -pl, n - 1 + pr  # padded positions
    reach = int(w.last_index(out - 1))
    # Positions drawn: all, or both ends of the axis around the windows shown there.
    if hi - lo + 1 <= MAX_CELLS:
        cells = list(range(lo, hi + 1))
        gap_after = None
    else:
        left_end = last[shown[-2] if len(shown) > 1 else shown[0]] + 1
        right_start = min(first[shown[-1]], reach + 1) - 1
        cells = [*range(lo, left_end + 1), *range(max(right_start, left_end + 2), hi + 1)]
        gap_after = left_end
    x_of: dict[int, float] = {}
    x = 2.5
    for c in cells:
        x_of[c] = x
        x += 1
        if c == gap_after:
            x += 1.5  # room for the ellipsis
    width = x + 0.5
    rows = len(shown) + (len(shown) < out)  # a row of dots for the elided windows
    height = 2.25 + 0.7 * (rows - 1) + 0.45 + 0.4  # the top bar and a margin above it
    items: list[Any] = []
    y0 = 1.0
    for c in cells:
        if c < 0 or c >= n:
            fill, tex, text = GRAY, "$0$", "0"
        elif c > reach:
            fill, tex, text = RED, "", ""
        else:
            fill, tex, text = None, "", ""
        items.append(Box(x_of[c], y0, 1, 1, fill=fill, tex=tex, text=text))
        if 0 <= c < n:
            items.append(Label(x_of[c] + 0.5, y0 - 0.45, f"${c}$", str(c), tiny=c > 99))
    if gap_after is not None:
        items.append(Label(x_of[gap_after] + 1.75, y0 + 0.5, r"$\cdots$", "\u22ef"))
    items.append(Label(0.2, y0 + 0.5, "input", "input", anchor="l"))
    for row, i in enumerate(shown):
        row += row == len(shown) - 1 and len(shown) < out  # the last window, after the dots
        y = y0 + 1.25 + 0.7 * row
        taps = [first[i] + j * d for j in range(k)]
        if d == 1:
            items.append(Box(x_of[first[i]], y, x_of[last[i]] + 1 - x_of[first[i]], 0.45,
                             fill=BLUE))
        else:
            items.append(Line(x_of[first[i]] + 0.5, y + 0.22, x_of[last[i]] + 0.5, y + 0.22))
            items += [Box(x_of[t] + 0.1, y, 0.8, 0.45, fill=BLUE) for t in taps]
        items.append(Label(0.2, y + 0.22, f"$i = {i}$", f"i = {i}", anchor="l"))
    if len(shown) < out:  # the elided windows: a column of dots between the rows
        items.append(Label(0.9, y0 + 1.25 + 0.7 * (len(shown) - 1) + 0.25,
                           r"{\scriptsize $\vdots$}", "\u22ee"))
    span = d * (k - 1) + 1
    dropped = [c for c in range(reach + 1, n)]
    i = sp.Symbol("i")
    dims = len(q.data["input"]) - 1
    name = AXIS_NAMES.get(dims, ("n",) * dims)[axis]
    if isinstance(q.data["input"][1 + axis], str):
        name = q.data["input"][1 + axis]
    pads = (f"padded by {pl}" + (f" and {pr}" if pr != pl else " on each side")
            if pl or pr else "no padding")
    caption = (f"Axis ${latex(sym(name))}$: {n} positions, {pads}. A window of span {span} "
               f"moves by {s}: window $i$ covers positions ${latex(w.first_index(i))}$ to "
               f"${latex(w.last_index(i))}$, and the last that fits is $i = {out - 1}$, so "
               f"there are {out} positions")
    if len(shown) < out:
        caption += f" (windows {shown[-2] + 1} to {out - 2} are not drawn)"
    if dropped:
        where = (f"position {dropped[0]}" if len(dropped) == 1
                 else f"positions {dropped[0]} to {dropped[-1]}")
        caption += f"; input {where} (red) {'is' if len(dropped) == 1 else 'are'} never read"
    caption += "."
    count = sum(1 for start in range(lo, hi + 1, s) if start + span - 1 <= hi)
    checks = (Check("window positions", "explicit count of window starts in the padded input",
                    out, count, out == count),)
    return Figure("sliding_window", Drawing(width, height, tuple(items)), caption, checks)
