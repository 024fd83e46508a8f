"""How a :class:`~symconv.report.LayerReport` shows itself: HTML, LaTeX and text.

The headline quantities form a two-column table (quantity, formula), narrow
enough that no value scrolls off; memory, the backward pass and the counts of
the profiling tools follow in collapsible sections.  Validity conditions and
notes are small print under the table.

Examples
--------
>>> import symconv
>>> r = symconv.analyze(symconv.Conv2d(64, 128, 3, padding=1), (64, 256, 256))
>>> print(layer_text(r).splitlines()[2])
output shape     128 × 256 × 256
>>> "<table" in layer_html(r) and "tabular" not in layer_html(r)
True
"""

from __future__ import annotations

from typing import Any

from symconv.display import html as H
from symconv.display.backward import gradients_html, gradients_text
from symconv.display.latex import array, label, tt
from symconv.display.memory import memory_html
from symconv.printing import cell_text, report_rows, shape_latex, shape_text
from symconv.validity import readable


def _heading(report: Any) -> str:
    batch = H.math_html(report.batch)
    return (f"<p>{H.code(report.layer)}<br>on an input of shape "
            f"{H.inline(shape_latex(report.input_shape))} per sample, batch {batch}</p>")


def conditions_html(report: Any) -> list[str]:
    """Small-print lines: validity conditions, then notes."""
    lines = [f"valid when {H.math_html(c)}" for c in readable(report.conditions)]
    return lines + [H.markup(n) for n in report.notes]


def _conventions_html(report: Any) -> str:
    from symconv.counting import CONVENTIONS

    rows = [[H.escape(name), H.math_html(value), H.escape(CONVENTIONS.get(name, ""))]
            for name, value in report.conventions.items()]
    return H.table(["convention", "count", "what it counts"], rows, ["left", "right", "left"])


def layer_html(report: Any) -> str:
    """The report as an HTML fragment (``_repr_html_``)."""
    rows = [[H.escape(label_), H.math_html(value)] for label_, value in report_rows(report)]
    parts = [_heading(report), H.table(["quantity", "value"], rows),
             H.notes(conditions_html(report))]
    if report.memory is not None:
        parts.append(H.section("memory (elements and float32 bytes)", memory_html(report.memory)))
    if report.backward is not None:
        parts.append(H.section("backward pass", gradients_html(report.backward)))
    if report.conventions:
        parts.append(H.section("as profiling tools count it", _conventions_html(report)))
    return H.block(*parts)


def layer_latex(report: Any) -> str:
    """The report as one displayed ``array`` (``_repr_latex_``)."""
    rows = [[tt(report.layer), ""]]
    rows += [[label(label_), H.tex(value)] for label_, value in report_rows(report)]
    rows += [[label("valid when"), H.tex(c)] for c in readable(report.conditions)]
    return array(rows)


def layer_text(report: Any) -> str:
    """Plain text (``str`` and ``repr``): the layer, its input, then aligned rows."""
    rows = [(label_, cell_text(value)) for label_, value in report_rows(report)]
    rows += [("valid when", str(c)) for c in readable(report.conditions)]
    width = max(len(label_) for label_, _ in rows)
    head = [report.layer, f"input {shape_text(report.input_shape)}, batch {report.batch}"]
    body = [f"{label_:<{width}}  {value}" for label_, value in rows]
    return "\n".join(head + body + list(report.notes))


def backward_text(report: Any) -> str:
    """The backward pass of a layer report as text."""
    return gradients_text(report.backward) if report.backward is not None else ""


__all__ = ["layer_html", "layer_latex", "layer_text", "conditions_html"]
