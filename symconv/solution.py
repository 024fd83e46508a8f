"""Worked solutions as data: the lines of a derivation, produced by the engine.

A solution is a list of steps, each a small frozen dataclass holding SymPy
objects (never typed LaTeX).  A printer (``symconv.keys``) renders them; the
same solution can become LaTeX, Markdown or plain text.  Modules that derive
something (layers, networks, gradients, composition...) return these steps so
every answer key reads the same way: formula, numbers substituted, result,
checks.

Examples
--------
>>> import sympy as sp
>>> from symconv.symbols import sym
>>> h, k = sym("h"), sym("k")
>>> step = Calculation("h_out", h - k + 1, values={"h": 128, "k": 3})
>>> step.result
126
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symconv.exprmap import free_symbols, substitution


@dataclass(frozen=True)
class Text:
    """A sentence of explanation (plain text; ``$...$`` spans are LaTeX math)."""

    text: str


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs_1 = rhs_2 = ...``; each side a SymPy object (Matrix, Sum, Eq...)."""

    lhs: Any
    rhs: tuple[Any, ...]
    label: str = ""
    relation: str = "="

    def __init__(self, lhs: Any, *rhs: Any, label: str = "", relation: str = "=") -> None:
        object.__setattr__(self, "lhs", lhs)
        object.__setattr__(self, "rhs", tuple(rhs))
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "relation", relation)


@dataclass(frozen=True)
class Calculation:
    """A handcalcs-style line: ``name = formula = (numbers in the formula) = result``.

    ``name`` is a symbol name (``"h_out"`` prints as h_{out}) or a SymPy
    object.  ``simplified`` is an optional equivalent form shown after the
    general formula.  ``result`` is computed from ``values`` when not given.
    """

    name: Any
    formula: sp.Expr
    values: Mapping[str, Any] = field(default_factory=dict)
    simplified: sp.Expr | None = None
    result: sp.Expr | None = None
    label: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        if self.result is None and self.values:
            table = substitution(dict(self.values), free_symbols(self.formula))
            value = self.formula.xreplace(table)  # a rebuild: numbers evaluate on the way
            object.__setattr__(self, "result", value if value.is_number else sp.simplify(value))


@dataclass(frozen=True)
class Check:
    """An independent check that ran on the instance; ``passed`` is what it found.

    ``oracle`` names what checked (``explicit loops``, ``torch``...), ``instance``
    the numbers it ran on when they are not the question's own (``$k = 3$, $n = 6$``).
    """

    name: str
    oracle: str
    expected: Any
    observed: Any
    passed: bool
    detail: str = ""
    instance: str = ""


@dataclass(frozen=True)
class Shared:
    """Steps several questions of a section share (a layer's output sizes, an argument).

    The first question of the section that shows them keeps them; the next ones
    say where they are (``ref``: a phrase naming them, "as in Question 1a" follows).
    """

    steps: tuple[Any, ...]
    ref: str


@dataclass(frozen=True)
class Solution:
    """One question's worked answer."""

    question_id: str
    steps: tuple[Any, ...]
    answer: Any = None
    checks: tuple[Check, ...] = ()
    title: str = ""

    @property
    def passed(self) -> bool:
        """True when every check passed (a solution with no check passes vacuously)."""
        return all(c.passed for c in self.checks)
