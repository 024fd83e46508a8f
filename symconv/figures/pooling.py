"""Figure ``pool_gradient``: where max or average pooling sends each output gradient.

Three grids: an example input ``x`` with its pooling windows in colour (for
max pooling the arg-max of each window framed), the output gradient ``dy``
in the same colours, and the input gradient ``dx`` that the *derived*
backward formula gives (:func:`symconv.calculus.pooling_grad.pool_backward`,
evaluated on ``x`` and ``dy``): max pooling copies each ``dy`` to its
window's arg-max, average pooling spreads ``dy/K`` over the window.  The
example is the figure's ``x`` and ``dy`` (small integer matrices), else a
fixed 4x4 input with distinct values; ``dx`` is checked by explicit loops
and, when installed, by torch's autograd.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "calculus", "text": "?",
...     "function": "pooling_grad.pool_backward", "result": "grad_input.rhs",
...     "layer": {"type": "AvgPool2d", "kernel_size": 2}, "input": [1, "h", "w"],
...     "figure": {"draw": "pool_gradient", "dy": [[4, 8], [-4, 2]]}}, 0)
>>> fig = draw(q, {"dy": [[4, 8], [-4, 2]]})
>>> [c.passed for c in fig.checks][:1], fig.caption.split(":")[0]
([True], 'Average pooling')
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from symconv.figures.drawing import PALETTE, Box, Drawing, Label, Line, number_labels
from symconv.figures.numbers import figure_values, integers
from symconv.figures.step import Figure
from symconv.solution import Check

OPTIONS = {"x": "example input (matrix of integers)", "dy": "output gradient (integers)",
           "values": "example numbers for the layer's symbols"}
#: The example input when the file gives none: 1..16 in a fixed, tie-free order.
DEFAULT_X = [[3, 9, 1, 14], [12, 5, 16, 7], [2, 15, 8, 11], [10, 4, 13, 6]]
MAX_SIDE = 6
MAX_ENTRY = 999


def _matrix(q: Any, raw: Any, name: str) -> list[list[int]]:
    if not (isinstance(raw, list) and raw and all(isinstance(r, list) and r for r in raw)
            and len({len(r) for r in raw}) == 1):
        raise q.error(f"figure.{name}", "expected a matrix: a list of rows of equal length")
    if len(raw) > MAX_SIDE or len(raw[0]) > MAX_SIDE:
        raise q.error(f"figure.{name}", f"at most {MAX_SIDE}x{MAX_SIDE} can be drawn")
    for row in raw:
        for v in row:
            if not isinstance(v, int) or isinstance(v, bool) or abs(v) > MAX_ENTRY:
                raise q.error(f"figure.{name}", f"expected integers of at most {MAX_ENTRY}")
    return [list(r) for r in raw]


def _instance(q: Any, options: dict[str, Any]) -> tuple[Any, np.ndarray, np.ndarray]:
    from symconv.spec import SpecError, build_layer

    spec = q.data.get("layer")
    if not isinstance(spec, dict) or spec.get("type") not in ("MaxPool2d", "AvgPool2d"):
        raise q.error("figure", "pool_gradient is drawn for a MaxPool2d or AvgPool2d layer")
    spec = integers(q, spec, figure_values(q, options), "pooling figure")
    try:
        layer = build_layer(spec)
    except (SpecError, TypeError, ValueError) as exc:
        raise q.error("figure", str(exc)) from None
    x = _matrix(q, options.get("x", DEFAULT_X), "x")
    try:
        out = [int(v) for v in layer.output_shape((1, len(x), len(x[0])))[1:]]
    except (TypeError, ValueError) as exc:
        raise q.error("figure.x", f"the pooling does not fit x: {exc}") from None
    if min(out) < 1:
        raise q.error("figure.x", "the pooling does not fit x")
    default_dy = [[1 + r * out[1] + c for c in range(out[1])] for r in range(out[0])]
    dy = _matrix(q, options.get("dy", default_dy), "dy")
    if [len(dy), len(dy[0])] != out:
        raise q.error("figure.dy", f"expected a {out[0]}x{out[1]} matrix (the output of the "
                      f"pooling on a {len(x)}x{len(x[0])} input)")
    return layer, np.array(x, dtype=float)[None, None], np.array(dy, dtype=float)[None, None]


def check(q: Any, options: dict[str, Any]) -> None:
    _instance(q, options)


def _windows(layer: Any, shape: tuple[int, int], out: tuple[int, int]) -> dict[Any, list[Any]]:
    """Input cells of each window (real positions only), from the layer's windows."""
    wh, ww = layer.windows
    cells: dict[Any, list[Any]] = {}
    for o in itertools.product(range(out[0]), range(out[1])):
        rows = [int(wh.first_index(o[0])) + t * int(wh.dilation) for t in range(int(wh.kernel))]
        cols = [int(ww.first_index(o[1])) + t * int(ww.dilation) for t in range(int(ww.kernel))]
        cells[o] = [(r, c) for r in rows for c in cols
                    if 0 <= r < shape[0] and 0 <= c < shape[1]]
    return cells


def _exact(values: np.ndarray, denominator: int) -> list[list[Fraction]]:
    """The derived gradient's numbers as exact fractions of the window size."""
    out = []
    for row in values:
        exact = [Fraction(round(float(v) * denominator), denominator) for v in row]
        if any(abs(float(e) - float(v)) > 1e-9 for e, v in zip(exact, row)):
            raise ValueError("the gradient is not a multiple of 1/window size")
        out.append(exact)
    return out


def _loops(kind: str, x: np.ndarray, dy: np.ndarray, cells: dict[Any, list[Any]],
           size: int) -> list[list[Fraction]]:
    """dx by explicit loops: route (max) or spread (average) each output gradient."""
    dx = [[Fraction(0)] * x.shape[1] for _ in range(x.shape[0])]
    for o, window in cells.items():
        g = Fraction(int(dy[o]))
        if kind == "max":
            r, c = max(window, key=lambda rc: (x[rc], -window.index(rc)))  # first maximum
            dx[r][c] += g
        else:
            for r, c in window:
                dx[r][c] += g / size
    return dx


def draw(q: Any, options: dict[str, Any]) -> Figure:
    from symconv.calculus.checks import torch_or_none
    from symconv.calculus.pooling_grad import pool_backward

    layer, x4, dy4 = _instance(q, options)
    kind = "max" if type(layer).__name__.startswith("MaxPool") else "avg"
    x, dy = x4[0, 0], dy4[0, 0]
    shape, out = (x.shape[0], x.shape[1]), (dy.shape[0], dy.shape[1])
    pb = pool_backward(layer, (1, *shape))
    size = int(np.prod([int(k) for k in layer.kernel_size]))
    dx = _exact(pb.evaluate(x4, dy4)["grad_input"][0, 0], size)
    cells = _windows(layer, shape, out)
    colour = {o: PALETTE[n % len(PALETTE)] for n, o in enumerate(cells)}
    owner: dict[Any, Any] = {}
    for o, window in cells.items():
        for rc in window:
            owner.setdefault(rc, o)
    chosen: set[Any] = set()
    if kind == "max":
        arg = pb.argmax(x4)
        for o in cells:
            r = int(layer.windows[0].first_index(o[0])) + int(arg["a_h"][(0, 0, *o)]) * \
                int(layer.windows[0].dilation)
            c = int(layer.windows[1].first_index(o[1])) + int(arg["a_w"][(0, 0, *o)]) * \
                int(layer.windows[1].dilation)
            chosen.add((r, c))
    items: list[Any] = []
    frames: list[Any] = []
    top = shape[0] + 1.0  # the labels go below the grids
    # x, with its windows (and arg-maxes) marked
    for r in range(shape[0]):
        for c in range(shape[1]):
            tex, text = number_labels(int(x[r, c]))
            fill = colour[owner[(r, c)]] if (r, c) in owner else None
            items.append(Box(c, top - 1 - r, 1, 1, fill=fill, tex=tex, text=text))
            if (r, c) in chosen:
                y = top - 1 - r
                frames += [Line(c, y, c + 1, y, thick=True), Line(c, y + 1, c + 1, y + 1,
                                                                    thick=True),
                           Line(c, y, c, y + 1, thick=True), Line(c + 1, y, c + 1, y + 1,
                                                                    thick=True)]
    items += frames  # after the cells, so no neighbouring fill covers them
    items.append(Label(shape[1] / 2, top - shape[0] - 0.55, "$x$", "x"))
    # dy
    gx = shape[1] + 2.0
    dy_top = top - (shape[0] - out[0]) / 2
    for o in cells:
        tex, text = number_labels(int(dy[o]))
        items.append(Box(gx + o[1], dy_top - 1 - o[0], 1, 1, fill=colour[o], tex=tex, text=text))
    items.append(Label(gx + out[1] / 2, top - shape[0] - 0.55, "$dy$", "dy"))
    ax = gx + out[1] + 0.5
    items.append(Line(ax, top - shape[0] / 2, ax + 1.5, top - shape[0] / 2, arrow=True))
    # dx
    dx0 = ax + 2.0
    for r in range(shape[0]):
        for c in range(shape[1]):
            v = dx[r][c]
            tex, text = number_labels(v)
            fill = colour[owner[(r, c)]] if v != 0 and (r, c) in owner else None
            items.append(Box(dx0 + c, top - 1 - r, 1.0, 1, fill=fill, tex=tex, text=text))
    items.append(Label(dx0 + shape[1] / 2, top - shape[0] - 0.55, "$dx$", "dx"))
    width = dx0 + shape[1] + 0.3
    if kind == "max":
        caption = ("Max pooling: each output gradient $dy$ goes to the arg-max of its window "
                   "(framed), every other input gets 0")
    else:
        caption = (f"Average pooling: each output gradient is spread evenly, $dy/{size}$ to "
                   f"every input of its window (the gradient $dy$, not the output $y$)")
    overlap = any(sum(rc in w for w in cells.values()) > 1 for rc in owner)
    caption += "; where windows overlap, the gradients add." if overlap else "."
    want = _loops(kind, x, dy, cells, size)
    checks = [Check("input gradient of the drawn example", "explicit loops over the windows",
                    _as_matrix(want), _as_matrix(dx), want == dx)]
    torch = torch_or_none()
    if torch is not None:
        xt = torch.tensor(x4, dtype=torch.float64, requires_grad=True)
        fn = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
        kwargs = dict(kernel_size=tuple(int(k) for k in layer.kernel_size),
                      stride=tuple(int(s) for s in layer.stride),
                      padding=tuple(int(p) for p in layer.padding))
        if kind == "max":
            kwargs["dilation"] = tuple(int(d) for d in layer.dilation)
        fn(xt, **kwargs).backward(torch.tensor(dy4, dtype=torch.float64))
        auto = _exact(xt.grad[0, 0].numpy(), size)
        checks.append(Check("input gradient of the drawn example", "torch autograd",
                            _as_matrix(auto), _as_matrix(dx), auto == dx))
    return Figure("pool_gradient", Drawing(width, top + 0.2, tuple(items)), caption,
                  tuple(checks))


def _as_matrix(rows: list[list[Fraction]]) -> Any:
    import sympy as sp

    return sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in rows])
