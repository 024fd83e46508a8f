"""A whole class: per-student variants, question sheets, the JSON key and per-student grading."""

from __future__ import annotations

import csv
import glob
import json
import re
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.keys.questions import load_assignment
from symconv.keys.roster import (
    RosterError,
    StudentVariants,
    folder_name,
    read_roster,
    student_variant,
)
from symconv.keys.variants import vary_spec

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))
SALT = "correct horse battery staple"


def _numbers(assignment) -> dict[str, dict[str, str]]:
    return {q.id: {k: str(v) for k, v in q.values.items()} for q in assignment.questions}


# -- the variants of students ----------------------------------------------------------------

@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_the_same_student_and_salt_always_give_the_same_numbers(path):
    first = student_variant(load_assignment(path), "s0042", SALT)
    again = student_variant(load_assignment(path), " s0042 ", SALT)  # spaces do not count
    assert _numbers(first) == _numbers(again)


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_different_students_differ_on_the_varied_questions(path):
    a = load_assignment(path)
    varied = [q.id for q in a.questions if vary_spec(q).choices]
    students = [f"s{i:04d}" for i in range(40)]
    numbers = [_numbers(student_variant(a, s, SALT)) for s in students]
    for qid in (q.id for q in a.questions):
        distinct = {json.dumps(n[qid], sort_keys=True) for n in numbers}
        if qid in varied:
            assert len(distinct) >= 5, (qid, distinct)  # 40 students, not a handful of variants
        else:
            assert distinct == {json.dumps(_numbers(a)[qid], sort_keys=True)}
    if varied:
        pairs = [(i, j) for i in range(len(numbers)) for j in range(i)]
        same = sum(numbers[i] == numbers[j] for i, j in pairs)
        assert same == 0  # no two students of 40 share every number


def test_another_secret_gives_other_numbers():
    a = load_assignment(ROOT / "derivations" / "aimed_cnn_2020.toml")
    assert _numbers(student_variant(a, "s1", SALT)) != _numbers(student_variant(a, "s1", "x"))


def test_the_secret_may_come_from_the_file_and_is_required(tmp_path):
    src = (ROOT / "derivations" / "cs280_sp25_a2.toml").read_text()
    with_salt = tmp_path / "a.toml"
    with_salt.write_text(src.replace("[assignment]\n", f'[assignment]\nsalt = "{SALT}"\n', 1))
    assert _numbers(student_variant(load_assignment(with_salt), "s1")) == _numbers(
        student_variant(load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml"), "s1", SALT))
    with pytest.raises(RosterError, match="--salt"):
        student_variant(load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml"), "s1")


def test_the_identity_is_the_id_or_title_not_the_path(tmp_path):
    src = (ROOT / "derivations" / "cs280_sp25_a2.toml").read_text()
    moved = tmp_path / "renamed.toml"
    moved.write_text(src)
    original = _numbers(student_variant(load_assignment(ROOT / "derivations" /
                                                        "cs280_sp25_a2.toml"), "s1", SALT))
    assert _numbers(student_variant(load_assignment(moved), "s1", SALT)) == original
    moved.write_text(src.replace('title = "CS280', 'id = "cs280-sp25-a2"\ntitle = "CS280', 1))
    with_id = _numbers(student_variant(load_assignment(moved), "s1", SALT))
    moved.write_text(src.replace('title = "CS280', 'id = "cs280-sp25-a2"\ntitle = "Renamed', 1))
    assert _numbers(student_variant(load_assignment(moved), "s1", SALT)) == with_id != original


# -- rosters ---------------------------------------------------------------------------------

def test_a_roster_has_a_student_column_in_any_case_and_other_columns(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeffName,STUDENT ,email\nAda,s1,a@x\nBob, s2 ,\nAda,s1,again\nNo one,,\n"
                    ",,\n")
    ids, warnings = read_roster(path)
    assert ids == ["s1", "s2"]
    assert any("row 4" in w and "listed again" in w for w in warnings)
    assert any("row 5" in w and "no student id" in w for w in warnings)


@pytest.mark.parametrize("text,words", [
    ("name,email\nAda,a@x\n", "no 'student' column"),
    ("", "empty file"),
    ("student\n\n", "no student ids"),
])
def test_a_roster_without_students_is_an_error(tmp_path, text, words):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(RosterError, match=words):
        read_roster(path)


def test_student_folders_are_safe_file_names():
    assert folder_name("s001") == "s001"
    assert folder_name("ada@uni.edu") == "ada@uni.edu"
    for evil in ("../../etc", "a/b", "..", "x y", "é"):
        name = folder_name(evil)
        assert re.fullmatch(r"[A-Za-z0-9_@-][A-Za-z0-9._@-]*", name) and "/" not in name
    assert folder_name("a/b") != folder_name("a_b")


# -- the key command for a class -------------------------------------------------------------

@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    path.write_text("student,name\ns001,Ada\ns002,Bob\ns003,Cy\n")
    return path


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory, roster) -> Path:
    out = tmp_path_factory.mktemp("class")
    assert main(["key", *FILES, "--students", str(roster), "--salt", SALT, "-o", str(out),
                 "--no-torch"]) == 0
    return out


def test_students_get_a_sheet_and_a_key_each_and_the_list_of_numbers(class_dir):
    for student in ("s001", "s002", "s003"):
        for f in FILES:
            stem = Path(f).stem
            assert (class_dir / student / f"{stem}-sheet.tex").is_file()
            assert "Solution." in (class_dir / student / f"{stem}-key.tex").read_text()
    with open(class_dir / "cs280_sp25_a2-variants.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    a = load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml")
    mine = student_variant(a, "s002", SALT).question("1.1")
    assert rows[1]["student"] == "s002"
    assert rows[1]["1.1"] == "; ".join(f"{k}={v}" for k, v in mine.values.items())
    tex = (class_dir / "s002" / "cs280_sp25_a2-sheet.tex").read_text()
    assert f"with {mine.values['c_o']} filters" in tex and "Student: s002" in tex


def test_one_student_and_a_missing_secret(tmp_path, roster, capsys):
    f = str(ROOT / "derivations" / "cs280_sp25_a2.toml")
    assert main(["key", f, "--student", "s002", "--salt", SALT, "-o", str(tmp_path / "one"),
                 "--no-torch"]) == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == [
        "cs280_sp25_a2-variants.csv", "s002"]
    assert main(["key", f, "--students", str(roster), "--student", "s404", "--salt", SALT,
                 "-o", str(tmp_path / "x"), "--no-torch"]) == 2
    assert main(["key", f, "--students", str(roster), "-o", str(tmp_path / "y")]) == 2
    assert "--salt" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()  # nothing written before the error


# -- sheets: the questions alone -------------------------------------------------------------

#: What a key has and a sheet must not: headings, boxes, check marks, the source, engine words.
_FORBIDDEN = re.compile(r"Solution\.|Answer\.|Checks\.|Note\.|\\boxed|\\checkok|\\checkfail|"
                        r"symconv|engine|Reconstructed|seeds/|[Dd]erived and checked|✓")


def _question_blocks(tex: str) -> list[str]:
    body = tex.split(r"\end{center}", 1)[1].rsplit(r"\end{document}", 1)[0]
    return re.split(r"\\subsection\*\{[^\n]*\}\n", body)[1:]


def _sheets(tmp_path: Path) -> list[tuple[str, str, str]]:
    out = []
    for fmt in ("tex", "md"):
        assert main(["key", *FILES, "--sheet", "--format", fmt, "-o", str(tmp_path / fmt)]) == 0
        for f in FILES:
            out.append((f, fmt, (tmp_path / fmt / f"{Path(f).stem}-sheet.{fmt}").read_text()))
    return out


def test_sheets_hold_the_questions_and_nothing_else(tmp_path, class_dir):
    sheets = _sheets(tmp_path) + [(f, "tex", (class_dir / "s003" / f"{Path(f).stem}-sheet.tex")
                                   .read_text()) for f in FILES]
    for f, fmt, text in sheets:
        a = load_assignment(f)
        body = text.split(r"\begin{document}")[-1].replace("Student:", "")
        assert not _FORBIDDEN.search(body), (f, fmt, _FORBIDDEN.search(body))
        assert "{{" not in text
        for q in a.questions:
            assert q.note[:30] not in text if q.note else True
        if fmt == "tex":
            blocks = _question_blocks(text)
            assert len(blocks) == len(a.questions)
            for block in blocks:  # the text in a quote, then at most the next section heading
                rest = re.sub(r"(?s)\\begin\{quote\}.*?\\end\{quote\}", "", block)
                rest = re.sub(r"\\section\*\{[^\n]*\}", "", rest)
                rest = re.sub(r"\\needspace\{[^}]*\}", "", rest)  # keeps a heading with its text
                assert not rest.strip(), (f, rest)


def test_sheets_show_no_answer(tmp_path):
    assert main(["key", *FILES, "--format", "json", "-o", str(tmp_path / "json"),
                 "--no-torch"]) == 0
    for f, fmt, text in _sheets(tmp_path):
        key = json.loads((tmp_path / "json" / f"{Path(f).stem}.json").read_text())
        plain = text.replace("{,}", "")
        for q in key["questions"]:
            shown = q["text"].replace("{,}", "")
            for value in q["answers"].values():
                if isinstance(value, int) and value >= 100 and str(value) not in shown:
                    assert str(value) not in plain, (f, fmt, q["id"], value)
                if isinstance(value, list) and all(isinstance(v, int) for v in value):
                    shape = " \\times ".join(map(str, value))
                    if shape not in shown:
                        assert shape not in plain, (f, q["id"], value)


# -- the JSON key, fed back to the grader ----------------------------------------------------

def _submissions(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "question", "answer"])
        w.writerows(rows)


def _grade(f: str, subs: Path, out: Path, *extra: str) -> list[dict[str, str]]:
    assert main(["grade", f, "--submissions", str(subs), "--out", str(out), "--workers", "0",
                 "--no-progress", *extra]) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_a_students_json_key_grades_correct_for_them_and_not_for_another(path, tmp_path):
    stem = Path(path).stem
    for who in ("s001", "s002"):
        assert main(["key", path, "--student", who, "--salt", SALT, "--format", "json",
                     "-o", str(tmp_path), "--no-torch"]) == 0
    mine = json.loads((tmp_path / "s001" / f"{stem}-key.json").read_text())
    theirs = json.loads((tmp_path / "s002" / f"{stem}-key.json").read_text())
    assert mine["variant"] == {"student": "s001"} and SALT not in json.dumps(mine)
    gradable = [q for q in mine["questions"] if q["gradable"]]
    assert gradable
    rows = [(who, q["id"], q["answer_text"]) for who in ("s001", "s002") for q in gradable]
    _submissions(tmp_path / "subs.csv", rows)
    graded = _grade(path, tmp_path / "subs.csv", tmp_path / "res.csv", "--per-student",
                    "--salt", SALT)
    expected_of = {q["id"]: q["expected"] for q in theirs["questions"]}
    by_row = {(r["student"], r["question"]): r for r in graded if r["verdict"] != "unanswered"}
    assert len(by_row) == len(rows)
    differ = 0
    for (student, qid, _), q in zip(rows, gradable + gradable, strict=True):
        row = by_row[(student, qid)]
        if row["student"] == "s001":
            assert row["verdict"] == "correct", (row["question"], row["feedback"])
            assert row["variant"] == "; ".join(f"{k}={v}" for k, v in q["values"].items()
                                               if k in q["varied"])
        elif expected_of[q["id"]] != q["expected"]:
            differ += 1
            assert row["verdict"] != "correct", (row["question"], q["expected"])
        else:
            assert row["verdict"] == "correct", (row["question"], row["feedback"])
    varied = [q for q in gradable if q["varied"]]
    assert differ >= len(varied) - 1  # students' numbers (and answers) differ almost always


def test_without_per_student_the_file_numbers_are_used(tmp_path):
    f = str(ROOT / "derivations" / "cs280_sp25_a2.toml")
    assert main(["key", f, "--format", "json", "-o", str(tmp_path), "--no-torch"]) == 0
    key = json.loads((tmp_path / "cs280_sp25_a2.json").read_text())
    rows = [("anyone", q["id"], q["answer_text"]) for q in key["questions"] if q["gradable"]]
    _submissions(tmp_path / "subs.csv", rows)
    graded = _grade(f, tmp_path / "subs.csv", tmp_path / "res.csv")
    answered = [r for r in graded if r["line"]]
    assert len(answered) == len(rows) and {r["verdict"] for r in answered} == {"correct"}
    assert "variant" not in graded[0]


def test_per_student_rows_need_a_student_and_a_secret(tmp_path):
    f = str(ROOT / "derivations" / "cs280_sp25_a2.toml")
    _submissions(tmp_path / "subs.csv", [("", "1.1", "(1, 2, 3)"), ("s1", "1.1", "(1, 2, 3)")])
    graded = _grade(f, tmp_path / "subs.csv", tmp_path / "r.csv", "--per-student", "--salt",
                    SALT)
    rows = [r for r in graded if r["line"]]
    assert [r["verdict"] for r in rows] == ["incorrect", "invalid"] or \
        [r["verdict"] for r in rows] == ["invalid", "incorrect"]
    assert any("no student" in r["feedback"] + r["reason"] for r in rows)
    assert main(["grade", f, "--submissions", str(tmp_path / "subs.csv"), "--out",
                 str(tmp_path / "r.csv"), "--per-student", "--workers", "0"]) == 2


def test_students_with_the_same_numbers_share_one_reference():
    a = load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml")
    variants = StudentVariants(a, SALT)
    keys = {variants.reference(f"s{i}", "1.2")[0] for i in range(60)}
    assert len(keys) == 6  # k = 2..7: sixty students, six references


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).stem)
def test_the_shared_formula_is_the_reference_derived_for_each_student(path):
    from dataclasses import replace

    from symconv.grading.questions import question_reference

    a = load_assignment(path)
    variants = StudentVariants(a, SALT)
    compared = 0
    for qid in (q.id for q in a.questions if vary_spec(q).choices):
        for i in range(8):
            q = variants.question(f"s{i}", qid)
            derived = question_reference(replace(a, questions=(q,)), qid)
            assert variants.reference(f"s{i}", qid)[1] == derived, (qid, i)
            compared += 1
    assert compared or not any(vary_spec(q).choices for q in a.questions)


def test_the_whole_class_walkthrough_in_the_docs_runs(tmp_path, monkeypatch):
    """docs/answer-keys.md, "An assignment for a whole class": its files and commands."""
    import shlex

    doc = (ROOT / "docs" / "answer-keys.md").read_text()
    section = doc.split("## An assignment for a whole class", 1)[1].split("\n## ", 1)[0]
    roster, subs = re.findall(r"```csv\n(.*?)```", section, re.S)
    commands = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(commands) == 2
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roster.csv").write_text(roster)
    (tmp_path / "subs.csv").write_text(subs)
    for command in commands:
        argv = shlex.split(command.replace("$SECRET", SALT).replace(
            "derivations/", str(ROOT / "derivations") + "/"))
        assert argv[0] == "symconv"
        assert main(argv[1:] + ["--no-torch"] * (argv[1] == "key")) == 0, command
    for student in ("s001", "s002", "s003"):
        assert (tmp_path / "class" / student / "cs280_sp25_a2-key.tex").is_file()
    with open(tmp_path / "results.csv", newline="") as fh:
        results = list(csv.DictReader(fh))
    a = load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml")
    from symconv.keys.jsonkey import question_json

    answered = [r for r in results if r["line"]]  # (unanswered questions are rows too)
    assert len(answered) == 3
    for row in answered:  # right exactly when the answer is that student's own
        mine = question_json(student_variant(a, row["student"], SALT).question(row["question"]))
        submitted = next(r for r in csv.DictReader(subs.splitlines())
                         if r["student"] == row["student"])["answer"]
        assert (row["verdict"] == "correct") == (submitted == mine["answer_text"]), row
        assert row["variant"]
