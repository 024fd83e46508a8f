"""How memory shows itself: a layer's tensors (:class:`~symconv.report.Memory`) and batch budgets.

Examples
--------
>>> import symconv
>>> r = symconv.analyze(symconv.Conv2d(1, 8, 3), (1, 10, 10))
>>> "weight" in memory_html(r.memory)
True
>>> net = symconv.analyze(symconv.Sequential(symconv.Conv2d(1, 64, 3, padding=1)), (1, 256, 256))
>>> print(budget_text(net.max_batch("12GiB")))
largest batch 768
  policy 'max_activation': counts the largest single activation ... per element
  B_max = floor(M/(A*b)) with M = 12,884,901,888 bytes, b = 4, A = 4,194,304, F = 0
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.display.latex import array, label
from symconv.printing import cell_text, latex

#: What each tensor of a layer's memory is.
TENSORS = {
    "input": "input activations", "output": "output activations", "weight": "weights",
    "bias": "biases", "grad_input": "gradient of the input", "grad_weight": "gradient of the weights",
    "grad_bias": "gradient of the biases", "forward": "forward pass total (input, output, parameters)",
    "training": "training step total (forward plus every gradient)",
}


def _memory_rows(memory: Any, dtype: str) -> list[tuple[str, Any, Any]]:
    names = [f.name for f in dataclasses.fields(memory)] + ["forward", "training"]
    nbytes = memory.bytes(dtype)
    return [(n, getattr(memory, n), nbytes[n]) for n in names
            if n in ("forward", "training") or getattr(memory, n) != 0]


def memory_html(memory: Any, dtype: str = "float32") -> str:
    """A table of the tensors a layer touches: elements and bytes."""
    rows = [[H.escape(TENSORS.get(n, n)), H.math_html(el), H.math_html(b)]
            for n, el, b in _memory_rows(memory, dtype)]
    return H.table(["tensor", "elements", f"{dtype} bytes"], rows, ["left", "right", "right"])


def memory_latex(memory: Any, dtype: str = "float32") -> str:
    rows = [[label("tensor"), label("elements"), label(f"{dtype} bytes")]]
    rows += [[label(TENSORS.get(n, n)), H.tex(el), H.tex(b)]
             for n, el, b in _memory_rows(memory, dtype)]
    return array(rows, "lrr")


def memory_text(memory: Any, dtype: str = "float32") -> str:
    rows = [(TENSORS.get(n, n), cell_text(el), cell_text(b))
            for n, el, b in _memory_rows(memory, dtype)]
    width = max(len(r[0]) for r in rows)
    return "\n".join([f"{'tensor':<{width}}  elements / {dtype} bytes"]
                     + [f"{n:<{width}}  {el} / {b}" for n, el, b in rows])


def _budget_formula(budget: Any) -> sp.Expr:
    M, b, A, F = sp.symbols("M b A F", positive=True, integer=True)
    if budget.fixed_elements != 0:
        return sp.floor((M - b * F) / (b * A))
    return sp.floor(M / (b * A))


def _budget_values(budget: Any) -> dict[str, Any]:
    return {"M": budget.memory_bytes, "b": budget.bytes_per_element,
            "A": budget.per_sample_elements, "F": budget.fixed_elements}


def budget_html(budget: Any) -> str:
    """A batch budget: the largest batch, the formula with its numbers, and what was counted."""
    formula = _budget_formula(budget)
    values = _budget_values(budget)
    line = (r"B_{\max} = " + latex(formula) + " = " + latex(formula, values, compact=True)
            + " = " + latex(budget.batch, compact=True))
    rows = [["memory \\(M\\) (bytes)", H.math_html(budget.memory_bytes)],
            ["bytes per element \\(b\\)", H.math_html(sp.Integer(budget.bytes_per_element))],
            ["elements per sample \\(A\\)", H.math_html(budget.per_sample_elements)],
            ["elements independent of the batch \\(F\\)", H.math_html(budget.fixed_elements)]]
    return H.block(f"<p>Largest batch: <b>{H.math_html(budget.batch)}</b></p>", H.display(line),
                   H.table(["quantity", "value"], rows, ["left", "right"]),
                   H.notes([H.escape(budget.statement),
                            "Not counted: framework workspace, temporary buffers, "
                            "fragmentation, the CUDA context; real limits are lower."]))


def budget_latex(budget: Any) -> str:
    formula = _budget_formula(budget)
    line = (r"B_{\max} = " + latex(formula) + " = "
            + latex(formula, _budget_values(budget), compact=True) + " = "
            + latex(budget.batch, compact=True))
    return "$$" + line + "$$"


def budget_text(budget: Any) -> str:
    values = ", ".join(f"{k} = {cell_text(v) if not isinstance(v, int) else f'{v:,}'}"
                       + (" bytes" if k == "M" else "")
                       for k, v in _budget_values(budget).items())
    return "\n".join([f"largest batch {cell_text(budget.batch)}", f"  {budget.statement}",
                      f"  B_max = {_budget_formula(budget)} with {values}"])


__all__ = ["memory_html", "memory_latex", "memory_text", "budget_html", "budget_latex",
           "budget_text", "TENSORS"]
