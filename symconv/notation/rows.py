r"""Aligned rows of a worked step, in the current notation: what every renderer lays out.

A calculation reads -- handcalcs style -- formula, simplified form, numbers
substituted, result (boxed when it answers the question); an equation
``lhs = rhs_1 = rhs_2``.  Each right-hand side is broken after whole terms when
it is too wide (:func:`symconv.notation.breaking.display_lines`).  The rows are
``lhs &= ...`` strings for an ``align``/``aligned`` environment; the LaTeX key,
the Markdown key and the notebook displays (:mod:`symconv.display.steps`) all
take them from here, so a formula reads the same everywhere.

A renderer that can still scale a line (the LaTeX key) passes ``fit``: a
function of the line and the width of its left side.

Examples
--------
>>> from symconv.solution import Calculation, Equation
>>> from symconv.symbols import sym
>>> calculation_rows(Calculation("output size", sym("h") - sym("k") + 1, {"h": 64, "k": 3}))
['\\text{output size} &= h - k + 1', ' &= 64 - 3 + 1', ' &= \\boxed{62}']
>>> calculation_rows(Calculation("h_out", sym("h") - sym("k") + 1, {"h": 64, "k": 3}))
['h_{\\mathrm{out}} &= h - k + 1', ' &= 64 - 3 + 1', ' &= 62']
>>> equation_rows(Equation(sym("y"), sym("x") + 1))
['y &= x + 1']
>>> math((10, 31, 31)), math("max_activation")
('10 \\times 31 \\times 31', '\\text{max\\_activation}')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from symconv.notation.breaking import PAGE, display_lines, width
from symconv.notation.latex import latex as notation_latex

#: A line-fitting hook: (display line, width of the row's left side) -> the line to show.
Fit = Callable[[str, float], str]

_ESCAPES = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
            "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "<": r"\textless{}",
            ">": r"\textgreater{}", "$": r"\$"}
#: A left side written as a symbol (``h_out``, ``B_max``, ``N``) rather than as words.
SYMBOL_NAME = re.compile(r"^[A-Za-z]{1,3}_[A-Za-z0-9]{1,5}$|^[A-Za-z]$")


def escape(text: str) -> str:
    """Plain text made safe for LaTeX (text mode)."""
    return "".join(_ESCAPES.get(c, c) for c in text)


def math(value: Any, values: Any = None) -> str:
    """LaTeX of a value in the current notation (text as ``\\text``, shapes as ``a \\times b``)."""
    if isinstance(value, str):
        return r"\text{" + escape(value) + "}"
    if isinstance(value, list):
        value = tuple(value)
    return notation_latex(value, values)


def label_tex(label: str) -> str:
    """A label with ``$...$`` math as math-mode LaTeX: ``\\text{shape of }\\epsilon``.

    >>> label_tex("shape of $\\\\epsilon$")
    '\\\\text{shape of }\\\\epsilon'
    """
    out = []
    for part in re.split(r"(\$[^$]+\$)", label):
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(part[1:-1])
        elif part:
            out.append(r"\text{" + escape(part) + "}")
    return "".join(out)


def name_tex(name: Any) -> str:
    """A calculation's left side: text labels as text, ``B_max``-like names as symbols."""
    if isinstance(name, str) and not SYMBOL_NAME.match(name):
        return label_tex(name)
    return math(sp.Symbol(name) if isinstance(name, str) else name)


def answers_question(step: Any) -> bool:
    """Whether a calculation's result is an answer (boxed): named in words, or labelled so.

    Intermediate quantities, named by a symbol such as ``h_out``, are not boxed.
    """
    named_in_words = not isinstance(step.name, sp.Basic) and not (
        isinstance(step.name, str) and SYMBOL_NAME.match(step.name))
    return named_in_words or step.label == "result"


def calculation_lines(step: Any, limit: float = PAGE) -> list[list[str]]:
    """The right-hand sides of a calculation (formula, simplified, numbers, result), each in
    lines no wider than ``limit``."""
    rhs = [display_lines(step.formula, limit=limit)]
    if step.simplified is not None:
        simple = display_lines(step.simplified, limit=limit)
        if simple not in rhs:
            rhs.append(simple)
    if step.values:
        shown = display_lines(step.formula, step.values, limit=limit)
        if shown not in rhs:
            rhs.append(shown)
    if step.result is not None:
        result = display_lines(step.result, limit=limit)
        if rhs[-1] == result:
            rhs.pop()
        rhs.append(result)
    if answers_question(step) and len(rhs[-1]) == 1:
        rhs[-1] = [r"\boxed{" + rhs[-1][0] + "}"]
    return rhs


def room(lhs: str) -> float:
    """The width left for a right-hand side beside the left side ``lhs``."""
    return max(30.0, PAGE - width(lhs) - 4)


def aligned_rows(lhs: str, rhs: Sequence[Sequence[str]], relation: str = "=",
                 fit: Fit | None = None) -> list[str]:
    """``lhs &= first`` then `` &= next`` rows; a broken side continues indented."""
    lw = width(lhs)

    def shown(line: str) -> str:
        return fit(line, lw) if fit is not None else line

    rows = []
    for i, lines in enumerate(rhs):
        head = f"{lhs} &{relation} " if i == 0 else f" &{relation} "
        rows.append(head + shown(lines[0]))
        rows += [r" &\quad " + shown(line) for line in lines[1:]]
    return rows


def calculation_rows(step: Any, fit: Fit | None = None) -> list[str]:
    """Aligned rows ``name &= ...`` of a :class:`~symconv.solution.Calculation`."""
    lhs = name_tex(step.name)
    return aligned_rows(lhs, calculation_lines(step, room(lhs)), fit=fit)


def equation_rows(step: Any, fit: Fit | None = None) -> list[str]:
    """Aligned rows ``lhs &= rhs_1 &= rhs_2 ...`` of an :class:`~symconv.solution.Equation`."""
    lhs = math(step.lhs)
    limit = room(lhs)
    rhs = [display_lines(r, limit=limit) for r in step.rhs] or [[""]]
    return aligned_rows(lhs, rhs, step.relation, fit=fit)


def answer_rows(answers: Sequence[Any], fit: Fit | None = None) -> list[str]:
    """Aligned rows ``label &= value`` of answers (``label``, ``value``) shown displayed."""
    rows = []
    for a in answers:
        lhs = label_tex(a.label) if a.label else ""
        rows += aligned_rows(lhs, [display_lines(a.value, limit=room(lhs))], fit=fit)
    return rows


__all__ = ["SYMBOL_NAME", "Fit", "aligned_rows", "answer_rows", "answers_question",
           "calculation_lines", "calculation_rows", "equation_rows", "escape", "label_tex",
           "math", "name_tex", "room"]
