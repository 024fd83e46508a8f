"""Figure ``transposed_scatter``: a transposed convolution as the sum of scattered kernels.

For the worked example of :func:`symconv.calculus.worked.transposed_conv_scatter`
(a question with ``function = "worked.transposed_conv_scatter"``): the input
``x`` (each entry in its own colour) and the kernel ``K``, then one copy of
the output per input entry with ``x_ij K`` placed where the window geometry
puts it (rows and columns from ``Window1d(k, s).first_index(i)``), and the
engine's result, their sum.  The sum of the drawn copies is checked against
that result.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "calculus", "text": "?",
...     "function": "worked.transposed_conv_scatter", "result": "result",
...     "args": {"x": [[-1, 2], [3, 1]], "K": [[1, -1], [0, 1]]},
...     "figure": "transposed_scatter"}, 0)
>>> fig = draw(q, {})
>>> fig.checks[0].passed, fig.checks[0].expected.tolist()
(True, [[-1, 3, -2], [3, -3, 1], [0, 3, 1]])
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.figures.drawing import PALETTE, Box, Drawing, Label, number_labels
from symconv.figures.step import Figure
from symconv.solution import Check
from symconv.window import Window1d

OPTIONS: dict[str, str] = {}
FUNCTION = "worked.transposed_conv_scatter"
#: Input entries drawn (one output copy each).
MAX_ENTRIES = 4
MAX_KERNEL = 4


def _instance(q: Any) -> tuple[sp.Matrix, sp.Matrix, int, int]:
    from symconv.keys.kinds.calculus import question_argument

    if q.kind != "calculus" or q.data.get("function") != FUNCTION:
        raise q.error("figure", f"transposed_scatter is drawn for function = {FUNCTION!r}")
    args = q.data.get("args", {})
    x, K = (question_argument(q, name, args.get(name)) for name in ("x", "K"))
    if not (isinstance(x, sp.MatrixBase) and isinstance(K, sp.MatrixBase)):
        raise q.error("figure", "transposed_scatter needs the matrices x and K in args")
    if len(x) > MAX_ENTRIES or max(K.shape) > MAX_KERNEL:
        raise q.error("figure", f"at most {MAX_ENTRIES} input entries and a "
                      f"{MAX_KERNEL}x{MAX_KERNEL} kernel can be drawn")
    if not all(v.is_Rational for v in (*x, *K)):
        raise q.error("figure", "transposed_scatter draws numbers: x and K must be numeric")
    stride, padding = args.get("stride", 1), args.get("padding", 0)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (stride, padding)):
        raise q.error("figure", "stride and padding must be integers")
    if any(Window1d(K.shape[a], stride, padding, padding).transposed_output_size(x.shape[a]) < 1
           for a in (0, 1)):
        raise q.error("figure", "the transposed convolution has an empty output")
    return sp.Matrix(x), sp.Matrix(K), stride, padding


def check(q: Any, options: dict[str, Any]) -> None:
    _instance(q)


def _grid(items: list[Any], x0: float, top: float, values: Any,
          fills: Any = None) -> None:
    """Cells of a matrix (or list of rows; None: an empty cell) with their numbers."""
    rows = values.tolist() if isinstance(values, sp.MatrixBase) else values
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            tex, text = number_labels(v) if v is not None else ("", "")
            fill = fills[r][c] if fills is not None else None
            items.append(Box(x0 + c, top - 1 - r, 1, 1, fill=fill, tex=tex, text=text))


def draw(q: Any, options: dict[str, Any]) -> Figure:
    from symconv.calculus.worked import transposed_conv_scatter

    x, K, s, p = _instance(q)
    result = transposed_conv_scatter(x, K, stride=s, padding=p).result
    rows_w = [Window1d(K.shape[a], s) for a in (0, 1)]  # where input i's copy starts
    full = [int(rows_w[a].transposed_output_size(x.shape[a])) for a in (0, 1)]
    items: list[Any] = []
    colour = {(i, j): PALETTE[(i * x.shape[1] + j) % len(PALETTE)]
              for i in range(x.shape[0]) for j in range(x.shape[1])}
    height_copies = full[0]
    top_row = height_copies + 2.2 + max(x.shape[0], K.shape[0])
    # Top line: x and K.
    items.append(Label(0.6, top_row - x.shape[0] / 2, "$x$", "x"))
    _grid(items, 1.5, top_row, x, [[colour[(i, j)] for j in range(x.shape[1])]
                                  for i in range(x.shape[0])])
    kx = 1.5 + x.shape[1] + 2.5
    items.append(Label(kx - 0.9, top_row - K.shape[0] / 2, "$K$", "K"))
    _grid(items, kx, top_row, K)
    # Bottom line: one copy per input entry, then their sum.
    summed = sp.zeros(*full)
    cursor = 0.5
    top = height_copies + 0.9
    for n, ((i, j), fill) in enumerate(colour.items()):
        r0, c0 = int(rows_w[0].first_index(i)), int(rows_w[1].first_index(j))
        cells: list[list[Any]] = [[None] * full[1] for _ in range(full[0])]
        fills: list[list[Any]] = [[None] * full[1] for _ in range(full[0])]
        for a in range(K.shape[0]):
            for b in range(K.shape[1]):
                cells[r0 + a][c0 + b] = x[i, j] * K[a, b]
                summed[r0 + a, c0 + b] += x[i, j] * K[a, b]
                fills[r0 + a][c0 + b] = fill
        _grid(items, cursor, top, cells, fills)
        items.append(Label(cursor + full[1] / 2, 0.35, f"$x_{{{i}{j}}} K$ at $({r0}, {c0})$",
                           f"x{i}{j}·K at ({r0}, {c0})"))
        cursor += full[1]
        sign = "+" if n < len(colour) - 1 else "="
        items.append(Label(cursor + 0.6, top - full[0] / 2, f"${sign}$", sign))
        cursor += 1.2
    cropped = summed[p:p + result.shape[0], p:p + result.shape[1]]
    _grid(items, cursor, top, result)
    items.append(Label(cursor + result.shape[1] / 2, 0.35, "$y$", "y"))
    width = cursor + result.shape[1] + 0.5
    caption = (f"Each input entry $x_{{ij}}$ adds $x_{{ij}} K$ to the output block starting at "
               f"$(i \\cdot {s}, j \\cdot {s})$; the output is the sum of the "
               f"{len(colour)} copies" + (f", cropped by {p} on each side." if p else "."))
    checks = (Check("sum of the drawn copies", "the worked scatter-add result (explicit loops "
                    "and torch check it above)", result, cropped, cropped == result),)
    return Figure("transposed_scatter", Drawing(width, top_row + 0.2, tuple(items),
                                                unit_cm=0.55), caption, checks)
