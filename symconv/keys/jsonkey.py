"""A machine-readable key (``symconv key --format json``): what other tools import.

Per question: its id, kind, title, section, points, text (numbers filled in,
``$...$`` math as in the sheets), every asked quantity's answer, the unit of
each, the main answer (``expected``) and ``answer_text`` — the main answer as
text that :func:`symconv.grade` reads back and grades correct — and the
variant's ``values`` (with the ``varied`` names).  Numbers are JSON integers,
exact fractions ``"p/q"`` strings, shapes lists and formulas the grader's
own text (``floor((h + 2*p - k)/s) + 1``).  ``gradable`` is false where the
grader has nothing to grade against (prose, matrices, index sums); their
formulas are then SymPy's text.  The instructor's secret is never written.

Examples
--------
>>> from pathlib import Path
>>> from symconv.keys.questions import load_assignment
>>> a = load_assignment(Path(__file__).parents[2] / "derivations" / "cs280_sp25_a2.toml")
>>> q = key_json(a)["questions"][0]
>>> q["id"], q["answers"], q["units"]["params"], q["answer_text"]
('1.1', {'output_shape': [10, 31, 31], 'params': 3610}, 'parameters', '(10, 31, 31)')
>>> q["values"]["k"], q["varied"][:3]
(6, ['c_i', 'c_o', 'k'])
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.keys.variants import assignment_identity, vary_spec

FORMAT = "symconv-key/1"

#: Unit of an asked quantity, by its first path component (then by its last).
UNITS = {
    "params": "parameters", "weight_params": "parameters", "bias_params": "parameters",
    "mults": "multiplications", "adds": "additions", "macs": "multiply-accumulates",
    "flops": "FLOPs", "comparisons": "comparisons", "evaluations": "evaluations",
    "activations": "elements", "output_shape": "shape", "input_shape": "shape",
    "memory": "elements", "conventions": "FLOPs", "bottleneck": "elements",
    "max_batch": "samples", "receptive": "input positions per axis",
    "region": "input positions", "table": "table",
}
_LAST_UNITS = {"shape": "shape", "grad_output_shape": "shape", "mults": "multiplications",
               "adds": "additions", "flops": "FLOPs"}


def unit(path: str) -> str | None:
    """The unit of a quantity path (``memory.bytes.forward`` is in bytes)."""
    parts = path.split(".")
    if parts[0] == "memory" and "bytes" in parts:
        return "bytes"
    if parts[0] == "output_shape" and len(parts) > 1:
        return "positions"
    if parts[0] == "backward":
        return _LAST_UNITS.get(parts[-1])
    return UNITS.get(parts[0])


def json_value(value: Any) -> Any:
    """A derived value as JSON: integers, ``"p/q"``, lists, grader-readable formula text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, sp.MatrixBase):
        return [[json_value(v) for v in value.row(i)] for i in range(value.rows)]
    if isinstance(value, tuple | list | sp.Tuple):
        return [json_value(v) for v in value]
    if isinstance(value, sp.Basic):
        if value.is_Integer:
            return int(value)
        if value.is_Rational:
            return f"{value.p}/{value.q}"
        text = grader_text(value)
        return text if text is not None else str(value)
    return str(value)


def grader_text(value: Any) -> str | None:
    """Text the grader reads back as ``value`` (None when it cannot grade against it)."""
    from symconv.grading.convert import from_sympy
    from symconv.grading.nodes import to_text

    if isinstance(value, sp.MatrixBase) or value is None or isinstance(value, str | bool):
        return None
    if isinstance(value, tuple | list | sp.Tuple):
        items = [grader_text(v) for v in value]
        if not items or any(i is None for i in items) or any(
                isinstance(v, tuple | list | sp.Tuple) for v in value):
            return None  # the grader reads flat tuples (shapes), not nested ones
        return "(" + ", ".join(str(i) for i in items) + ")"
    if isinstance(value, int):
        return str(value)
    from symconv.grading.parser import parse

    try:
        text = to_text(from_sympy(value))
        # only text the grader's parser reads with the question's names (no factorial, no sums)
        parse(text, known={str(s) for s in getattr(value, "free_symbols", ())})
    except (ValueError, TypeError):  # the parser's InvalidAnswer is a ValueError
        return None
    return text


def _main_name(q: Any) -> str:
    if q.kind == "calculus":
        return str(q.data.get("result") or "answer")
    return str(q.data.get("answer") or (q.data.get("ask") or ["answer"])[0])


def question_json(q: Any, solution: Any = None) -> dict[str, Any]:
    """One question's entry of the key."""
    from symconv.notation.rows import math

    out: dict[str, Any] = {"id": q.id, "kind": q.kind, "title": q.title or None,
                           "section": q.section or None, "points": q.points,
                           "text": q.rendered_text(math)}
    answers: dict[str, Any] = {}
    main: Any = None
    if q.kind != "prose":
        derivation = q.kind_handler.derive(q)
        answers, main = dict(derivation.answers), derivation.answer
    name = _main_name(q) if answers else None
    out["answers"] = {k: json_value(v) for k, v in answers.items()}
    out["units"] = {k: unit(k) for k in answers}
    out["answer"] = name
    out["expected"] = json_value(main)
    text = grader_text(main)
    out["answer_text"] = text
    out["gradable"] = text is not None
    out["values"] = {k: json_value(v) for k, v in q.values.items()}
    out["varied"] = [c.name for c in vary_spec(q).choices]
    if solution is not None:
        from symconv.keys.build import all_checks

        checks = all_checks(solution)
        out["checks"] = {"passed": sum(c.passed for c in checks),
                         "failed": sum(not c.passed for c in checks)}
    return out


def key_json(assignment: Any, solutions: dict[str, Any] | None = None,
             variant: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole key: the assignment, the variant (student or seed) and every question."""
    meta = assignment.meta
    head = {"title": assignment.title, "identity": assignment_identity(assignment)}
    head.update({k: str(meta[k]) for k in ("subtitle", "course", "date") if meta.get(k)})
    solutions = solutions or {}
    return {"format": FORMAT, "assignment": head, "variant": variant,
            "questions": [question_json(q, solutions.get(q.id)) for q in assignment.questions]}
