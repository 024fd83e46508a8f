"""``symconv gradescope run`` (what runs inside Gradescope) always leaves a valid results.json.

A broken question file or bundle configuration, a bug in symconv and a broken
submission each give a results.json in Gradescope's schema (validated with
jsonschema), a score of 0 and a message for the student; staff-side failures
add one line for the staff (stderr and ``extra_data["error"]``) and no
traceback unless SYMCONV_DEBUG=1.  The exit status is 0 exactly when
results.json was written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from symconv.cli import main
from symconv.grading.autograder import MAX_SUBMISSION, NOT_YOUR_FAULT

from .test_gradescope import AIMED, CONV_14, RESULTS_SCHEMA

CONFIG = {"questions": "questions.toml", "partial_credit": 0.5, "reveal": True,
          "time_limit": 5.0, "visibility": "visible"}


def make_root(tmp_path: Path, answers: dict[str, str | bytes] | None = None,
              questions: str | None = None, config: object = CONFIG) -> Path:
    """A folder laid out as Gradescope lays out /autograder."""
    base = tmp_path / "autograder"
    (base / "source").mkdir(parents=True)
    (base / "submission").mkdir()
    if questions is None:
        shutil.copy(AIMED, base / "source" / "questions.toml")
    else:
        (base / "source" / "questions.toml").write_text(questions, encoding="utf-8")
    if config is not None:
        text = config if isinstance(config, str) else json.dumps(config)
        (base / "source" / "symconv-autograder.json").write_text(text, encoding="utf-8")
    for name, content in (answers or {"answers.toml": '"4.1" = "1"\n'}).items():
        path = base / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return base


def run_in_process(base: Path, capsys) -> tuple[int, dict, list[str], list[str]]:
    status = main(["gradescope", "run", "--root", str(base)])
    captured = capsys.readouterr()
    results = json.loads((base / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, RESULTS_SCHEMA)
    return status, results, captured.out.strip().splitlines(), captured.err.strip().splitlines()


BROKEN_QUESTION_FILES = {
    "not TOML": ("this is [ not toml", "not valid TOML"),
    "unknown table": ('title = "x"\n', "unknown top-level table"),
    "a bound broken": ('[[question]]\nid = "1"\nkind = "layer"\ntext = "?"\n'
                       'layer = { type = "Linear", in_features = "n", out_features = 2 }\n'
                       'input = ["n"]\nask = ["params"]\nwhere = { n = "((9**16)**16)**16" }\n'
                       'values = { }\n', "field 'where.n'"),
}


@pytest.mark.parametrize("case", list(BROKEN_QUESTION_FILES))
def test_a_broken_question_file_gives_results_and_one_staff_line(tmp_path, capsys, case,
                                                                  monkeypatch):
    monkeypatch.delenv("SYMCONV_DEBUG", raising=False)
    text, says = BROKEN_QUESTION_FILES[case]
    base = make_root(tmp_path, questions=text)
    status, results, out, err = run_in_process(base, capsys)
    assert status == 0
    assert results["score"] == 0 and results["output"] == NOT_YOUR_FAULT
    assert results["stdout_visibility"] == "hidden"  # the staff line is for staff only
    staff = results["extra_data"]["error"]
    assert "question file source/questions.toml cannot be loaded" in staff and says in staff
    assert "\n" not in staff and str(tmp_path) not in staff  # one line, no server path
    assert err == [f"symconv gradescope run: error: {staff}"]
    assert len(out) == 1 and out[0].startswith("score 0: ")
    assert "Traceback" not in "".join(out + err)


@pytest.mark.parametrize("config, says", [
    (None, "is missing"),
    ("{not json", "cannot be read"),
    ({"partial_credit": 0.5}, "does not name the question file"),
    ({**CONFIG, "partial_credit": "half"}, "partial_credit must be a number"),
    ({**CONFIG, "visibility": "everyone"}, "visibility must be one of"),
], ids=["missing", "not-json", "no-questions", "bad-credit", "bad-visibility"])
def test_a_broken_bundle_configuration_is_a_staff_line(tmp_path, capsys, config, says):
    base = make_root(tmp_path, config=config)
    status, results, _, err = run_in_process(base, capsys)
    assert status == 0 and results["score"] == 0 and results["output"] == NOT_YOUR_FAULT
    assert says in results["extra_data"]["error"] and len(err) == 1 and says in err[0]


def test_a_bug_is_one_line_with_an_id_and_a_traceback_only_when_asked(tmp_path, capsys,
                                                                      monkeypatch):
    from symconv.grading import submissions

    def broken(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(submissions, "grade_class", broken)
    monkeypatch.delenv("SYMCONV_DEBUG", raising=False)
    base = make_root(tmp_path)
    status, results, _, err = run_in_process(base, capsys)
    assert status == 0 and results["output"] == NOT_YOUR_FAULT
    assert len(err) == 1 and "internal error (a bug in symconv" in err[0] and "KeyError" in err[0]
    assert "Traceback" not in err[0]
    monkeypatch.setenv("SYMCONV_DEBUG", "1")
    status, results, _, err = run_in_process(base, capsys)
    assert status == 0 and "Traceback (most recent call last)" in "\n".join(err)
    assert err[-1].startswith("symconv gradescope run: error: internal error")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BROKEN_SUBMISSIONS = {
    "a folder": ({"answers.toml/x": "1"}, "answers.toml is a folder"),
    "too large": ({"answers.toml": '"4.1" = "' + "1" * MAX_SUBMISSION + '"\n'}, "larger than"),
    "nested TOML": ({"answers.toml": '"4.1" = ' + _nested(20_000) + "\n"}, "nested too deeply"),
    "nested JSON": ({"answers.json": '{"4.1": ' + _nested(200_000) + "}"}, "nested too deeply"),
    "no answers": ({"answers.toml": "# nothing yet\n"}, "has no answers"),
    "not UTF-8": ({"answers.json": b"\xff\xfe{}"}, "not UTF-8"),
    "JSON list": ({"answers.json": "[1, 2]"}, "must map question ids"),
}


@pytest.mark.parametrize("case", list(BROKEN_SUBMISSIONS))
def test_a_broken_submission_is_a_student_message(tmp_path, capsys, case):
    files, says = BROKEN_SUBMISSIONS[case]
    base = make_root(tmp_path, answers=files)
    status, results, out, err = run_in_process(base, capsys)
    assert status == 0 and results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Your submission could not be graded: ")
    assert says in results["output"], results["output"]
    assert "extra_data" not in results and err == []  # the student's mistake: nothing for staff
    assert len(out) == 1 and len(results["output"]) < 300


def test_a_huge_answer_is_marked_and_the_rest_graded(tmp_path, capsys):
    """A 200 kB CSV cell (over csv's default field limit) is one answer too long to read."""
    text = 'question,answer\n4.1,"' + "1" * 200_000 + '"\n1.4,"' + CONV_14 + '"\n'
    base = make_root(tmp_path, answers={"answers.csv": text})
    status, results, _, _ = run_in_process(base, capsys)
    tests = {t["number"]: t for t in results["tests"]}
    assert status == 0 and tests["1.4"]["status"] == "passed"
    assert tests["4.1"]["extra_data"]["verdict"] == "invalid"
    assert "characters long" in tests["4.1"]["output"] and len(tests["4.1"]["output"]) < 300


def test_a_symlinked_answers_file_is_not_read(tmp_path, capsys):
    secret = tmp_path / "secret.toml"
    secret.write_text('"4.1" = "74,908,800"\n')
    base = make_root(tmp_path, answers={"other.txt": "x"})
    (base / "submission" / "answers.toml").symlink_to(secret)
    status, results, _, _ = run_in_process(base, capsys)
    assert status == 0 and "symbolic link" in results["output"] and results["tests"] == []


def test_unknown_ids_are_named_once_and_a_bad_answer_is_not_called_unknown(tmp_path, capsys):
    ids = "".join(f'"x{i}" = "1"\n' for i in range(25))
    base = make_root(tmp_path, answers={"answers.toml": '"1.1" = "h"\n' + ids})
    status, results, _, _ = run_in_process(base, capsys)
    tests = {t["number"]: t for t in results["tests"]}
    assert status == 0 and tests["1.1"]["extra_data"]["verdict"] == "invalid"  # unknown symbol
    unknown_note = next(line for line in results["output"].splitlines() if "no question" in line)
    assert "1.1" not in unknown_note  # a question of the assignment, answered with a bad symbol
    assert "x0, x1" in unknown_note and "and 15 more" in unknown_note
    first = results["output"].splitlines()[0]
    assert first.startswith("Graded 26 answers: 1 could not be read") and "Score: 0 out of" in first


def test_results_that_cannot_be_written_exit_non_zero_in_one_line(tmp_path, capsys):
    base = make_root(tmp_path)
    (base / "results").write_text("a file where the folder should be")
    assert main(["gradescope", "run", "--root", str(base)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "results" in err[0] and "Traceback" not in err[0]


def test_as_a_process_a_broken_question_file_exits_0_without_a_traceback(tmp_path):
    base = make_root(tmp_path, questions="this is [ not toml")
    env = {**os.environ, "SYMCONV_DEBUG": ""}
    proc = subprocess.run([sys.executable, "-m", "symconv", "gradescope", "run", "--root",
                           str(base)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "symconv gradescope run: error: the question file source/questions.toml cannot be "
        "loaded: not valid TOML: Expected '=' after a key in a key/value pair (at line 1, "
        "column 6); fix it and rebuild the bundle (symconv gradescope build)"]
    jsonschema.validate(json.loads((base / "results" / "results.json").read_text()),
                        RESULTS_SCHEMA)
