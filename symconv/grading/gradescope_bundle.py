"""``symconv gradescope build``: a Gradescope autograder zip for a question file.

The zip holds, at its root (where Gradescope looks for them):

* ``setup.sh``: run once when Gradescope builds the autograder image.  It makes a
  virtual environment ``ROOT/symconv-venv`` (with Python >= 3.11: the image's
  ``python3`` if new enough, else ``python3.11`` from apt) and ``pip install``\\ s
  the bundled wheel ``wheels/symconv-VERSION-py3-none-any.whl`` (the symconv that
  built the bundle, :mod:`symconv.grading.wheel`) and, from PyPI, its
  dependencies.  ``SYMCONV_PIP_OPTIONS`` adds pip options (an offline test uses
  ``--no-index --no-deps``); ``PYTHON`` picks the interpreter.
* ``run_autograder``: runs ``symconv gradescope run`` in that environment, which
  grades ``ROOT/submission`` and writes ``ROOT/results/results.json``
  (:mod:`symconv.grading.autograder`).
* ``questions.toml`` (the question file), ``symconv-autograder.json`` (partial
  credit, whether feedback reveals expected values, the time limit per answer,
  the visibility of results) and ``answers_template.toml``, the file students fill in.

``ROOT`` is ``/autograder`` unless ``SYMCONV_AUTOGRADER_ROOT`` says otherwise.

Examples
--------
>>> import tempfile, zipfile
>>> from pathlib import Path
>>> toml = Path(__file__).parents[2] / "derivations" / "aimed_cnn_2020.toml"
>>> out = Path(tempfile.mkdtemp()) / "autograder.zip"
>>> notes = build_bundle(toml, out)
>>> sorted(n for n in zipfile.ZipFile(out).namelist() if "/" not in n)  # doctest: +NORMALIZE_WHITESPACE
['answers_template.toml', 'questions.toml', 'run_autograder', 'setup.sh',
 'symconv-autograder.json']
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from symconv import __version__
from symconv.grading.autograder import CONFIG
from symconv.grading.gradescope import VISIBILITIES
from symconv.safeio import refuse_unsafe, write_bytes

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
# Installs symconv (the bundled wheel) and its dependencies into ROOT/symconv-venv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${SYMCONV_AUTOGRADER_ROOT:-/autograder}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  apt-get update -q && apt-get install -y -q python3.11 python3.11-venv
  python=python3.11
fi
"$python" -m venv --system-site-packages "$root/symconv-venv"
# shellcheck disable=SC2086  # SYMCONV_PIP_OPTIONS is a list of options
"$root/symconv-venv/bin/python" -m pip install -q --disable-pip-version-check \\
  ${SYMCONV_PIP_OPTIONS:-} "$here"/wheels/symconv-*.whl
"$root/symconv-venv/bin/python" -m symconv --help >/dev/null
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade ROOT/submission, write
# ROOT/results/results.json (a results.json is written whatever the submission holds).
root="${SYMCONV_AUTOGRADER_ROOT:-/autograder}"
cd "$root" || exit 1
exec "$root/symconv-venv/bin/python" -m symconv gradescope run --root "$root"
"""


def template(assignment: Any, ungradable: Mapping[str, str] | None = None) -> str:
    """The answers file students fill in: one quoted entry per gradable question.

    ``ungradable`` (question id -> why, from :func:`check_questions`) marks the
    questions the autograder cannot grade, so students know they score nothing here.
    An entry left empty is an unanswered question.
    """
    from symconv.grading.submissions import MANUAL_KINDS

    asked = [q for q in assignment.questions if q.kind not in MANUAL_KINDS]
    example = asked[0].id if asked else "1.1"
    lines = [f"# Answers for {assignment.title}.",
             f"# Write each answer between the quotes, e.g. {json.dumps(example)} = "
             "\"floor((h - k)/s) + 1\";",
             "# numbers may be written 74,908,800 or 74908800, shapes (10, 31, 31).",
             "# Leave an answer empty (\"\") to skip its question.", ""]
    for q in asked:
        title = f" {q.title}" if q.title else ""
        lines.append(f"# {q.id}{title}")
        if ungradable and q.id in ungradable:
            lines.append("# (not graded by this autograder: your instructor grades it)")
        lines += [f"{json.dumps(q.id)} = \"\"", ""]
    return "\n".join(lines)


def check_questions(assignment: Any, time_limit: float = 5.0) -> dict[str, str]:
    """Why each question that cannot be graded automatically cannot (the bundle still builds).

    A question is tried as the autograder will grade it: its expected answer is
    built, and a probe answer is graded against it (in a worker, within
    ``time_limit``), which finds a reference the grader cannot compare answers
    with (such as a sum over indexed tensors).
    """
    from symconv.grading.csvrows import Row
    from symconv.grading.submissions import MANUAL_KINDS, grade_class

    asked = [q.id for q in assignment.questions if q.kind not in MANUAL_KINDS]
    rows = [Row(i + 1, {"student": "probe", "question": qid, "answer": "0"})
            for i, qid in enumerate(asked)]
    problems: dict[str, str] = {}
    if not rows:
        return problems
    for g in grade_class(assignment, rows, workers=1, time_limit=time_limit, progress=False):
        if g["note"] == "ATInvalid_question":
            problems[g["question"]] = f"{g['reason']}; its answers will be invalid rows"
        elif g["note"].startswith("ATInvalid_reference"):
            said = "cannot be used ("  # failed()'s wording: "... cannot be used (DETAIL)"
            reason = g["reason"] or ""
            detail = reason.split(said, 1)[1].removesuffix(")") if said in reason else reason
            detail = detail.removeprefix("the reference cannot be used: ")
            problems[g["question"]] = (f"question {g['question']} cannot be graded "
                                       "automatically: the grader cannot compare answers "
                                       f"with its expected answer ({detail}); its answers "
                                       "will be invalid rows")
        elif g["note"].startswith("ATInvalid_time_limit"):
            problems[g["question"]] = (f"question {g['question']}: grading a probe answer "
                                       f"took over {time_limit:g} s; its answers may time out")
    return problems


def build_bundle(questions: str | Path, out: str | Path, *, partial_credit: float = 0.5,
                 reveal: bool = True, time_limit: float = 5.0,
                 visibility: str = "visible") -> list[str]:
    """Write the autograder zip ``out`` for the question file ``questions``.

    Returns notes on questions that cannot be graded automatically.  Raises
    ValueError (one line) for a question file that cannot be loaded or bad options.
    """
    from symconv.grading.questions import load
    from symconv.grading.wheel import build_wheel

    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    if not 0 <= partial_credit <= 1:
        raise ValueError("partial credit must be between 0 and 1")
    questions = Path(questions)
    refuse_unsafe(out)
    assignment = load(questions)
    problems = check_questions(assignment, time_limit)
    config = {"questions": "questions.toml", "partial_credit": partial_credit,
              "reveal": reveal, "time_limit": time_limit, "visibility": visibility,
              "symconv": __version__}
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(tmp)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            _add(bundle, "setup.sh", SETUP_SH.encode(), executable=True)
            _add(bundle, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
            _add(bundle, "questions.toml", questions.read_bytes())
            _add(bundle, CONFIG, (json.dumps(config, indent=2) + "\n").encode())
            _add(bundle, "answers_template.toml",
                 template(assignment, problems).encode("utf-8"))
            _add(bundle, f"wheels/{wheel.name}", wheel.read_bytes())
    write_bytes(out, buffer.getvalue())  # atomically, never through a symbolic link
    return list(problems.values())


def _add(bundle: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.external_attr = (0o755 if executable else 0o644) << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(entry, data)
