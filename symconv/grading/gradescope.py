"""Gradescope's autograder ``results.json`` from graded submissions.

Gradescope runs an autograder once per submission and reads
``/autograder/results/results.json``: ``{"score": ..., "tests": [{"name",
"score", "max_score", "output", ...}]}``.  One student's rows give exactly
that object; rows of several students give ``{"submissions": {student:
results.json object}}``, one object per student to hand to Gradescope.

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


def test_entry(row: dict[str, Any]) -> dict[str, Any]:
    """One question's entry of ``tests`` (the staff note is only visible to staff)."""
    return {
        "name": f"Question {row['question']}",
        "score": row["score"],
        "max_score": row["max_score"],
        "status": "passed" if row["verdict"] == "correct" else "failed",
        "output": row["feedback"],
        "visibility": "visible",
        "extra_data": {"verdict": row["verdict"], "note": row.get("note", "")},
    }


def student_results(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The results.json object of one submission."""
    tests = [test_entry(r) for r in rows]
    return {"score": sum(t["score"] for t in tests), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def results_json(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """results.json for one student, or one per student under ``submissions``."""
    students: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        students.setdefault(str(row["student"]), []).append(row)
    if len(students) == 1:
        return student_results(next(iter(students.values())))
    return {"submissions": {s: student_results(rs) for s, rs in students.items()}}
