"""How a :class:`~symconv.network.report.NetworkReport` shows itself: one HTML table, math cells.

One row per layer (name, layer, output shape, parameters, MACs, FLOPs,
activations, receptive field ``r / S / P``) and a total row; conditions,
assumptions and notes in small print.  Layers are written without their
default arguments so the table stays narrow.  Built on the report's public
rows (``report.layers``, ``report.total``), whatever network produced them.

Examples
--------
>>> import symconv
>>> r = symconv.analyze(symconv.Sequential(symconv.Conv2d(1, 2, 3), symconv.ReLU()), (1, 5, 5))
>>> short_layer(r.layers[0].layer)
'Conv2d(1, 2, kernel_size=3)'
>>> network_html(r).count("<tr>")
4
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.display.latex import array, label, tt
from symconv.printing import shape_latex
from symconv.validity import readable

#: Keyword arguments shown only when they differ from torch's default.
DEFAULTS = {"stride": "1", "padding": "0", "dilation": "1", "groups": "1", "bias": "True",
            "ceil_mode": "False", "count_include_pad": "True", "output_padding": "0",
            "start_dim": "1", "end_dim": "-1", "affine": "True"}
_KWARG = re.compile(r", (\w+)=(\([^()]*\)|[^,()]+)")

#: LaTeX characters of a table cell's formula before it wraps (keeps the table in the page).
CELL = 36

COLUMNS = ("name", "layer", "output shape", "params", "MACs", "FLOPs", "activations",
           "receptive field r / S / P")


def short_layer(text: str) -> str:
    """A layer's ``repr`` without the keyword arguments that have torch's default value."""
    def keep(match: re.Match[str]) -> str:
        return "" if DEFAULTS.get(match.group(1)) == match.group(2).strip() else match.group(0)

    return _KWARG.sub(keep, text)


def _brief(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[:width - 4] + " ..."


def _per_axis(values: tuple[Any, ...]) -> Any:
    return values[0] if len(set(values)) == 1 else sp.Tuple(*values)


def rf_latex(rf: Any) -> str:
    """``r / S / P`` of a receptive field (one number when the axes agree)."""
    if rf is None:
        return ""
    return r" \,/\, ".join(H.tex(_per_axis(v)) for v in (rf.size, rf.stride, rf.padding))


def abbreviations(report: Any) -> dict[sp.Expr, sp.Symbol]:
    """Names for the compound sizes of a symbolic network (``h_1`` for ``floor(h/2)``...).

    Each output size that is neither a symbol nor a number gets a name after
    its input size (``h_1, h_2, ...`` in order of appearance), so a cell reads
    ``4608 h_2 w_2`` instead of repeating nested floors; the definitions are
    printed under the table.  Names already used by the report are skipped.

    >>> import symconv
    >>> r = symconv.analyze(symconv.Sequential(symconv.MaxPool2d(2), symconv.MaxPool2d(2)),
    ...                     (1, "h", "w"))
    >>> abbreviations(r)
    {floor(h/2): h_1, floor(w/2): w_1, floor(floor(h/2)/2): h_2, floor(floor(w/2)/2): w_2}
    """
    from symconv.symbols import sym

    taken = {s.name for s in report.free_symbols}
    names: dict[sp.Expr, sp.Symbol] = {}
    counts: dict[str, int] = {}
    for row in report.layers:
        for size in row.output_shape:
            if size in names or not _compound_size(size):
                continue
            free = sorted(size.free_symbols, key=str)
            stem = free[0].name if len(free) == 1 else "n"
            while True:
                counts[stem] = counts.get(stem, 0) + 1
                name = f"{stem}_{counts[stem]}"
                if name not in taken:
                    break
            taken.add(name)
            names[size] = sym(name) if "_" not in stem else sp.Symbol(name, integer=True,
                                                                       positive=True)
    return names


def _compound_size(size: sp.Expr) -> bool:
    """A size worth a name: one with floors, ceilings or functions, or a long formula."""
    if size.is_Symbol or size.is_number or not size.free_symbols:
        return False
    return bool(size.atoms(sp.Function)) or len(H.tex(size)) > 16


def abbreviate(value: Any, names: dict[sp.Expr, sp.Symbol]) -> Any:
    """``value`` with named sizes replaced by their names, where they occur as factors.

    SymPy distributes numbers over sums (``32*(floor(x) + 1)`` becomes
    ``32*floor(x) + 32``), so each term is also tried with its common factors
    pulled out; the shorter form wins.
    """
    if isinstance(value, tuple):
        return tuple(abbreviate(v, names) for v in value)
    if not names or not isinstance(value, sp.Basic):
        return value
    direct = value.xreplace(names)
    if not any(direct.has(e) for e in names) and not direct.atoms(sp.floor, sp.ceiling):
        return direct
    factored = sp.Add(*(_pulled(t).xreplace(names) for t in sp.Add.make_args(value)))
    return factored if sp.count_ops(factored) < sp.count_ops(direct) else direct


def _pulled(term: sp.Expr) -> sp.Expr:
    """``term`` with each sum factor's numeric content pulled out: ``(32a + 32) b -> 32 (a + 1) b``.

    Only the top level changes (factor_terms would also rewrite inside floors,
    where the named sizes must stay recognisable); the product is left
    unevaluated so SymPy does not distribute the number again.
    """
    if not isinstance(term, sp.Mul):
        term = sp.Mul(1, term, evaluate=False)
    coeff, factors = sp.Integer(1), []
    for factor in term.args:
        if isinstance(factor, sp.Add):
            content, factor = factor.primitive()
            coeff *= content
        factors.append(factor)
    return sp.Mul(coeff, *factors, evaluate=False) if coeff != 1 else term


def definitions(names: dict[sp.Expr, sp.Symbol]) -> list[tuple[sp.Symbol, sp.Expr]]:
    """``(name, definition)`` pairs, each definition written with the names before it."""
    out: list[tuple[sp.Symbol, sp.Expr]] = []
    earlier: dict[sp.Expr, sp.Expr] = {}
    for expr, name in names.items():
        out.append((name, expr.xreplace(earlier)))
        earlier[expr] = name
        # Sizes are usually floor(...) + c: the next size reads floor(...) = name - c.
        constant, rest = expr.as_coeff_Add()
        if constant != 0 and rest.free_symbols:
            earlier[rest] = name - constant
    return out


def definitions_text(names: dict[sp.Expr, sp.Symbol]) -> str:
    """``where h_1 = floor(h/2), ...`` as text ("" without names)."""
    from symconv.notation.text import readable_str

    pairs = definitions(names)
    return ("where " + ", ".join(f"{n} = {readable_str(d)}" for n, d in pairs)) if pairs else ""


def definitions_html(names: dict[sp.Expr, sp.Symbol]) -> str:
    """``where h_1 = floor(h/2), ...``: each name defined through the names before it."""
    if not names:
        return ""
    shown = [H.inline(H.tex(n) + " = " + H.tex(d)) for n, d in definitions(names)]
    return "<p>where " + ", ".join(shown) + "</p>"


def _rows(report: Any) -> list[list[Any]]:
    out = []
    for row in report.layers:
        out.append([row.name, short_layer(row.layer), row.output_shape, row.params, row.macs,
                    row.flops, row.activations, row.receptive_field])
    t = report.total
    out.append(["total", "", report.output_shape, t.params, t.macs, t.flops, t.activations,
                report.receptive_field])
    return out


def footnotes_html(report: Any) -> list[str]:
    lines = [f"assuming {H.escape(a)}" for a in report.assumptions]
    lines += [f"valid when {H.math_html(c)}" for c in readable(report.conditions)]
    lines += [H.escape(n) for n in report.notes]
    rf = report.receptive_field
    if rf is not None:
        lines += [H.escape(n) for n in rf.notes]
    elif report.layers and report.layers[-1].receptive_note:
        lines.append("no receptive field at the output: "
                     + H.escape(report.layers[-1].receptive_note))
    return lines


def network_html(report: Any) -> str:
    """The report as an HTML table (``_repr_html_``); compound sizes get short names."""
    names = abbreviations(report)

    def short(value: Any) -> Any:
        return abbreviate(value, names)

    body = []
    for name, layer, shape, *counts, rf in _rows(report):
        cells = [H.code(name) if name != "total" else "<b>total</b>", H.escape(layer),
                 H.math_html(short(shape), CELL)]
        cells += [H.math_html(short(v), CELL) for v in counts]
        cells.append(H.inline(rf_latex(rf)) if rf is not None else "")
        body.append(cells)
    align = ["left", "left", "left", "right", "right", "right", "right", "left"]
    head = (f"<p>{H.code(_brief(short_layer(report.network)))}<br>input "
            f"{H.inline(shape_latex(report.input_shape))} per sample, batch "
            f"{H.math_html(report.batch)}</p>")
    return H.block(head, H.table(COLUMNS, body, align), definitions_html(names),
                   H.notes(footnotes_html(report)))


def network_latex(report: Any) -> str:
    """The report as one displayed ``array`` (``_repr_latex_``)."""
    rows = [[label(c) for c in ("name", "output shape", "params", "MACs", "FLOPs",
                                "activations", "r / S / P")]]
    for name, _, shape, *counts, rf in _rows(report):
        rows.append([tt(name), shape_latex(shape), *(H.tex(v) for v in counts), rf_latex(rf)])
    return array(rows, "ll" + "r" * 4 + "l")





_TOTALS = (("params", "parameters"), ("weight_params", "weights"), ("bias_params", "biases"),
           ("mults", "multiplications"), ("adds", "additions"), ("macs", "MACs"),
           ("flops", "FLOPs (mults + adds)"), ("comparisons", "comparisons"),
           ("activations", "activations (batch included)"))


def totals_html(totals: Any) -> str:
    """A network's totals (``report.total``) as a two-column table."""
    rows = [[H.escape(what), H.math_html(getattr(totals, name))] for name, what in _TOTALS]
    return H.block(H.table(["total", "value"], rows, ["left", "right"]))


def totals_text(totals: Any) -> str:
    from symconv.printing import cell_text

    width = max(len(what) for _, what in _TOTALS)
    return "\n".join(f"{what:<{width}}  {cell_text(getattr(totals, name))}"
                     for name, what in _TOTALS)


__all__ = ["network_html", "network_latex", "short_layer", "rf_latex", "footnotes_html",
           "totals_html", "totals_text",
           "COLUMNS"]
