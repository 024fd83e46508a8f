"""What runs inside Gradescope for one submission: read the answers, grade, write results.json.

Gradescope unpacks the bundle (:mod:`symconv.grading.gradescope_bundle`) into
``ROOT/source``, puts the student's files in ``ROOT/submission`` and their
details in ``ROOT/submission_metadata.json``, runs ``run_autograder`` and
uploads ``ROOT/results/results.json``.  ``ROOT`` is ``/autograder``; the
environment variable ``SYMCONV_AUTOGRADER_ROOT`` moves it (for testing a bundle
on your own machine).

**The submission** is one file of answers, by question id, found anywhere in
``ROOT/submission`` (the first of these names):

* ``answers.toml``: ``"4.1" = "74,908,800"`` per line (quote the id when it has a
  dot; numbers may be bare: ``"4.1" = 74908800``), or the same under an
  ``[answers]`` table; ``symconv gradescope template FILE.toml`` writes one to
  hand out;
* ``answers.json``: ``{"4.1": "74,908,800", ...}``;
* ``answers.csv``: header ``question,answer``.

Whatever the submission holds, a results.json is written: a missing or broken
answers file, an unknown question id or an internal error become a score with an
``output`` saying what to fix, never a failed autograder run.

Examples
--------
>>> read_answers_text("answers.toml", '"4.1" = "74,908,800"\\n"1.4" = 7')
({'4.1': '74,908,800', '1.4': '7'}, [])
>>> read_answers_text("answers.csv", "Question,Answer\\n4.1,\\"74,908,800\\"\\n")
({'4.1': '74,908,800'}, [])
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
import tomllib
import traceback
from pathlib import Path
from typing import Any

#: Names of the answers file, in the order they are looked for.
ANSWER_FILES = ("answers.toml", "answers.json", "answers.csv")
#: Largest answers file read (bytes).
MAX_SUBMISSION = 1_000_000
CONFIG = "symconv-autograder.json"


class SubmissionError(ValueError):
    """An answers file that cannot be read; the message is shown to the student."""


def root() -> Path:
    """The autograder's root folder (``/autograder`` unless SYMCONV_AUTOGRADER_ROOT says)."""
    return Path(os.environ.get("SYMCONV_AUTOGRADER_ROOT", "/autograder"))


def find_answers(folder: Path) -> Path:
    """The answers file in ``folder`` (searched recursively; the shallowest wins)."""
    found = [p for name in ANSWER_FILES for p in sorted(folder.rglob(name), key=lambda p:
                                                         (len(p.parts), str(p)))]
    if not found:
        raise SubmissionError(f"no answers file: upload one of {', '.join(ANSWER_FILES)}")
    return found[0]


def read_answers(path: Path) -> tuple[dict[str, str], list[str]]:
    """(answers by question id, notes for the student) from an answers file."""
    if path.stat().st_size > MAX_SUBMISSION:
        raise SubmissionError(f"{path.name} is larger than {MAX_SUBMISSION // 1000} kB")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not UTF-8 text") from None
    return read_answers_text(path.name, text)


def read_answers_text(name: str, text: str) -> tuple[dict[str, str], list[str]]:
    """Parse the text of an answers file called ``name``."""
    notes: list[str] = []
    if name.endswith(".csv"):
        from symconv.grading.csvrows import canonical

        reader = csv.reader(io.StringIO(text, newline=""))
        header = [canonical(h) for h in next(reader, [])]
        if "question" not in header or "answer" not in header:
            raise SubmissionError(f"{name} needs a header line question,answer")
        q, a = header.index("question"), header.index("answer")
        table: dict[str, Any] = {}
        for cells in reader:
            if len(cells) > max(q, a):
                table[cells[q].strip()] = cells[a]
    elif name.endswith(".json"):
        try:
            table = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SubmissionError(f"{name} is not valid JSON (line {exc.lineno}: "
                                  f"{exc.msg})") from None
    else:
        try:
            table = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SubmissionError(f"{name} is not valid TOML ({exc}); quote every answer, "
                                  'e.g. "4.1" = "74,908,800"') from None
        if isinstance(table.get("answers"), dict) and len(table) == 1:
            table = table["answers"]
    if not isinstance(table, dict):
        raise SubmissionError(f"{name} must map question ids to answers")
    answers: dict[str, str] = {}
    for qid, value in _flatten(table):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            notes.append(f"the answer to {qid} is not text or a number: ignored")
            continue
        answers[qid] = value if isinstance(value, str) else str(value)
    return answers, notes


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``4.1 = "x"`` written without quotes is the table {"4": {"1": "x"}}: id "4.1"."""
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        qid = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten(value, qid + "."))
        else:
            out.append((qid.strip(), value))
    return out


def student_id(folder: Path) -> str:
    """Who submitted (from submission_metadata.json), or ``"submission"``."""
    try:
        meta = json.loads((folder / "submission_metadata.json").read_text(encoding="utf-8"))
        user = meta["users"][0]
        return str(user.get("sid") or user.get("email") or user.get("id") or "submission")
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "submission"


def run(base: Path | None = None) -> dict[str, Any]:
    """Grade the submission under ``base`` (default :func:`root`); write and return results."""
    base = base or root()
    start = time.monotonic()
    try:
        results = _grade(base)
    except SubmissionError as exc:
        results = {"score": 0.0, "output": f"Your submission could not be graded: {exc}.",
                   "tests": []}
    except Exception:  # noqa: BLE001 - Gradescope must get a results.json whatever happens
        traceback.print_exc()  # stdout/stderr are shown to instructors only
        results = {"score": 0.0, "output": "The autograder could not grade this submission "
                   "(an internal error). Your instructor can see the details.", "tests": []}
    results["execution_time"] = round(time.monotonic() - start, 3)
    out = base / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def _grade(base: Path) -> dict[str, Any]:
    from symconv.grading import submissions as S
    from symconv.grading.csvrows import Row
    from symconv.grading.gradescope import student_results
    from symconv.grading.questions import load

    config = json.loads((base / "source" / CONFIG).read_text(encoding="utf-8"))
    assignment = load(base / "source" / config["questions"])
    answers, notes = read_answers(find_answers(base / "submission"))
    student = student_id(base)
    rows = [Row(i + 1, {"student": student, "question": qid, "answer": answer})
            for i, (qid, answer) in enumerate(answers.items())]
    if not rows:
        raise SubmissionError("the answers file has no answers")
    graded = S.grade_class(assignment, rows, partial_credit=config.get("partial_credit", 0.5),
                           reveal=config.get("reveal", True), workers=1,
                           time_limit=config.get("time_limit", 5.0), progress=False)
    unknown = [g["question"] for g in graded if g["note"].startswith("ATInvalid_unknown")]
    if unknown:
        notes.append(f"no question called {', '.join(unknown)} in this assignment: check the "
                     "question ids in your answers file")
    results = student_results(S.counted(graded), visibility=config.get("visibility",
                                                                        "visible"))
    counts: dict[str, int] = {}
    for g in S.counted(graded):
        counts[g["verdict"]] = counts.get(g["verdict"], 0) + 1
    summary = ", ".join(f"{n} {v}" for v, n in counts.items())
    results["output"] = "\n".join([f"Graded {len(answers)} answers ({summary}).", *notes])
    return results
