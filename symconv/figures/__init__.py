"""Figures drawn from the engine's numbers, asked for by a question's ``figure`` field.

One module per figure; each has ``check(q, options)`` (load time: raise
``q.error("figure", ...)`` when the question cannot have it) and
``draw(q, options)`` returning a :class:`~symconv.figures.step.Figure` whose
every position and number comes from the engine (windows of
:mod:`symconv.window`, receptive fields of :mod:`symconv.network.receptive`,
the derived pooling gradient, the worked scatter of a transposed
convolution).  In a question file::

    figure = "sliding_window"
    figure = { draw = "receptive_field", values = { K = 3 } }   # numbers for a symbolic question
    figure = ["sliding_window", { draw = "pool_gradient" }]

Examples
--------
>>> sorted(FIGURES)
['pool_gradient', 'receptive_field', 'sliding_window', 'transposed_scatter']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from symconv.figures import pooling, receptive, scatter, sliding

#: Figure name -> its module (``check`` and ``draw``).
FIGURES: dict[str, Any] = {
    "sliding_window": sliding,
    "receptive_field": receptive,
    "transposed_scatter": scatter,
    "pool_gradient": pooling,
}
MAX_FIGURES = 4


def figure_specs(q: Any) -> list[tuple[str, dict[str, Any]]]:
    """The question's ``figure`` field as ``(name, options)`` pairs, validated."""
    raw = q.data.get("figure")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > MAX_FIGURES:
        raise q.error("figure", f"more than {MAX_FIGURES} figures")
    out = []
    for i, item in enumerate(items):
        where = "figure" if not isinstance(raw, list) else f"figure[{i}]"
        if isinstance(item, str):
            name, options = item, {}
        elif isinstance(item, Mapping) and isinstance(item.get("draw"), str):
            name, options = item["draw"], {k: v for k, v in item.items() if k != "draw"}
        else:
            raise q.error(where, 'expected a figure name or { draw = "name", ... }')
        if name not in FIGURES:
            raise q.error(where, f"unknown figure {name!r} (known: {', '.join(sorted(FIGURES))})")
        allowed = FIGURES[name].OPTIONS
        for key in options:
            if key not in allowed:
                raise q.error(f"{where}.{key}", f"unknown option of {name!r} (allowed: "
                              f"{', '.join(sorted(allowed)) or 'none'})")
        out.append((name, options))
    return out


def check_figures(q: Any) -> None:
    """Load-time check: every figure the question asks for can be drawn."""
    for name, options in figure_specs(q):
        FIGURES[name].check(q, options)


def figure_steps(q: Any) -> list[Any]:
    """The question's figures, each followed by the checks of its numbers."""
    steps: list[Any] = []
    for name, options in figure_specs(q):
        fig = FIGURES[name].draw(q, options)
        steps += [fig, *fig.checks]
    return steps
