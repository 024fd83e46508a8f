"""Class grading as a newcomer meets it: blank cells, ids in another case, hand-graded
questions, ``--no-reveal``, what the command prints and what ``--help`` shows."""

from __future__ import annotations

import pytest

from symconv.cli import main
from symconv.grading.submissions import MANUAL, UNANSWERED

from .test_class import HW4, grade, read_csv

GOOD_2A = "C F K^2"


def by_line(path):
    return {int(r["line"]): r for r in read_csv(path) if r["line"]}


def test_a_blank_answer_is_unanswered_and_never_replaces_an_answer(tmp_path):
    rows = [("ann", "2a", GOOD_2A), ("ann", "2a", "   "),  # a later blank: the answer stays
            ("bob", "2a", ""), ("bob", "2a", GOOD_2A),    # an earlier blank: replaced
            ("cy", "2a", "")]                             # only a blank: unanswered
    code, out = grade(tmp_path, HW4, rows)
    assert code == 0
    lines = by_line(out)
    assert lines[2]["counted"] == "True" and lines[2]["verdict"] == "correct"
    assert lines[3]["counted"] == "False" and lines[3]["verdict"] == "unanswered"
    assert lines[4]["counted"] == "False" and lines[5]["counted"] == "True"
    assert lines[6]["counted"] == "True" and lines[6]["verdict"] == "unanswered"
    assert lines[6]["feedback"] == UNANSWERED and lines[6]["note"] == "ATUnanswered_blank"
    cy_2a = [r for r in read_csv(out) if r["student"] == "cy" and r["question"] == "2a"]
    assert len(cy_2a) == 1  # the blank row is the unanswered row, not one more


def test_a_blank_answer_stays_behind_a_real_one_under_every_policy(tmp_path):
    for policy in ("first", "last", "best"):
        code, out = grade(tmp_path, HW4, [("ann", "2a", ""), ("ann", "2a", "F K^2"),
                                          ("ann", "2a", "")], "--duplicates", policy)
        counted = [r for r in read_csv(out) if r["question"] == "2a" and r["counted"] == "True"]
        assert code == 0 and [r["answer"] for r in counted] == ["F K^2"], policy


def test_question_ids_match_ignoring_case_when_that_names_one_question(tmp_path):
    code, out = grade(tmp_path, HW4, [("ann", "2A", GOOD_2A), ("ann", " 2C-l ", "(3K - 2, 3K - 2)"),
                                      ("ann", "2z", "1")])
    lines = by_line(out)
    assert code == 0
    assert lines[2]["question"] == "2a" and lines[2]["verdict"] == "correct"
    assert lines[3]["question"] == "2c-L" and lines[3]["verdict"] == "correct"
    assert lines[4]["note"] == "ATInvalid_unknown_question"


def test_an_id_that_folds_to_two_questions_stays_unknown(tmp_path):
    question = ('[[question]]\nid = "{id}"\nkind = "layer"\ntext = "?"\n'
                'layer = {{ type = "Linear", in_features = "n", out_features = 2 }}\n'
                'input = ["n"]\nask = ["params"]\n')
    toml = tmp_path / "two.toml"
    toml.write_text(question.format(id="ab") + question.format(id="AB"), encoding="utf-8")
    code, out = grade(tmp_path, str(toml), [("ann", "Ab", "2n+2"), ("ann", "AB", "2n+2")])
    lines = by_line(out)
    assert code == 0 and lines[2]["note"] == "ATInvalid_unknown_question"
    assert lines[3]["question"] == "AB" and lines[3]["verdict"] == "correct"


def test_a_hand_graded_answer_says_so_plainly(tmp_path):
    code, out = grade(tmp_path, HW4, [("ann", "3a", "because pooling halves it")])
    row = next(r for r in read_csv(out) if r["question"] == "3a")
    assert code == 0 and row["verdict"] == "manual" and row["feedback"] == MANUAL
    assert "could not" not in row["feedback"] and row["answer"] == "because pooling halves it"


def test_no_reveal_is_honoured(tmp_path):
    code, out = grade(tmp_path, HW4, [("ann", "2d", "(7, 7)")], "--no-reveal")
    assert code == 0
    row = next(r for r in read_csv(out) if r["question"] == "2d")
    assert row["verdict"] == "incorrect" and "8" not in row["feedback"]


def test_the_summary_names_students_and_every_file_written(tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    code, out = grade(tmp_path, HW4, [("ann", "2a", GOOD_2A), ("bob", "2a", "")],
                      "--scores", str(scores))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 0 and len(err) == 1
    assert "graded 2 rows of 2 students (correct 1)" in err[0]
    assert err[0].endswith(f"-> {out}, {scores}")
    gradable = len([q for q in read_csv(scores)[0] if q not in ("student", "total")])
    assert f"; {2 * gradable - 1} unanswered questions scored 0" in err[0]


@pytest.mark.parametrize("command, forms", [
    ("grade", ["symconv grade --batch rows.csv --out results.csv",
               "symconv grade FILE.toml --submissions subs.csv"]),
    ("gradescope", ["symconv gradescope build FILE.toml -o autograder.zip",
                    "symconv gradescope run [--root /autograder]"]),
])
def test_help_shows_the_forms_without_markup(command, forms, capsys):
    assert main([command, "--help"]) == 0
    shown = capsys.readouterr().out
    for form in forms:
        assert form in shown
    assert "``" not in shown and "::" not in shown and ">>>" not in shown
    assert "PARTIAL_CREDIT" not in shown and "TIME_LIMIT" not in shown  # named metavars
