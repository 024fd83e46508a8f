"""Gradescope's autograder ``results.json`` from graded submissions.

Gradescope runs an autograder once per submission and reads
``/autograder/results/results.json`` (its "Autograder Specifications"):
``{"score", "output", "visibility", "stdout_visibility", "tests": [{"name",
"number", "score", "max_score", "status", "output", "visibility",
"extra_data"}]}``; ``status`` is ``passed`` or ``failed``, visibilities are
``visible``, ``hidden``, ``after_due_date`` or ``after_published``.  One
student's rows give exactly that object; rows of several students give
``{"submissions": {student: results.json object}}``, one per student.
:mod:`symconv.grading.gradescope_bundle` builds the autograder that writes it
inside Gradescope.

Examples
--------
>>> rows = [{"student": "s1", "question": "1.4", "verdict": "correct", "score": 2.0,
...          "max_score": 2.0, "feedback": "Correct.", "note": "ATEquiv_true"}]
>>> results_json(rows)["tests"][0]["status"]
'passed'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def question_entry(row: dict[str, Any], visibility: str = "visible") -> dict[str, Any]:
    """One question's entry of ``tests`` (verdict and note go to ``extra_data``, for staff)."""
    return {
        "name": f"Question {row['question']}",
        "number": str(row["question"]),
        "score": float(row["score"]),
        "max_score": float(row["max_score"]),
        "status": "passed" if row["verdict"] == "correct" else "failed",
        "output": row["feedback"],
        "visibility": visibility,
        "extra_data": {"verdict": row["verdict"], "note": row.get("note", "")},
    }


def student_results(rows: Sequence[dict[str, Any]], visibility: str = "visible") -> dict[str, Any]:
    """The results.json object of one submission (``visibility`` of the tests and score)."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    tests = [question_entry(r, visibility) for r in rows]
    return {"score": sum(t["score"] for t in tests), "visibility": visibility,
            "stdout_visibility": "hidden", "tests": tests}


def results_json(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """results.json for one student, or one per student under ``submissions``."""
    students: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        students.setdefault(str(row["student"]), []).append(row)
    if len(students) == 1:
        return student_results(next(iter(students.values())))
    return {"submissions": {s: student_results(rs) for s, rs in students.items()}}
