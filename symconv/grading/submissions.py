"""Grade a class: every student's answers to a question file, with nothing lost.

:func:`grade_class` turns submission rows (student, question, answer) into one
result row per submission plus one per unanswered question, and
:func:`score_table` into one line per student for an LMS gradebook.  The rules:

* **Every row is a result.**  A row for an unknown question id, a row that cannot
  be read (bad bytes) and a row for a question that cannot be graded (a question
  whose answer the engine cannot build, such as a ``network`` question without an
  ``answer`` field) are ``invalid`` rows with a one-line reason; the rest goes on.
  ``prose`` questions are graded by hand: an answer to one is kept, marked
  ``manual``, and worth nothing here.
* **Unanswered questions count.**  Each student (anyone with at least one row) gets
  a row ``unanswered``, score 0, for every gradable question they did not answer.
  A row whose answer is blank is such a row (``unanswered``, not ``invalid``), and
  never replaces a real answer to the same question, whatever the policy below.
* **Question ids** match exactly, or else ignoring case and surrounding spaces when
  that names exactly one question (``2A`` is ``2a``).
* **Duplicates** (several rows of one student for one question) follow a policy:
  ``last`` (default: the last row in file order counts, as a resubmission
  replaces the earlier one), ``first``, or ``best`` (the highest score; the later
  row on a tie).  Every row is graded and kept, with ``counted`` saying which
  one the score uses.
* Results keep the raw ``answer`` (cut at 2,000 characters) and ``answer_read``,
  what the grader read.  With ``reveal=False`` the grader is asked not to show the
  expected value in feedback; a grader that cannot (its ``grade()`` has no
  ``reveal`` option) makes :func:`grade_class` refuse with a ValueError rather than
  reveal what was meant to stay hidden.

Examples
--------
>>> from pathlib import Path
>>> from symconv.grading.csvrows import Row
>>> from symconv.grading.questions import load
>>> assignment = load(Path(__file__).parents[2] / "derivations" / "aimed_cnn_2020.toml")
>>> rows = [Row(2, {"student": "ann", "question": "4.1", "answer": "1"}),
...         Row(3, {"student": "ann", "question": "4.1", "answer": "4 831 838 208"}),
...         Row(4, {"student": "ann", "question": "9.9", "answer": "3"})]
>>> graded = grade_class(assignment, rows, workers=0)
>>> [(g["question"], g["verdict"], g["counted"]) for g in graded][:3]
[('1.1', 'unanswered', True), ('1.2', 'unanswered', True), ('1.3', 'unanswered', True)]
>>> [(g["question"], g["line"], g["verdict"], g["counted"]) for g in graded
...  if g["question"] in ("4.1", "9.9")]
[('4.1', 2, 'incorrect', False), ('4.1', 3, 'correct', True), ('9.9', 4, 'invalid', False)]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from symconv.grading import batch as B
from symconv.grading.csvrows import Row
from symconv.grading.questions import question_reference
from symconv.grading.workers import cut

POLICIES = ("last", "first", "best")
MANUAL_KINDS = frozenset({"prose"})
#: Result columns of a class, in order.
COLUMNS = ["student", "question", "line", "counted", "score", "max_score", "verdict", "feedback",
           "note", "answer", "answer_read", "assumption", "counterexample", "reason", "method",
           "points"]
#: With per-student variants: also the numbers each row was graded with.
VARIANT_COLUMNS = [*COLUMNS[:6], "variant", *COLUMNS[6:]]
UNANSWERED = "No answer was submitted for this question."
MANUAL = "This question is graded by hand: your answer was kept for the course staff."

def points_of(question: Any) -> float:
    """A question's maximum score: its ``points`` field, 1 without one."""
    try:
        return float(question.points) if question.points is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def question_problem(question: Any, exc: Exception) -> str:
    """Why ``question`` cannot be graded, in one line without Python's wording."""
    if question.kind == "network" and "answer" not in question.data:
        asks = ", ".join(str(a) for a in question.data.get("ask", []))
        return (f"question {question.id} cannot be graded automatically: a network question "
                f"needs an `answer` field naming the quantity to grade (it asks for {asks})")
    message = str(exc).split("\n")[0]
    if type(exc).__name__ == "QuestionFileError":
        message = message.split(": ", 1)[-1] if ": question" in message else message
        message = message.split("', ", 1)[-1] if message.startswith("question '") else message
        return cut(f"question {question.id} cannot be graded automatically: {message}", 300)
    return f"question {question.id} cannot be graded automatically (its expected answer " \
           f"cannot be built; check the question file)"


def grade_class(assignment: Any, rows: Sequence[Row], *, duplicates: str = "last",
                partial_credit: float = 0.5, reveal: bool = True,
                extra: Mapping[str, Any] | None = None,
                run: Callable[..., list[dict]] | None = None, variants: Any = None,
                **batch: Any) -> list[dict]:
    """Result rows for ``rows`` of ``assignment`` (see the module docstring).

    ``run(tasks, references, **batch)`` grades the tasks (default
    :func:`symconv.grading.batch.run_batch`); ``extra`` keywords go to every
    :func:`symconv.grade` call.  With ``variants``
    (:class:`symconv.keys.roster.StudentVariants`), each row is graded against the
    numbers of its own student, and its ``variant`` says which.
    """
    if duplicates not in POLICIES:
        raise ValueError(f"duplicates must be one of {', '.join(POLICIES)}, not {duplicates!r}")
    questions = {q.id: q for q in assignment.questions}
    folded: dict[str, list[str]] = {}
    for known_id in questions:
        folded.setdefault(known_id.strip().casefold(), []).append(known_id)
    order = {qid: i for i, qid in enumerate(questions)}
    references: dict[Hashable, B.RefSpec] = {}
    broken: dict[str, str] = {}

    def reference(qid: str) -> str | None:
        """Build the reference of ``qid`` once; the reason it cannot be graded, if any."""
        if variants is not None:
            return None  # built per student below
        if qid not in references and qid not in broken:
            try:
                expected, domain = question_reference(assignment, qid)
                keywords = {**domain, **(extra or {})}
                if not reveal:
                    keywords["reveal"] = False
                references[qid] = (expected, keywords)
            except Exception as exc:  # noqa: BLE001 - a broken question is a row, not an abort
                broken[qid] = question_problem(questions[qid], exc)
        return broken.get(qid)

    tasks: list[B.Task] = []
    meta: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        student = (row.cells.get("student") or "").strip()
        qid = (row.cells.get("question") or "").strip()
        if qid not in questions and len(folded.get(qid.casefold(), ())) == 1:
            qid = folded[qid.casefold()][0]  # "2A" for "2a": one question it can mean
        answer = row.cells.get("answer") or ""
        problem, max_score = row.problem, 0.0
        if problem is None and not student:
            problem = ("no_student", "the row has no student")
        elif qid not in questions:
            if problem is None:
                known = ", ".join(list(questions)[:30])
                problem = ("unknown_question", cut(f"no question {qid!r} in this assignment "
                                                   f"(questions: {known})", 300))
        elif questions[qid].kind in MANUAL_KINDS:
            problem = problem or ("manual", f"question {qid} is graded by hand")
        else:
            max_score = points_of(questions[qid])
            if problem is None and not answer.strip():
                problem = ("blank", "the answer is blank")
            reason = reference(qid)
            if problem is None and reason is not None:
                problem = ("question", reason)
        key: Hashable = qid
        label = ""
        if variants is not None and problem is None:  # this student's numbers
            try:
                key, (expected, domain), label = variants.reference(student, qid)
                if key not in references:
                    references[key] = (expected, {**domain, **(extra or {}),
                                                  **({} if reveal else {"reveal": False})})
            except Exception as exc:  # noqa: BLE001 - a broken question is a row, not an abort
                problem = ("question", question_problem(questions[qid], exc))
        tasks.append(B.Task(i, f"{student}/{qid}@{row.line}", key if problem is None else None,
                            answer, problem))
        meta.append({"student": student, "question": qid, "line": row.line,
                     "max_score": max_score, "answer": cut(answer),
                     "known": qid in questions and bool(student),
                     **({"variant": label} if variants is not None else {})})
    results = (run or B.run_batch)(tasks, references, **batch)
    graded = [_row(m, r, partial_credit) for m, r in zip(meta, results)]
    _choose(graded, duplicates)
    students = list(dict.fromkeys(m["student"] for m in meta if m["student"]))
    answered = {(g["student"], g["question"]) for g in graded}
    for student in students:
        for qid, q in questions.items():
            if q.kind not in MANUAL_KINDS and (student, qid) not in answered:
                graded.append(_unanswered(student, qid, points_of(q)))
    rank = {s: i for i, s in enumerate(students)}
    graded.sort(key=lambda g: (rank.get(g["student"], len(rank)),
                               order.get(g["question"], len(order)), g["line"] or 0))
    return graded


def _row(meta: dict[str, Any], result: dict[str, Any], partial_credit: float) -> dict[str, Any]:
    read = result.get("read") or result.get("answer") or ""
    out = {**result, **{k: v for k, v in meta.items() if k != "known"},
           "answer_read": cut(str(read)), "counted": meta["known"]}
    if result["note"] == "ATInvalid_manual":
        out.update(verdict="manual", counted=False, feedback=MANUAL)
    elif result["note"] == "ATInvalid_blank":
        out.update(verdict="unanswered", feedback=UNANSWERED, note="ATUnanswered_blank",
                   reason="the answer is blank")
    out["score"] = meta["max_score"] * {"correct": 1.0, "partial": partial_credit}.get(
        result["verdict"], 0.0)
    return out


def _unanswered(student: str, qid: str, max_score: float) -> dict[str, Any]:
    return {"student": student, "question": qid, "line": None, "counted": True, "score": 0.0,
            "max_score": max_score, "verdict": "unanswered", "feedback": UNANSWERED,
            "note": "ATUnanswered", "answer": "", "answer_read": "", "assumption": None,
            "counterexample": None, "reason": "no row for this question", "method": "",
            "points": 0}


def _choose(graded: list[dict[str, Any]], policy: str) -> None:
    """Mark, for each (student, question), the one row that counts."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for g in graded:
        if g["counted"]:
            groups.setdefault((g["student"], g["question"]), []).append(g)
    for rows in groups.values():
        if len(rows) == 1:
            continue
        answered = [g for g in rows if g["verdict"] != "unanswered"]
        if answered and len(answered) < len(rows):  # a blank row never replaces an answer
            for g in rows:
                if g["verdict"] == "unanswered":
                    g["counted"] = False
                    g["note"] = f"{g['note']};superseded"
            rows = answered
            if len(rows) == 1:
                continue
        if policy == "first":
            keep = rows[0]
        elif policy == "last":
            keep = rows[-1]
        else:
            keep = max(reversed(rows), key=lambda g: g["score"])
        for g in rows:
            g["counted"] = g is keep
            if g is not keep:
                g["note"] = f"{g['note']};superseded"


def counted(graded: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that make up the scores (one per student and gradable question)."""
    return [g for g in graded if g["counted"]]


def score_table(graded: Sequence[dict[str, Any]], assignment: Any) -> tuple[list[dict], list[str]]:
    """One row per student: the score of each gradable question and the total.

    Returns the rows and the columns (``student``, the question ids in file order,
    ``total``), ready for :func:`symconv.grading.outputs.write_table`.
    """
    qids = [q.id for q in assignment.questions if q.kind not in MANUAL_KINDS]
    table: dict[str, dict[str, Any]] = {}
    for g in counted(graded):
        if g["question"] in qids:
            entry = table.setdefault(g["student"], {"student": g["student"]})
            entry[g["question"]] = _number(g["score"])
    for entry in table.values():
        entry["total"] = _number(sum(entry.get(q, 0.0) for q in qids))
    return list(table.values()), ["student", *qids, "total"]


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 6)
