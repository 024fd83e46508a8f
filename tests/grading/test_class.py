"""Class grading: every submission a row, broken questions and unknown ids are rows, not aborts;
unanswered questions score 0; duplicates follow the policy; per-student scores for an LMS."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from symconv.cli import main

ROOT = Path(__file__).resolve().parents[2]
HW4 = str(ROOT / "derivations" / "homework4_cnn.toml")
AIMED = str(ROOT / "derivations" / "aimed_cnn_2020.toml")
CONV_14 = "C_in C_out K_1 K_2 (floor((H+2P-K_2)/S)+1)(floor((W+2P-K_1)/S)+1)"


def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def grade(tmp_path, toml, rows, *extra, header=("student", "question", "answer"), out="r.csv"):
    subs, results = tmp_path / "subs.csv", tmp_path / out
    write_csv(subs, header, rows)
    code = main(["grade", toml, "--submissions", str(subs), "--out", str(results),
                 "--workers", "0", *extra])
    return code, results


def question_ids(toml):
    from symconv.grading.questions import load

    return [q.id for q in load(toml).questions if q.kind != "prose"]


def test_broken_question_and_unknown_id_are_rows_not_aborts(tmp_path, capsys):
    code, out = grade(tmp_path, HW4, [
        ("ann", "2e", "3 layers"),  # a network question without an `answer` field
        ("ann", "2a", "C F K^2"),
        ("ann", "9z", "42"),  # no such question
        ("ann", "3a", "because"),  # prose: graded by hand
        ("bob", "2a", "C K^2")])
    assert code == 0
    rows = read_csv(out)
    by = {(r["student"], r["question"]): r for r in rows}
    e = by["ann", "2e"]
    assert e["verdict"] == "invalid" and e["note"] == "ATInvalid_question"
    assert "answer" in e["reason"] and "network" in e["reason"] and "\n" not in e["reason"]
    assert "Sympify" not in e["reason"] and "Error" not in e["reason"]
    assert e["max_score"] == "1.0" and e["counted"] == "True"
    assert by["ann", "2a"]["verdict"] == "correct" and by["bob", "2a"]["verdict"] == "incorrect"
    z = by["ann", "9z"]
    assert z["verdict"] == "invalid" and z["note"] == "ATInvalid_unknown_question"
    assert "9z" in z["reason"] and "2a" in z["reason"] and z["counted"] == "False"
    assert by["ann", "3a"]["verdict"] == "manual" and by["ann", "3a"]["answer"] == "because"
    assert "graded 5 rows" in capsys.readouterr().err


def test_unanswered_questions_get_an_explicit_zero_row(tmp_path):
    code, out = grade(tmp_path, HW4, [("ann", "2a", "C F K^2"), ("bob", "2b", "(1, 2, 3)")])
    rows = read_csv(out)
    gradable = question_ids(HW4)
    for student in ("ann", "bob"):
        mine = [r for r in rows if r["student"] == student]
        assert [r["question"] for r in mine] == gradable  # one row per question, file order
        blank = [r for r in mine if r["verdict"] == "unanswered"]
        assert len(blank) == len(gradable) - 1
        assert all(r["score"] == "0.0" and float(r["max_score"]) > 0 and r["counted"] == "True"
                   for r in blank)
        assert all("submitted" in r["feedback"] for r in blank)


@pytest.mark.parametrize("policy, counted_line, score", [
    ("last", 4, "0.0"), ("first", 2, "0.0"), ("best", 3, "1.0"), (None, 4, "0.0")])
def test_duplicates_follow_the_policy(tmp_path, policy, counted_line, score):
    rows = [("ann", "2a", "C K^2"), ("ann", "2a", "C F K^2"), ("ann", "2a", "F K^2")]
    extra = ["--duplicates", policy] if policy else []
    code, out = grade(tmp_path, HW4, rows, *extra, "--scores", str(tmp_path / "scores.csv"))
    mine = [r for r in read_csv(out) if r["question"] == "2a"]
    assert [r["line"] for r in mine] == ["2", "3", "4"]  # every row graded and kept
    assert [r["verdict"] for r in mine] == ["incorrect", "correct", "incorrect"]
    assert [r["line"] for r in mine if r["counted"] == "True"] == [str(counted_line)]
    assert all("superseded" in r["note"] for r in mine if r["counted"] == "False")
    scores = read_csv(tmp_path / "scores.csv")
    assert len(scores) == 1 and scores[0]["2a"] == score.rstrip("0").rstrip(".")


def test_results_keep_raw_answer_and_what_was_read(tmp_path):
    raw = r"\frac{C \cdot F}{1} K^{2}"
    code, out = grade(tmp_path, HW4, [("ann", "2a", raw), ("ann", "2b", "(C, ")])
    rows = {r["question"]: r for r in read_csv(out)}
    assert rows["2a"]["answer"] == raw and rows["2a"]["verdict"] == "correct"
    assert rows["2a"]["answer_read"] and "frac" not in rows["2a"]["answer_read"]
    assert rows["2b"]["answer"] == "(C, " and rows["2b"]["verdict"] == "invalid"


def test_headers_are_case_insensitive_and_unquoted_commas_are_kept(tmp_path):
    code, out = grade(tmp_path, AIMED, [("ann", "4.1", "74,908,800")],
                      header=(" Student", "QUESTION", "Answer "))
    subs = tmp_path / "subs2.csv"
    subs.write_text("STUDENT,Question,ANSWER\nann,4.1,74,908,800\n")
    assert code == 0
    rows = [r for r in read_csv(out) if r["question"] == "4.1"]
    assert rows[0]["answer"] == "74,908,800"
    out2 = tmp_path / "r2.csv"
    assert main(["grade", AIMED, "--submissions", str(subs), "--out", str(out2),
                 "--workers", "0"]) == 0
    again = [r for r in read_csv(out2) if r["question"] == "4.1"]
    assert again[0]["answer"] == "74,908,800" and again[0]["verdict"] == rows[0]["verdict"]


def test_bad_bytes_in_one_submission(tmp_path):
    subs, out = tmp_path / "subs.csv", tmp_path / "r.csv"
    subs.write_bytes(b"student,question,answer\nann,2a,C F K^2\nbob,2a,\xff\xfeK\n")
    assert main(["grade", HW4, "--submissions", str(subs), "--out", str(out),
                 "--workers", "0"]) == 0
    rows = {(r["student"], r["question"]): r for r in read_csv(out)}
    assert rows["ann", "2a"]["verdict"] == "correct"
    assert rows["bob", "2a"]["note"] == "ATInvalid_invalid_utf8"


def test_score_csv_one_row_per_student(tmp_path):
    scores = tmp_path / "scores.csv"
    code, out = grade(tmp_path, AIMED, [
        ("ann", "4.1", "74,908,800"), ("ann", "1.4", CONV_14),
        ("bob", "4.1", "4 831 838 208"), ("bob", "1.4", "__import__('os')")],
        "--scores", str(scores))
    table = read_csv(scores)
    ids = question_ids(AIMED)
    with open(scores, newline="") as fh:
        assert next(csv.reader(fh)) == ["student", *ids, "total"]
    assert [t["student"] for t in table] == ["ann", "bob"]
    results = read_csv(out)
    for t in table:
        mine = [r for r in results if r["student"] == t["student"] and r["counted"] == "True"]
        assert float(t["total"]) == sum(float(r["score"]) for r in mine)
        assert all(float(t[r["question"]]) == float(r["score"]) for r in mine)
    assert float(table[0]["1.4"]) == 1.0 and float(table[1]["1.4"]) == 0.0


def test_gradescope_json_counts_each_question_once(tmp_path):
    code, out = grade(tmp_path, AIMED, [
        ("ann", "4.1", "1"), ("ann", "4.1", "74,908,800"), ("bob", "1.4", CONV_14)],
        out="results.json")
    data = json.loads(out.read_text())["submissions"]
    ids = question_ids(AIMED)
    for student in ("ann", "bob"):
        tests = data[student]["tests"]
        assert len(tests) == len(ids)  # unanswered included, the superseded row not
        assert data[student]["score"] == sum(t["score"] for t in tests)


def test_usage_errors_are_one_line(tmp_path, capsys):
    subs = tmp_path / "subs.csv"
    write_csv(subs, ["student", "answer"], [("ann", "1")])
    assert main(["grade", HW4, "--submissions", str(subs), "--out", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "missing column" in err and "question" in err and len(err.strip().splitlines()) == 1


def test_examples_in_the_class_grading_docs_run(monkeypatch):
    """docs/grading.md, sections Batches to Gradescope: the examples run as written."""
    import doctest

    monkeypatch.chdir(ROOT)
    page = (ROOT / "docs" / "grading.md").read_text()
    text = page[page.index("## Batches"):page.index("## Performance")]
    test = doctest.DocTestParser().get_doctest(text, {}, "grading.md#class", "grading.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries > 5 and runner.failures == 0


# -- reveal=False and GradeResult.read through class grading ---------------------------------
def test_no_reveal_hides_the_expected_value(tmp_path):
    rows = [("ann", "4.1", "1"), ("bob", "4.1", "2415919104"), ("cy", "1.4", "C_in K_1 K_2")]
    shown = [r["feedback"] for r in read_csv(grade(tmp_path, AIMED, rows)[1])
             if r["line"]]
    assert any("4,831,838,208" in f for f in shown)  # revealed by default
    hidden = [r for r in read_csv(grade(tmp_path, AIMED, rows, "--no-reveal")[1]) if r["line"]]
    assert [r["verdict"] for r in hidden] == ["incorrect"] * 3
    for r in hidden:
        assert "4,831,838,208" not in r["feedback"] and "4831838208" not in r["feedback"]
        assert "expected value is" not in r["feedback"]


def test_answer_read_is_what_the_grader_read(tmp_path):
    from symconv.grading import grade as grade_one
    from symconv.grading.questions import load, question_reference

    raw = r"\frac{C \cdot F}{1} K^{2}"
    rows = {r["question"]: r for r in read_csv(grade(tmp_path, HW4, [("ann", "2a", raw)])[1])}
    expected, domain = question_reference(load(HW4), "2a")
    assert rows["2a"]["answer_read"] == grade_one(expected, raw, **domain).read
    assert rows["2a"]["answer"] == raw
