"""The Gradescope bundle: built, set up offline, run_autograder executed on sample submissions,
results.json validated against Gradescope's documented schema (its Autograder Specifications)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import jsonschema
import pytest

from symconv.cli import main
from symconv.grading.autograder import read_answers_text

ROOT = Path(__file__).resolve().parents[2]
AIMED = ROOT / "derivations" / "aimed_cnn_2020.toml"
HW4 = ROOT / "derivations" / "homework4_cnn.toml"
CONV_14 = "C_in C_out K_1 K_2 (floor((H+2P-K_2)/S)+1)(floor((W+2P-K_1)/S)+1)"

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
#: results.json as Gradescope's Autograder Specifications describe it (every field optional
#: except that a score is needed, at the top or on each test).
RESULTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": FORMAT,
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY,
                "extra_data": {"type": "object"},
            },
            "required": ["score"],
        }},
        "leaderboard": {"type": "array"},
    },
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
}


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """A folder standing in for /autograder, with the bundle unpacked and setup.sh run."""
    base = tmp_path_factory.mktemp("autograder")
    bundle = base / "autograder.zip"
    assert main(["gradescope", "build", str(AIMED), "-o", str(bundle), "--partial-credit",
                 "0.5"]) == 0
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        assert "setup.sh" in names and "run_autograder" in names  # at the root, as required
        for info in zf.infolist():
            if info.filename in ("setup.sh", "run_autograder"):
                assert (info.external_attr >> 16) & stat.S_IXUSR
        zf.extractall(base / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(base / "source" / name, 0o755)
    # Gradescope copies run_autograder to ROOT/run_autograder
    (base / "run_autograder").write_bytes((base / "source" / "run_autograder").read_bytes())
    os.chmod(base / "run_autograder", 0o755)
    env = {k: v for k, v in environment(base).items() if k != "PYTHONPATH"}
    setup = subprocess.run(["bash", str(base / "source" / "setup.sh")], env={
        **env, "PYTHON": sys.executable, "SYMCONV_PIP_OPTIONS": "--no-index --no-deps"},
        capture_output=True, text=True, timeout=600, cwd=base / "source")
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return base


def environment(base: Path) -> dict[str, str]:
    """The test's stand-in for the image: dependencies from this venv, symconv from the wheel."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["SYMCONV_AUTOGRADER_ROOT"] = str(base)
    # sympy, numpy ... from this interpreter's site folders; their .pth files (an editable
    # symconv among them) are not read from PYTHONPATH, so symconv comes from the wheel
    sites = [p for p in sys.path if p.endswith("site-packages")] or \
        [sysconfig.get_paths()["purelib"]]
    env["PYTHONPATH"] = os.pathsep.join(sites)
    return env


def submit(base: Path, files: dict[str, str | bytes], metadata: dict | None = None) -> dict:
    """Put ``files`` in ROOT/submission, execute ROOT/run_autograder, return results.json."""
    sub = base / "submission"
    if sub.exists():
        for p in sorted(sub.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
    sub.mkdir(exist_ok=True)
    for name, content in files.items():
        path = sub / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    meta = base / "submission_metadata.json"
    meta.write_text(json.dumps(metadata or {"users": [{"email": "ann@uni.edu", "id": 7,
                                                       "name": "Ann"}]}))
    results = base / "results" / "results.json"
    results.unlink(missing_ok=True)
    proc = subprocess.run([str(base / "run_autograder")], env=environment(base),
                          capture_output=True, text=True, timeout=300, cwd=base)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(results.read_text())
    jsonschema.validate(data, RESULTS_SCHEMA)
    return data


def test_symconv_runs_from_the_bundled_wheel(autograder):
    venv_python = autograder / "symconv-venv" / "bin" / "python"
    proc = subprocess.run([str(venv_python), "-c", "import symconv; print(symconv.__file__)"],
                          env=environment(autograder), capture_output=True, text=True,
                          cwd=autograder)
    assert str(autograder / "symconv-venv") in proc.stdout, proc.stdout + proc.stderr


def test_run_autograder_grades_a_sample_submission(autograder):
    answers = f'"4.1" = "74,908,800"\n"1.4" = "{CONV_14}"\n"1.1" = "h"\n'
    data = submit(autograder, {"answers.toml": answers})
    from symconv.grading.questions import load

    questions = [q for q in load(AIMED).questions if q.kind != "prose"]
    tests = {t["number"]: t for t in data["tests"]}
    assert list(tests) == [q.id for q in questions]  # every question, in file order
    assert tests["1.4"]["status"] == "passed" and tests["1.4"]["score"] == tests["1.4"]["max_score"]
    assert tests["4.1"]["status"] == "failed" and tests["4.1"]["score"] == 0
    unanswered = [t for n, t in tests.items() if n not in ("1.1", "1.4", "4.1")]
    assert all(t["extra_data"]["verdict"] == "unanswered" and t["score"] == 0 for t in unanswered)
    assert data["score"] == sum(t["score"] for t in data["tests"])
    assert "Graded 3 answers" in data["output"]


def test_run_autograder_never_fails_on_a_bad_submission(autograder):
    for files, says in [({"notes.txt": "hello"}, "no answers file"),
                        ({"answers.toml": '4.1 = "unterminated'}, "not valid TOML"),
                        ({"answers.json": "[1, 2]"}, "must map question ids"),
                        ({"answers.toml": b"\xff\xfe"}, "not UTF-8")]:
        data = submit(autograder, files)
        assert data["score"] == 0 and says in data["output"], (files, data["output"])


def test_run_autograder_other_formats_and_unknown_ids(autograder):
    data = submit(autograder, {"work/answers.csv": 'Question,Answer\n4.1,"74,908,800"\n9.9,1\n'})
    assert "9.9" in data["output"] and "no question" in data["output"]
    assert {t["number"] for t in data["tests"]} >= {"4.1"}
    json_data = submit(autograder, {"answers.json": json.dumps({"1.4": CONV_14})})
    assert {t["number"]: t["status"] for t in json_data["tests"]}["1.4"] == "passed"


def test_answers_file_forms():
    assert read_answers_text("answers.toml", '[answers]\n"1.4" = "h"\n')[0] == {"1.4": "h"}
    assert read_answers_text("answers.toml", '4.1 = "x"\n')[0] == {"4.1": "x"}  # dotted key
    answers, notes = read_answers_text("answers.toml", '"1" = [1, 2]\n"2" = 7\n')
    assert answers == {"2": "7"} and "not text" in notes[0]


def test_build_notes_broken_questions_and_template(tmp_path, capsys):
    out = tmp_path / "hw4.zip"
    assert main(["gradescope", "build", str(HW4), "-o", str(out), "--partial-credit", "0.25"]) == 0
    err = capsys.readouterr().err
    assert "question 2e cannot be graded automatically" in err and "Traceback" not in err
    # a reference the grader cannot compare answers with (a sum over indexed tensors) is
    # found at build time, by grading a probe answer, not by the first student
    for qid in ("5a", "5c-max", "5c-avg"):
        assert f"question {qid} cannot be graded automatically: the grader cannot compare " \
            "answers with its expected answer (cannot grade against IndexedBase" in err
    noted = sorted(line.split("question ")[1].split()[0] for line in err.splitlines()
                   if "cannot be graded automatically" in line)
    assert noted == ["2e", "5a", "5c-avg", "5c-max"]  # matrix answers (3b, 3c, 4d-i) grade
    with zipfile.ZipFile(out) as zf:
        config = json.loads(zf.read("symconv-autograder.json"))
        template = zf.read("answers_template.toml").decode()
    assert config["reveal"] is True and config["partial_credit"] == 0.25
    import tomllib

    ids = set(tomllib.loads(template))
    assert "2a" in ids and "3a" not in ids  # prose questions are graded by hand
    marked = [block.splitlines()[0] for block in template.split("\n\n")
              if "not graded by this autograder" in block]
    assert [line.split()[1] for line in marked] == ["2e", "5a", "5c-max", "5c-avg"]
    answers = tmp_path / "answers.toml"
    assert main(["gradescope", "template", str(HW4), "-o", str(answers)]) == 0
    assert answers.read_text() == template


def test_no_reveal_is_kept_in_the_bundle(tmp_path):
    """--no-reveal builds a bundle whose configuration hides expected values."""
    out = tmp_path / "hw4.zip"
    assert main(["gradescope", "build", str(HW4), "-o", str(out), "--no-reveal"]) == 0
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("symconv-autograder.json"))["reveal"] is False


def test_build_errors_are_one_line(tmp_path, capsys):
    assert main(["gradescope", "build", str(tmp_path / "nope.toml"), "-o",
                 str(tmp_path / "a.zip")]) == 2
    assert main(["gradescope", "build", str(AIMED), "-o", str(tmp_path / "no" / "a.zip")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "no such file" in err[0] and "does not exist" in err[1]


def test_run_autograder_with_a_broken_question_file_still_writes_results(autograder):
    """The bundle's question file broken in place: results.json, one staff line, exit 0."""
    questions = autograder / "source" / "questions.toml"
    original = questions.read_bytes()
    try:
        questions.write_text("this is [ not toml", encoding="utf-8")
        results = autograder / "results" / "results.json"
        results.unlink(missing_ok=True)
        proc = subprocess.run([str(autograder / "run_autograder")], env=environment(autograder),
                              capture_output=True, text=True, timeout=300, cwd=autograder)
    finally:
        questions.write_bytes(original)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "source/questions.toml cannot be loaded: not valid TOML" in err[0]
    data = json.loads(results.read_text())
    jsonschema.validate(data, RESULTS_SCHEMA)
    assert data["score"] == 0 and "not in your answers" in data["output"]
    assert data["extra_data"]["error"] in err[0]
