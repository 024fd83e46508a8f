r"""How a :class:`~symconv.calculus.compose.Composition` shows itself.

The stacked layers, the single equivalent layer, per spatial axis its stride,
padding, dilation and kernel (with the effective extent), and where the
single layer equals the stack.

Examples
--------
>>> import symconv
>>> c = symconv.compose(*[symconv.Conv2d(1, 1, 3)] * 3)
>>> print(composition_text(c).splitlines()[-1])
  exact everywhere (no padding after the first layer)
"""

from __future__ import annotations

from typing import Any

from symconv.display import html as H
from symconv.display.latex import array, label, tt


def _axes(c: Any) -> list[tuple[Any, Any, Any, Any, Any]]:
    """(stride, padding (left, right), dilation, kernel, span) per axis."""
    layer = c.layer
    return [(ax.stride, layer.padding[a], ax.dilation, ax.kernel, ax.span)
            for a, ax in enumerate(c.axes)]


def _padding(pair: tuple[Any, Any]) -> Any:
    return pair[0] if pair[0] == pair[1] else pair


def _exact_text(c: Any) -> str:
    if c.exact is True or str(c.exact) == "True":
        return "exact everywhere (no padding after the first layer)"
    return "exact away from the borders (see .exact_region(input_shape))"


def composition_html(c: Any) -> str:
    stack = "".join(f"<li>{H.code(repr(layer))}</li>" for layer in c.layers)
    rows = [[str(a), H.math_html(s), H.math_html(_padding(p)), H.math_html(d), H.math_html(k),
             H.math_html(span)] for a, (s, p, d, k, span) in enumerate(_axes(c))]
    table = H.table(["axis", "stride", "padding", "dilation", "kernel", "extent"], rows,
                    ["left"] + ["right"] * 5)
    notes = [H.escape(_exact_text(c))] + [H.escape(n) for n in c.notes]
    return H.block(f"<p>The stack of {len(c.layers)} layers</p><ol>{stack}</ol>",
                   f"<p>is one convolution: {H.code(repr(c.layer))}</p>", table, H.notes(notes))


def composition_latex(c: Any) -> str:
    rows = [[label("single layer"), tt(repr(c.layer))]]
    for a, (s, p, d, k, _) in enumerate(_axes(c)):
        rows.append([label(f"axis {a}"), rf"S = {H.tex(s)},\ P = {H.tex(_padding(p))},\ "
                                         rf"D = {H.tex(d)},\ K = {H.tex(k)}"])
    return array(rows)


def composition_text(c: Any) -> str:
    lines = [f"{len(c.layers)} stacked layers = {c.layer!r}"]
    for a, (s, p, d, k, span) in enumerate(_axes(c)):
        lines.append(f"  axis {a}: stride {s}, padding {_padding(p)}, dilation {d}, kernel {k} "
                     f"(extent {span})")
    lines += [f"  {n}" for n in c.notes]
    lines.append(f"  {_exact_text(c)}")
    return "\n".join(lines)


__all__ = ["composition_html", "composition_latex", "composition_text"]
