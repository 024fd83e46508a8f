"""Network tables: a rich terminal table, a LaTeX ``tabular`` and JSON.

All three show the same columns: layer name, layer, output shape (per
sample), parameters, MACs, FLOPs (mults + adds), activations (batch
included) and the receptive field (size / effective stride / effective
padding; one number when every spatial axis agrees).

Examples
--------
>>> import symconv
>>> r = symconv.analyze(symconv.Sequential(symconv.Conv2d(1, 2, 3)), (1, 5, 5))
>>> print(latex_tabular(r).splitlines()[4].split(" & ", 2)[2])
$2 \\times 3 \\times 3$ & 20 & 162 & 324 & 18 & 3 & 1 & 0 \\\\
"""

from __future__ import annotations

import io
from typing import Any

import sympy as sp

from symconv.exprmap import map_exprs, to_json_value
from symconv.printing import cell_text, latex
from symconv.validity import readable

COLUMNS = ("name", "layer", "output shape", "params", "MACs", "FLOPs", "activations",
           "RF size", "RF stride", "RF padding")


def _short(layer: str, width: int = 48) -> str:
    return layer if len(layer) <= width else layer[:width - 5] + "...)"


def _per_axis(values: tuple[sp.Expr, ...]) -> Any:
    return values[0] if len(set(values)) == 1 else values


def _rf_cells(rf: Any) -> list[Any]:
    if rf is None:
        return ["", "", ""]
    return [_per_axis(rf.size), _per_axis(rf.stride), _per_axis(rf.padding)]


def rows(report: Any) -> list[list[Any]]:
    """Table rows as SymPy values (the last row is the total)."""
    out = []
    for row in report.layers:
        out.append([row.name, row.layer, row.output_shape, row.params, row.macs, row.flops,
                    row.activations, *_rf_cells(row.receptive_field)])
    t = report.total
    out.append(["total", "", report.output_shape, t.params, t.macs, t.flops, t.activations,
                *_rf_cells(report.receptive_field)])
    return out


def rich_table(report: Any) -> Any:
    """A :class:`rich.table.Table` of the report."""
    from rich.table import Table
    from rich.text import Text

    # plain Text cells: a layer's or a symbol's name in brackets is not rich markup
    table = Table(title=Text(f"input {cell_text(report.input_shape)}, batch {report.batch}"))
    for col in COLUMNS:
        table.add_column(col, justify="left" if col in COLUMNS[:3] else "right")
    body = rows(report)
    for cells in body[:-1]:
        table.add_row(*(Text(cell_text(c) if i != 1 else _short(c))
                        for i, c in enumerate(cells)))
    table.add_section()
    table.add_row(*(Text(cell_text(c)) for c in body[-1]))
    return table


def text_table(report: Any, width: int = 200) -> str:
    """The rich table rendered to plain text, followed by notes and assumptions."""
    from rich.console import Console

    buffer = io.StringIO()
    # force_jupyter=False: inside Jupyter rich would display the table instead of writing it
    console = Console(file=buffer, width=width, color_system=None, force_jupyter=False)
    console.print(rich_table(report))
    for line in _footnotes(report):
        console.print(line, markup=False, highlight=False)
    return buffer.getvalue().rstrip()


def _footnotes(report: Any) -> list[str]:
    lines = [f"assuming {a}" for a in report.assumptions]
    lines += [f"valid when {c}" for c in readable(report.conditions)]
    lines += list(report.notes)
    rf = report.receptive_field
    if rf is not None:
        lines += list(rf.notes)
    elif report.layers and report.layers[-1].receptive_note:
        lines.append(f"no receptive field at the output: {report.layers[-1].receptive_note}")
    return lines


def _tex_cell(value: Any) -> str:
    if isinstance(value, str):
        return r"\texttt{%s}" % value.replace("_", r"\_") if value else ""
    if isinstance(value, sp.Integer):
        return f"{int(value):,}".replace(",", "{,}")
    return f"${latex(value)}$"


def latex_tabular(report: Any) -> str:
    """A LaTeX ``tabular`` of the report (needs no package beyond LaTeX itself)."""
    header = " & ".join(COLUMNS) + r" \\"
    lines = [r"\begin{tabular}{ll" + "r" * (len(COLUMNS) - 2) + "}", r"\hline", header, r"\hline"]
    body = rows(report)
    for cells in body[:-1]:
        cells = [cells[0], _short(cells[1]), *cells[2:]]
        lines.append(" & ".join(_tex_cell(c) for c in cells) + r" \\")
    lines.append(r"\hline")
    lines.append(" & ".join(_tex_cell(c) for c in body[-1]) + r" \\")
    lines.append(r"\hline")
    lines.append(r"\end{tabular}")
    notes = _footnotes(report)
    if notes:
        lines += [r"\par\smallskip", r"{\footnotesize " + r"\\ ".join(
            n.replace("_", r"\_") for n in notes) + "}"]
    return "\n".join(lines)


def _json(x: Any) -> Any:
    return map_exprs(x, to_json_value)


def _rf_dict(rf: Any) -> dict[str, Any] | None:
    if rf is None:
        return None
    return {"size": list(_json(rf.size)), "stride": list(_json(rf.stride)),
            "padding": list(_json(rf.padding)), "aligned": rf.aligned, "notes": list(rf.notes)}


def report_dict(report: Any, dtype: str = "float32") -> dict[str, Any]:
    """JSON-ready dictionary of a network report."""
    layers = []
    for row in report.layers:
        entry: dict[str, Any] = {"name": row.name, "layer": row.layer, "kind": row.kind,
                                 "inputs": list(row.inputs),
                                 "output_shape": list(_json(row.output_shape))}
        if not row.batched:
            entry["batched"] = False  # computed from parameters only: once per forward
        for q in ("params", "mults", "adds", "macs", "flops", "comparisons", "activations"):
            entry[q] = _json(getattr(row, q))
        entry["receptive_field"] = _rf_dict(row.receptive_field)
        if row.receptive_note:
            entry["receptive_note"] = row.receptive_note
        layers.append(entry)
    t = report.total
    total = {q: _json(getattr(t, q)) for q in ("params", "weight_params", "bias_params", "mults",
                                                 "adds", "macs", "flops", "comparisons",
                                                 "activations")}
    total["conventions"] = {k: _json(v) for k, v in t.conventions.items()}
    return {
        "network": report.network,
        "input_shape": list(_json(report.input_shape)),
        "output_shape": list(_json(report.output_shape)),
        "batch": _json(report.batch),
        "dtype": dtype,
        "layers": layers,
        "total": total,
        "receptive_field": _rf_dict(report.receptive_field),
        "conditions": [str(c) for c in readable(report.conditions)],
        "assumptions": list(report.assumptions),
        "notes": list(report.notes),
        **({"output_shapes": [list(_json(s)) for s in report.output_shapes]}
           if len(report.output_shapes) > 1 else {}),
        **({"skipped": [{"name": n, "origin": o, "reason": r} for n, o, r in report.skipped]}
           if report.skipped else {}),
    }
