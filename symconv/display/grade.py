"""How a :class:`~symconv.grading.verdict.GradeResult` shows itself in Jupyter.

The verdict, the feedback the student would read, the answer as read, and for
staff the answer note and the counterexample (an instance where the answer is
wrong, with the expected and the answered values there).

Examples
--------
>>> import symconv
>>> html = grade_html(symconv.grade("floor(n/2)", "n/2"))
>>> "partial" in html and "n/2" in html
True
"""

from __future__ import annotations

from typing import Any

from symconv.display import html as H

_COLOURS = {"correct": "#1a7f37", "partial": "#9a6700", "incorrect": "#cf222e",
            "invalid": "#6e7781"}


def grade_html(result: Any) -> str:
    colour = _COLOURS.get(result.verdict, "#000")
    parts = [f'<p><b style="color:{colour}">{H.escape(result.verdict)}</b>: '
             f"{H.escape(result.feedback)}</p>",
             f"<p>answer read as {H.code(result.answer or '(nothing)')}, expected "
             f"{H.code(result.expected)}</p>"]
    if result.counterexample:
        rows = [[H.code(k), H.escape(v)] for k, v in result.counterexample.items()]
        parts.append(H.section("counterexample", H.table(["", "value"], rows)))
    extra = [f"note {H.code(result.note)}", f"method {H.escape(result.method)}"]
    if result.points:
        extra.append(f"{result.points} test points")
    if result.assumption:
        extra.append(f"right when {H.escape(result.assumption)}")
    parts.append(H.notes(["; ".join(extra)]))
    return H.block(*parts)


__all__ = ["grade_html"]
