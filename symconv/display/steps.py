r"""Worked derivations that display themselves: :class:`Steps`, what every ``.steps()`` returns.

``Steps`` is a ``list`` of solution steps (:mod:`symconv.solution`,
:mod:`symconv.keys.steps`), so answer keys use it as they always did; in
Jupyter it shows as the worked derivation -- explanations as paragraphs,
calculations handcalcs-style (formula, numbers in the formula, boxed result)
in aligned displays, checks in small print -- and ``print`` gives the same as
text.  The lines of a calculation come from the answer-key notation
(:func:`symconv.notation.rows.calculation_rows`), so a key and a notebook show
one derivation the same way.

Examples
--------
>>> from symconv.solution import Calculation, Text
>>> from symconv.symbols import sym
>>> s = Steps([Text("Output size:"), Calculation("h_out", sym("h") - 2, {"h": 64})])
>>> print(s)
Output size:
h_out = h - 2 = 62   (h = 64)
>>> "\\begin{aligned}" in s._repr_html_()
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.solution import Calculation, Check, Equation, Text


def _array_shape(value: Any) -> tuple[int, ...] | None:
    shape = getattr(value, "shape", None)
    if shape is None and isinstance(value, list | tuple) and value and isinstance(
            value[0], list | tuple):
        shape = (len(value), len(value[0]))
    return tuple(int(n) for n in shape) if shape else None


def _value_html(value: Any) -> str:
    shape = _array_shape(value)
    if shape is not None and int(sp.prod(shape)) > 12:
        return "an array of shape " + H.inline(r" \times ".join(str(n) for n in shape))
    if isinstance(value, str):
        return H.escape(value)
    try:
        return H.math_html(sp.sympify(value) if not isinstance(value, tuple) else value)
    except (sp.SympifyError, TypeError):
        return H.escape(str(value))


def check_html(check: Check) -> str:
    """One check in small print: a mark, what ran, against what, and what it found."""
    mark = "&#10003;" if check.passed else "<b>FAILED</b>"
    if check.passed:
        found = _value_html(check.expected)
    else:
        found = (f"expected {_value_html(check.expected)}, observed "
                 f"{_value_html(check.observed)}")
    detail = f" ({H.escape(check.detail)})" if check.detail and not check.passed else ""
    # names, oracles and labels may hold $...$ math (the notation layer's): markup, not text
    return (f'<p class="symconv-check" style="font-size:85%">{mark} {H.markup(check.name)} '
            f"&mdash; <i>{H.markup(check.oracle)}</i>: {found}{detail}</p>")


def _aligned(rows: list[str]) -> str:
    return H.display("\\begin{aligned}\n" + "\\\\\n".join(rows) + "\n\\end{aligned}")


def _calculation_rows(step: Calculation) -> list[str]:
    from symconv.notation.rows import calculation_rows

    return calculation_rows(step)  # the key's rows (long lines broken after terms)


def _equation_rows(step: Equation) -> list[str]:
    from symconv.notation.rows import equation_rows

    return equation_rows(step)


def _table_html(step: Any) -> str:
    rows = [[H.escape(c) if isinstance(c, str) else _value_html(c) for c in row]
            for row in step.rows]
    return H.table(list(step.columns), rows, caption=H.escape(step.caption))


def step_html(step: Any) -> str:
    """HTML of one step (a calculation alone; :func:`steps_html` groups consecutive ones)."""
    from symconv.keys.steps import Answer, Display, Setup, Shared, Table

    if isinstance(step, Shared):  # steps a key shares between questions: all of them here
        return "".join(step_html(s) for s in step.steps)
    if isinstance(step, Setup):
        return f"<p><b>{H.escape(step.label)}.</b> {H.markup(step.text)}</p>"
    if isinstance(step, Text):
        return f"<p>{H.markup(step.text)}</p>"
    if isinstance(step, Calculation):
        return _aligned(_calculation_rows(step))
    if isinstance(step, Equation):
        label = f"<p><i>{H.markup(step.label)}</i></p>" if step.label else ""
        return label + _aligned(_equation_rows(step))
    if isinstance(step, Check):
        return check_html(step)
    if isinstance(step, Table):
        return _table_html(step)
    if isinstance(step, Display):
        return H.display(step.latex)
    if isinstance(step, Answer):
        return f"<p><b>Answer.</b> {H.markup(step.label)} {_value_html(step.value)}</p>"
    return f"<p>{H.escape(str(step))}</p>"


def steps_html(steps: Iterable[Any], title: str = "") -> str:
    """The steps as one HTML block; consecutive calculations share one aligned display."""
    parts = [f"<p><b>{H.escape(title)}</b></p>"] if title else []
    rows: list[str] = []
    from symconv.keys.steps import Shared

    flat: list[Any] = []
    for step in steps:
        flat += list(step.steps) if isinstance(step, Shared) else [step]
    for step in flat:
        if isinstance(step, Calculation):
            rows += _calculation_rows(step)
            continue
        if rows:
            parts.append(_aligned(rows))
            rows = []
        parts.append(step_html(step))
    if rows:
        parts.append(_aligned(rows))
    return H.block(*parts)


#: LaTeX of step texts, as a terminal shows it (the explanations' inline math is light).
_TEXT_MACROS = {r"\sum": "Σ", r"\sigma": "σ", r"\partial": "∂", r"\cdot": "·", r"\times": "×",
                r"\ldots": "…", r"\dots": "…", r"\phi": "φ", r"\mu": "μ", r"\lambda": "λ",
                r"\leq": "≤", r"\geq": "≥", r"\neq": "≠", r"\infty": "∞", r"\pm": "±",
                r"\to": "→", r"\in": "∈", r"\,": " ", r"\;": " ", r"\quad": "  ",
                r"\left": "", r"\right": "", r"\mathrm": "", r"\operatorname": "",
                r"\text": "", r"\mathbb": "", r"\bar": "", r"\hat": "", r"\prime": "'"}
_MACRO = re.compile(r"\\[A-Za-z]+|\\[,;]")
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")


def math_text(latex_text: str) -> str:
    r"""Light inline LaTeX as terminal text: ``\sigma_x^2`` -> ``σ_x^2``, braces dropped.

    >>> math_text(r"y_o = \sum_t w_t x_{o s + t d - p}, \frac{1}{K}")
    'y_o = Σ_t w_t x_(o s + t d - p), 1/K'
    """
    out = _FRAC.sub(lambda m: "/".join(p if re.fullmatch(r"\w+", p) else f"({p})"
                                       for p in m.groups()), latex_text)
    out = _MACRO.sub(lambda m: _TEXT_MACROS.get(m.group(0), m.group(0)[1:]), out)
    out = re.sub(r"_\{([^{}]*)\}", r"_(\1)", out)
    out = re.sub(r"\^\{([^{}]*)\}", r"^(\1)", out)
    return out.replace("{", "").replace("}", "").replace("\\", "")


def _text_markup(text: str) -> str:
    return re.sub(r"\$\$?(.+?)\$\$?", lambda m: math_text(m.group(1)), text, flags=re.S)


def step_text(step: Any) -> str:
    """Plain text of one step."""
    from symconv.keys.steps import Answer, Display, Setup, Shared, Table

    if isinstance(step, Shared):
        return "\n".join(step_text(s) for s in step.steps)
    if isinstance(step, Setup):
        return f"{step.label}. {_text_markup(step.text)}"
    if isinstance(step, Text):
        return _text_markup(step.text)
    if isinstance(step, Calculation):
        shown = [str(step.formula)]
        if step.simplified is not None and str(step.simplified) not in shown:
            shown.append(str(step.simplified))
        if step.result is not None and str(step.result) not in shown:
            shown.append(str(step.result))
        given = ", ".join(f"{k} = {v}" for k, v in step.values.items()
                          if sp.Symbol(str(k)).name in {s.name for s in
                                                        sp.sympify(step.formula).free_symbols})
        name = step.name if isinstance(step.name, str) else str(step.name)
        return f"{name} = " + " = ".join(shown) + (f"   ({given})" if given else "")
    if isinstance(step, Equation):
        return f" {step.relation} ".join([str(step.lhs), *(str(r) for r in step.rhs)])
    if isinstance(step, Check):
        mark = "[ok]" if step.passed else "[FAILED]"
        return f"{mark} {_text_markup(step.name)} ({_text_markup(step.oracle)})"
    if isinstance(step, Table):
        return "\n".join([" | ".join(step.columns)]
                         + [" | ".join(str(c) for c in row) for row in step.rows])
    if isinstance(step, Display):
        return step.source or math_text(step.latex)
    if isinstance(step, Answer):
        return f"Answer: {step.label} {step.value}"
    return str(step)


class Steps(list):
    """A worked derivation: a list of steps that Jupyter shows worked out.

    ``passed`` is True when every check among the steps passed.
    """

    def __init__(self, steps: Iterable[Any] = (), title: str = "") -> None:
        super().__init__(steps)
        self.title = title

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self if isinstance(s, Check))

    @property
    def checks(self) -> list[Check]:
        """The checks among the steps."""
        return [s for s in self if isinstance(s, Check)]

    def _repr_html_(self) -> str:
        return steps_html(self, self.title)

    def __str__(self) -> str:
        head = [self.title] if self.title else []
        return "\n".join(head + [step_text(s) for s in self])

    def __repr__(self) -> str:
        return self.__str__()


__all__ = ["Steps", "steps_html", "step_html", "step_text", "check_html", "math_text"]
