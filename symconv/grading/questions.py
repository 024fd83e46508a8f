"""References for the questions of a derivations file (``symconv.keys.questions``).

A question with given values (``values = { W = 256, ... }``) has a numeric
expected answer.  To explain a wrong number the grader needs the formula it
came from, so the reference is the question's *symbolic* answer with the
given values fixed in the domain; the numeric answer is kept when the two
disagree (a question kind that cannot be re-derived without its values).
Shapes are handled alike: ``(10, 31, 31)`` is graded as the symbolic output
shape with the values fixed, so a wrong dimension can be explained, and
:func:`shape_options` adds the question's batch and whether its order matters.

Examples
--------
>>> from pathlib import Path
>>> path = Path(__file__).parents[2] / "derivations" / "aimed_cnn_2020.toml"
>>> expected, domain = question_reference(load(path), "4.1")
>>> sorted(expected.free_symbols, key=str)[:2], domain["C_in"]
([C_in, C_out], 64)
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import sympy as sp

from symconv.exprmap import substitution

RefSpec = tuple[Any, dict[str, Any]]
_ORDER_MATTERS = re.compile(r"\border\b|channels[- ](first|last)", re.IGNORECASE)


def load(path: str | Path) -> Any:
    """The assignment in ``path`` (``symconv.keys.questions.load_assignment``)."""
    try:
        from symconv.keys.questions import load_assignment
    except ImportError as exc:  # pragma: no cover - the keys package is part of symconv
        raise ValueError(f"question files need symconv.keys ({exc})") from None
    return load_assignment(path)


def question_reference(assignment: Any, qid: str) -> RefSpec:
    """``(expected, grade keywords)`` for question ``qid`` of ``assignment``."""
    q = assignment.question(qid)
    expected = q.expected
    domain: dict[str, Any] = dict(q.domain)
    conditions = tuple(c for c in q.conditions if c not in (sp.true, True))
    values = dict(getattr(q, "values", {}) or {})
    if values and isinstance(expected, sp.Basic) and not expected.free_symbols:
        symbolic = _symbolic(q)
        if symbolic is not None:
            expected = symbolic
            conditions = tuple(c for c in _symbolic_conditions(q) if c not in (sp.true, True))
            for s in expected.free_symbols:
                domain.setdefault(s.name, None)
    domain = {k: v for k, v in domain.items() if v is not None}
    if conditions:
        domain["conditions"] = conditions
    if isinstance(expected, sp.MatrixBase):
        # a matrix is a tuple of rows (read back from [[...], [...]]), never a shape
        expected = (tuple(expected) if 1 in expected.shape
                    else tuple(tuple(expected.row(i)) for i in range(expected.rows)))
        domain["shape"] = False
    elif isinstance(expected, sp.Tuple):
        domain.update(shape_options(q))
    return expected, domain


def shape_options(q: Any) -> dict[str, Any]:
    """Keywords for a shape answer: the question's batch, and whether its order matters.

    A leading batch axis equal to the question's ``batch`` is also correct.  The order
    of the dimensions matters (a channels-last answer is incorrect, not partial) when
    the question file says ``order = "strict"``; without that field, when the question
    text mentions an ``order`` or ``channels-first``/``-last``.
    """
    out: dict[str, Any] = {}
    data = q.data if hasattr(q, "data") else {}
    batch = data.get("batch")
    if isinstance(batch, (str, int)) and not isinstance(batch, bool):
        out["batch_axis"] = batch
    order = data.get("order")
    if order == "strict" or (order is None and _ORDER_MATTERS.search(str(getattr(q, "text", "")))):
        out["strict_order"] = True
    return out


def _symbolic(q: Any) -> sp.Expr | None:
    """The question's answer before its values are substituted, if it reproduces them."""
    try:
        general = dataclasses.replace(q, values={})
        formula = general.expected
    except Exception:  # noqa: BLE001 - a kind that needs its values: keep the number
        return None
    if not isinstance(formula, (sp.Expr, sp.Tuple)) or not formula.free_symbols:
        return None
    table = substitution(dict(q.values), formula.free_symbols)
    if set(table) != formula.free_symbols or formula.xreplace(table) != q.expected:
        return None
    return formula


def _symbolic_conditions(q: Any) -> tuple[sp.Basic, ...]:
    try:
        return tuple(dataclasses.replace(q, values={}).conditions)
    except Exception:  # noqa: BLE001
        return ()
