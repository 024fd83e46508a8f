r"""How a :class:`~symconv.network.receptive.ReceptiveField` shows itself.

Per spatial axis: the size ``r``, effective stride ``S`` and effective padding
``P`` (Araujo et al.), and the input range output ``i`` sees,
``S i - P .. S i - P + r - 1``.

Examples
--------
>>> import symconv
>>> net = symconv.Sequential(symconv.Conv2d(1, 1, 3, padding=1), symconv.MaxPool2d(2))
>>> rf = symconv.analyze(net, (1, 8, 8)).receptive_field
>>> print(receptive_text(rf))
receptive field: size 4, effective stride 2, effective padding 1 (every spatial axis)
  output i sees input positions 2*i - 1 .. 2*i + 2
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.display.latex import array, label
from symconv.printing import latex

AXES = {1: ("",), 2: ("h", "w"), 3: ("d", "h", "w")}


def _index(axis: int, dims: int) -> sp.Symbol:
    names = {1: ("i",), 2: ("i", "j"), 3: ("i", "j", "l")}[dims] if dims <= 3 else None
    return sp.Symbol(names[axis] if names else f"i_{axis}", integer=True, nonnegative=True)


def _axes(rf: Any) -> list[tuple[str, Any, Any, Any, tuple[Any, Any], sp.Symbol]]:
    """(axis name, r, S, P, (first, last) of output index i, the index) per axis."""
    dims = len(rf.axes)
    names = AXES.get(dims, tuple(str(a) for a in range(dims)))
    out = []
    for a, axis in enumerate(rf.axes):
        i = _index(a, dims)
        out.append((names[a], axis.size, axis.stride, axis.padding, axis.region(i), i))
    return out


def _alike(rows: list[Any]) -> bool:
    return len(rows) > 1 and all(r[1:4] == rows[0][1:4] for r in rows)


def receptive_html(rf: Any) -> str:
    rows = _axes(rf)
    body = [[H.escape(name or "-"), H.math_html(r), H.math_html(S), H.math_html(P),
             H.inline(latex(first) + r" \;\ldots\; " + latex(last))]
            for name, r, S, P, (first, last), _ in rows]
    table = H.table(["axis", "size r", "effective stride S", "effective padding P",
                     "input range of output i"], body, ["left", "right", "right", "right", "left"])
    extra = [] if rf.aligned else ["paths are not aligned: the field is the hull of their ranges"]
    return H.block("<p>Receptive field (Araujo, Norris &amp; Sim, 2019)</p>", table,
                   H.notes([H.escape(n) for n in (*rf.notes, *extra)]))


def receptive_latex(rf: Any) -> str:
    rows = [[label("axis"), "r", "S", "P", label("input range")]]
    rows += [[label(name or "-"), H.tex(r), H.tex(S), H.tex(P),
              latex(first) + r" \ldots " + latex(last)]
             for name, r, S, P, (first, last), _ in _axes(rf)]
    return array(rows, "lrrrl")


def receptive_text(rf: Any) -> str:
    rows = _axes(rf)
    if _alike(rows) or len(rows) == 1:
        _, r, S, P, (first, last), _ = rows[0]
        where = " (every spatial axis)" if len(rows) > 1 else ""
        return (f"receptive field: size {r}, effective stride {S}, effective padding {P}{where}\n"
                f"  output i sees input positions {first} .. {last}")
    lines = ["receptive field per spatial axis:"]
    lines += [f"  {name}: size {r}, effective stride {S}, effective padding {P}; output {i} "
              f"sees {first} .. {last}" for name, r, S, P, (first, last), i in rows]
    return "\n".join(lines)


__all__ = ["receptive_html", "receptive_latex", "receptive_text"]
