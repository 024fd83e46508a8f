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

Whatever happens, a results.json in Gradescope's schema is written:

* a missing or broken answers file (not UTF-8, not TOML/JSON/CSV, a folder, a
  symbolic link, too large, nested too deeply) or an unknown question id becomes
  a score with an ``output`` telling the student what to fix;
* a problem on the staff side (the bundle's question file or configuration cannot
  be loaded) or a bug in symconv becomes a score of 0 with an ``output`` telling
  the student it is not their fault, and one line for the staff: in
  ``extra_data["error"]`` and printed by ``symconv gradescope run`` on stderr
  (Gradescope shows the autograder's output to instructors only; the results set
  ``stdout_visibility`` to ``hidden``).  No traceback is printed unless
  ``SYMCONV_DEBUG=1``.

Only when results.json itself cannot be written does ``symconv gradescope run``
exit non-zero (one line saying why).

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
import stat
import time
import tomllib
import traceback
from pathlib import Path
from typing import Any

from symconv import safeio

#: Names of the answers file, in the order they are looked for.
ANSWER_FILES = ("answers.toml", "answers.json", "answers.csv")
#: Largest answers file read (bytes).
MAX_SUBMISSION = 1_000_000
CONFIG = "symconv-autograder.json"


#: Unknown question ids named in the student's output (the rest are counted).
MAX_UNKNOWN_NAMED = 10
#: What the student reads when grading failed on the staff side.
NOT_YOUR_FAULT = ("The autograder could not grade this submission: the problem is on the "
                  "course staff's side, not in your answers (they can see the details). "
                  "Your answers were received; you do not need to resubmit unless asked to.")


class SubmissionError(ValueError):
    """An answers file that cannot be read; the message is shown to the student."""


class SetupError(ValueError):
    """The bundle itself is broken (question file, configuration); the message is for staff."""


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
    text = _decoded(path.name, _submitted_bytes(path))
    try:
        return read_answers_text(path.name, text)
    except RecursionError:
        raise SubmissionError(f"{path.name} is nested too deeply to read") from None


def _submitted_bytes(path: Path) -> bytes:
    """The bytes of a submitted file: a regular file (no link, folder or FIFO), bounded."""
    name = path.name
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            raise SubmissionError(f"{name} is a symbolic link: upload the file itself")
        if not stat.S_ISREG(st.st_mode):
            what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise SubmissionError(f"{name} is {what}: upload a file")
        if st.st_size > MAX_SUBMISSION:
            raise SubmissionError(f"{name} is larger than {MAX_SUBMISSION // 1000} kB")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_SUBMISSION + 1)
    except OSError as exc:
        raise SubmissionError(f"{name} cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_SUBMISSION:  # it grew after the size check
        raise SubmissionError(f"{name} is larger than {MAX_SUBMISSION // 1000} kB")
    return data


def _decoded(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError(f"{name} is not UTF-8 text") from None


def read_answers_text(name: str, text: str) -> tuple[dict[str, str], list[str]]:
    """Parse the text of an answers file called ``name``."""
    notes: list[str] = []
    if name.endswith(".csv"):
        from symconv.grading.csvrows import canonical

        # a huge cell is an answer to mark too long, not a reason to refuse the file (the
        # file itself is bounded), as in class grading (csvrows)
        csv.field_size_limit(max(csv.field_size_limit(), MAX_SUBMISSION + 1))
        reader = csv.reader(io.StringIO(text, newline=""))
        table: dict[str, Any] = {}
        try:
            header = [canonical(h) for h in next(reader, [])]
            if "question" not in header or "answer" not in header:
                raise SubmissionError(f"{name} needs a header line question,answer")
            q, a = header.index("question"), header.index("answer")
            for cells in reader:
                if len(cells) > max(q, a):
                    table[cells[q].strip()] = cells[a]
        except csv.Error as exc:
            raise SubmissionError(f"{name} is not a CSV file this grader can read (line "
                                  f"{reader.line_num}: {exc})") from None
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


def run(base: Path | None = None, *, debug: bool = False) -> dict[str, Any]:
    """Grade the submission under ``base`` (default :func:`root`); write and return results.

    The results always follow Gradescope's schema; when grading failed on the
    staff side, ``results["extra_data"]["error"]`` is the one line for the staff.
    ``debug`` prints the traceback of such a failure (``SYMCONV_DEBUG=1``).
    Raises OSError or :class:`~symconv.safeio.UnsafeOutput` only when results.json
    cannot be written.
    """
    base = base or root()
    start = time.monotonic()
    staff = None
    try:
        results = _grade(base)
    except SubmissionError as exc:
        results = {"score": 0.0, "output": f"Your submission could not be graded: {exc}.",
                   "tests": []}
    except Exception as exc:  # noqa: BLE001 - Gradescope must get a results.json whatever happens
        from symconv.cli import bug_id

        if debug:
            traceback.print_exc()
        staff = str(exc) if isinstance(exc, SetupError) else (
            f"internal error (a bug in symconv {_version()}, id {bug_id(exc)}): "
            f"{type(exc).__name__}: {_one_line(str(exc))[:200]} -- please report it "
            "(SYMCONV_DEBUG=1 in run_autograder shows the traceback)")
    if staff is not None:
        results = {"score": 0.0, "output": NOT_YOUR_FAULT, "stdout_visibility": "hidden",
                   "extra_data": {"error": _one_line(staff.replace(f"{base}{os.sep}", ""))},
                   "tests": []}
    results["execution_time"] = round(time.monotonic() - start, 3)
    out = base / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    safeio.write_text(out, json.dumps(results, indent=2) + "\n")
    return results


def _one_line(text: str) -> str:
    from symconv.cli import one_line

    return one_line(text)


def _version() -> str:
    from symconv import __version__

    return __version__


def _config(base: Path) -> dict[str, Any]:
    """The bundle's settings (symconv-autograder.json), checked: a SetupError if broken."""
    path = base / "source" / CONFIG
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SetupError(f"source/{CONFIG} is missing: upload the zip that "
                         "symconv gradescope build wrote") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SetupError(f"source/{CONFIG} cannot be read ({getattr(exc, 'strerror', None) or exc}): "
                         "rebuild the bundle with symconv gradescope build") from None
    if not isinstance(config, dict) or not isinstance(config.get("questions"), str):
        raise SetupError(f"source/{CONFIG} does not name the question file: rebuild the bundle "
                         "with symconv gradescope build")
    for key, kind, low, high in (("partial_credit", (int, float), 0, 1),
                                 ("time_limit", (int, float), 1e-3, 3600)):
        value = config.get(key, low if key == "partial_credit" else 5.0)
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            raise SetupError(f"source/{CONFIG}: {key} must be a number from {low:g} to "
                             f"{high:g}, not {value!r:.40}")
    if not isinstance(config.get("reveal", True), bool):
        raise SetupError(f"source/{CONFIG}: reveal must be true or false")
    from symconv.grading.gradescope import VISIBILITIES

    if config.get("visibility", "visible") not in VISIBILITIES:
        raise SetupError(f"source/{CONFIG}: visibility must be one of {', '.join(VISIBILITIES)}")
    return config


def _assignment(base: Path, name: str) -> Any:
    """The bundle's question file, loaded: a SetupError (one line for staff) if it cannot be."""
    from symconv.grading.questions import load

    path = base / "source" / name
    try:
        return load(path)
    except (ValueError, OSError, RecursionError) as exc:  # QuestionFileError is a ValueError
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
            "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        reason = reason.replace(f"{path}: ", "").replace(str(path), f"source/{name}")
        raise SetupError(f"the question file source/{name} cannot be loaded: {reason}; "
                         "fix it and rebuild the bundle (symconv gradescope build)") from None


#: How the summary names each verdict, in the order it lists them.
VERDICT_WORDS = {"correct": "correct", "partial": "partly correct", "incorrect": "incorrect",
                 "invalid": "could not be read", "manual": "graded by hand later"}


def summary(answered: int, rows: list[dict[str, Any]]) -> str:
    """The first line a student reads: what was graded and the score.

    >>> rows = [{"verdict": "correct", "score": 2.0, "max_score": 2.0},
    ...         {"verdict": "invalid", "score": 0.0, "max_score": 1.0},
    ...         {"verdict": "unanswered", "score": 0.0, "max_score": 1.0}]
    >>> print(summary(2, rows))  # doctest: +NORMALIZE_WHITESPACE
    Graded 2 answers: 1 correct, 1 could not be read (see its feedback); 1 question
    unanswered. Score: 2 out of 4.
    """
    counts = {v: sum(1 for r in rows if r["verdict"] == v) for v in VERDICT_WORDS}
    parts = [f"{n} {VERDICT_WORDS[v]}" + (" (see its feedback)" if v == "invalid" else "")
             for v, n in counts.items() if n]
    blank = sum(1 for r in rows if r["verdict"] == "unanswered")
    text = f"Graded {answered} answer{'s' if answered != 1 else ''}"
    text += (": " + ", ".join(parts)) if parts else ""
    if blank:
        text += f"; {blank} question{'s' if blank != 1 else ''} unanswered"
    score = sum(float(r["score"]) for r in rows)
    best = sum(float(r["max_score"]) for r in rows)
    return f"{text}. Score: {score:g} out of {best:g}."


def _grade(base: Path) -> dict[str, Any]:
    from symconv.grading import submissions as S
    from symconv.grading.csvrows import Row
    from symconv.grading.gradescope import student_results

    config = _config(base)
    assignment = _assignment(base, config["questions"])
    answers, notes = read_answers(find_answers(base / "submission"))
    student = student_id(base)
    rows = [Row(i + 1, {"student": student, "question": qid, "answer": answer})
            for i, (qid, answer) in enumerate(answers.items())]
    if not rows:
        raise SubmissionError("the answers file has no answers")
    graded = S.grade_class(assignment, rows, partial_credit=config.get("partial_credit", 0.5),
                           reveal=config.get("reveal", True), workers=1,
                           time_limit=config.get("time_limit", 5.0), progress=False)
    known = {q.id for q in assignment.questions}
    unknown = [g["question"] for g in graded if g["question"] not in known]
    if unknown:
        named = ", ".join(_one_line(q)[:40] for q in unknown[:MAX_UNKNOWN_NAMED])
        more = f" and {len(unknown) - MAX_UNKNOWN_NAMED:,} more" \
            if len(unknown) > MAX_UNKNOWN_NAMED else ""
        notes.append(f"no question called {named}{more} in this assignment: check the "
                     "question ids in your answers file")
    chosen = S.counted(graded)
    results = student_results(chosen, visibility=config.get("visibility", "visible"))
    answered = sum(1 for a in answers.values() if a.strip())  # "" in the template: skipped
    results["output"] = "\n".join([summary(answered, chosen), *notes])
    return results
