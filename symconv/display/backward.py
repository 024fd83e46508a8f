"""How backward passes show themselves: a layer's gradient costs and the derived index formulas.

A layer report's :class:`~symconv.report.Backward` is a table (gradient, shape,
multiplications, additions, how it is computed); a
:class:`~symconv.calculus.backward.ConvBackward` or
:class:`~symconv.calculus.pooling_grad.PoolBackward` is its formulas, one
displayed equation each.

Examples
--------
>>> import symconv
>>> r = symconv.analyze(symconv.Conv2d(1, 2, 3), (1, 5, 5))
>>> print(gradients_text(r.backward).splitlines()[1])
grad_input   1 × 5 × 5      mults 162, adds 137
>>> bw = symconv.conv_backward(symconv.Conv1d(1, 1, 2), (1, 4))
>>> print(formulas_text(bw).splitlines()[0])
Conv1d(1, 1, kernel_size=2, stride=1, padding=0, dilation=1, groups=1, bias=True) on input (1, 4), batch 1
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.display.latex import array, label
from symconv.printing import cell_text, latex, shape_latex, shape_text

_GRADIENTS = ("grad_input", "grad_weight", "grad_bias")


def _costs(backward: Any) -> list[tuple[str, Any]]:
    return [(n, getattr(backward, n)) for n in _GRADIENTS if getattr(backward, n) is not None]


def gradients_html(backward: Any) -> str:
    """The gradients a layer's backward pass computes, with their exact costs."""
    rows = [[H.code(n), H.inline(shape_latex(g.shape)), H.math_html(g.mults), H.math_html(g.adds),
             H.escape(g.note)] for n, g in _costs(backward)]
    rows.append(["total", "", H.math_html(backward.mults), H.math_html(backward.adds), ""])
    head = (f"<p>gradient of the output: {H.inline(shape_latex(backward.grad_output_shape))} "
            "per sample</p>")
    return head + H.table(["gradient", "shape", "multiplications", "additions", "how"], rows,
                          ["left", "left", "right", "right", "left"])


def gradients_latex(backward: Any) -> str:
    rows = [[label("gradient"), label("shape"), label("mults"), label("adds")]]
    rows += [[label(n.replace("_", " ")), shape_latex(g.shape), H.tex(g.mults), H.tex(g.adds)]
             for n, g in _costs(backward)]
    return array(rows, "llrr")


def gradients_text(backward: Any) -> str:
    rows = [(n, shape_text(g.shape), f"mults {cell_text(g.mults)}, adds {cell_text(g.adds)}")
            for n, g in _costs(backward)]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    return "\n".join([f"backward pass (grad_output {shape_text(backward.grad_output_shape)})"]
                     + [f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in rows])


def _equations(bw: Any) -> list[tuple[str, sp.Eq]]:
    """(what it is, equation) of a derived backward, in the order of the derivation."""
    out = [("forward", bw.forward)]
    for name, what in (("chain_weight", "chain rule, weights"), ("grad_weight", "weight gradient"),
                       ("chain_input", "chain rule, input"), ("grad_input", "input gradient"),
                       ("grad_bias", "bias gradient")):
        eq = getattr(bw, name, None)
        if eq is not None:
            out.append((what, eq))
    for d in getattr(bw, "definitions", ()):
        if isinstance(d, sp.Eq):
            out.append(("definition", d))
    full = getattr(bw, "grad_input_full", None)
    if full is not None:
        out.append(("input gradient as a full convolution", full))
    return out


def _equation_latex(eq: sp.Eq) -> str:
    return latex(eq.lhs) + " = " + latex(eq.rhs)


def _heading(bw: Any) -> str:
    batch = getattr(bw, "batch", sp.Integer(1))
    return f"{bw.layer!r} on input {tuple(bw.input_shape)}, batch {batch}"


def formulas_html(bw: Any) -> str:
    """The derived index formulas, one displayed equation each, labelled."""
    parts = [f"<p>{H.code(repr(bw.layer))} on an input of shape "
             f"{H.inline(shape_latex(bw.input_shape))} per sample</p>"]
    for what, eq in _equations(bw):
        parts.append(f"<p><i>{H.escape(what)}</i></p>" + H.display_equation(latex(eq.lhs), eq.rhs))
    parts.append(H.notes(["<code>.evaluate(x, w, dy)</code> runs these formulas on arrays; "
                          "<code>.steps()</code> shows the derivation."]))
    return H.block(*parts)


def formulas_latex(bw: Any) -> str:
    rows = [[label(what), _equation_latex(eq)] for what, eq in _equations(bw)]
    return array(rows)


def formulas_text(bw: Any) -> str:
    lines = [_heading(bw)]
    lines += [f"  {what}: {eq.lhs} = {eq.rhs}" for what, eq in _equations(bw)]
    return "\n".join(lines)


__all__ = ["gradients_html", "gradients_latex", "gradients_text", "formulas_html",
           "formulas_latex", "formulas_text"]
