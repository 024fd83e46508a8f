"""Batch grading: one output row per input row, killed hangs, memory limits, resume, CLI."""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.grading.batch import Task, grade_row, run_batch

ROOT = Path(__file__).resolve().parents[2]
REFS = {"out": ("floor((h - k)/s) + 1", {}), "macs": ("c_i*c_o*k^2*h*w", {})}


def tasks(answers, ref="out"):
    return [Task(i, f"r{i}", ref, a) for i, a in enumerate(answers)]


def hanging(expected, answer, domain):
    """A grading function that, for one answer, hangs in C bignum code or dies."""
    if answer == "HANG":
        _ = 10 ** (10 ** 10)  # C-level: no Python signal handler can interrupt it
    if answer == "ALLOC":
        _ = bytearray(8 * 2**30)  # beyond the worker's address-space limit
    if answer == "DIE":
        os._exit(3)
    return grade_row(expected, answer, domain)


def test_parallel_results_match_in_process():
    answers = ["ceil((h-k+1)/s)", "(h-k)/s+1", "h-k", "__import__('os')", "floor((h-k)/s)+1"] * 6
    serial = run_batch(tasks(answers), REFS, workers=0)
    parallel = run_batch(tasks(answers), REFS, workers=2, chunk=4)
    assert [r["verdict"] for r in parallel] == [r["verdict"] for r in serial]
    assert [r["verdict"] for r in serial[:5]] == ["correct", "partial", "incorrect", "invalid",
                                                  "correct"]


def test_a_hung_worker_is_killed_and_its_neighbours_still_graded():
    answers = ["h-k", "HANG", "ceil((h-k+1)/s)", "DIE", "floor((h-k)/s)+1", "ALLOC", "h"]
    start = time.monotonic()
    out = run_batch(tasks(answers), REFS, workers=2, time_limit=1.5, memory_limit_mb=300,
                    chunk=2, grade_fn=hanging)
    assert time.monotonic() - start < 20
    assert len(out) == len(answers)
    verdicts = [r["verdict"] for r in out]
    assert verdicts[0] == "incorrect" and verdicts[2] == "correct" and verdicts[4] == "correct"
    assert out[1]["note"] == "ATInvalid_time_limit"
    assert out[3]["note"] == "ATInvalid_crashed"
    assert out[5]["note"] in ("ATInvalid_memory_limit", "ATInvalid_crashed")
    assert verdicts[6] == "incorrect"


def test_resume_grades_only_what_is_missing(tmp_path):
    journal = tmp_path / "out.journal"
    answers = ["h-k", "ceil((h-k+1)/s)", "(h-k)/s+1", "floor((h-k)/s)+1"]
    first = run_batch(tasks(answers[:2]), REFS, workers=0, journal=journal)
    assert len(journal.read_text().splitlines()) == 2
    calls = []

    def counting(expected, answer, domain):
        calls.append(answer)
        return grade_row(expected, answer, domain)

    with open(journal, "a") as fh:
        fh.write('{"index": 3, "key": "r3", "res')  # a line cut by the interruption
    out = run_batch(tasks(answers), REFS, workers=0, journal=journal, resume=True,
                    grade_fn=counting)
    assert calls == answers[2:]
    assert out[:2] == first
    assert [r["verdict"] for r in out] == ["incorrect", "correct", "partial", "correct"]


def test_bad_reference_is_reported_per_row():
    out = run_batch(tasks(["h"], ref="bad"), {"bad": ("floor(", {})}, workers=0)
    assert out[0]["verdict"] == "invalid" and out[0]["note"] == "ATInvalid_reference"


# -- the CLI --------------------------------------------------------------------------------
def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_cli_batch(tmp_path, capsys):
    rows = [("a", "floor((h - k)/s) + 1", "ceil((h-k+1)/s)"),
            ("b", "floor((h - k)/s) + 1", "(h-k)/s + 1"),
            ("c", "c_i*c_o*k^2", "c_o k^2"),
            ("d", "h*w", "9**9**9**9"),
            ("e", "c_i*c_o*k^2", "73,728", "c_i=64; c_o=128; k=3"),
            ("f", "floor(h/s)", "h/s", "", "Mod(h, s) = 0")]
    src, out = tmp_path / "rows.csv", tmp_path / "results.csv"
    write_csv(src, ["id", "expected", "answer", "domain", "conditions"],
              [r + ("",) * (5 - len(r)) for r in rows])
    assert main(["grade", "--batch", str(src), "--out", str(out), "--workers", "2"]) == 0
    with open(out, newline="") as fh:
        got = list(csv.DictReader(fh))
    assert [g["id"] for g in got] == ["a", "b", "c", "d", "e", "f"]
    assert [g["verdict"] for g in got] == ["correct", "partial", "incorrect", "invalid",
                                           "correct", "correct"]
    assert json.loads(got[2]["counterexample"])["expected"] != \
        json.loads(got[2]["counterexample"])["got"]
    assert not Path(str(out) + ".journal").exists()
    assert "graded 6 rows" in capsys.readouterr().err


def test_cli_single_json(capsys):
    code = main(["grade", "--expected", "floor((h-k)/s)+1", "--answer", "(h-k)/s+1", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["verdict"] == "partial" and "s divides" in data["assumption"]


def test_cli_set_and_domain(capsys):
    assert main(["grade", "--expected", "floor((h-k)/s)+1", "--answer", "h-k+1",
                 "--set", "s=1"]) == 0
    assert main(["grade", "--expected", "floor((h-k)/s)+1", "--answer", "h-k+1",
                 "--domain", "s=2..3"]) == 1


def test_cli_question_and_submissions(tmp_path, capsys):
    toml = str(ROOT / "derivations" / "aimed_cnn_2020.toml")
    assert main(["grade", toml, "4.1", "--answer", "74,908,800"]) == 1
    assert "C_in" in capsys.readouterr().out
    subs = tmp_path / "subs.csv"
    write_csv(subs, ["student", "question", "answer"], [
        ("ann", "4.1", "74,908,800"), ("ann", "1.4",
                                       "C_in C_out K_1 K_2 (floor((H+2P-K_2)/S)+1)(floor((W+2P-K_1)/S)+1)"),
        ("bob", "4.1", "4 831 838 208"), ("bob", "1.4", "__import__('os')")])
    out = tmp_path / "results.json"
    assert main(["grade", toml, "--submissions", str(subs), "--out", str(out)]) == 0
    data = json.loads(out.read_text())["submissions"]
    assert data["ann"]["score"] == 1.0 and data["bob"]["score"] == 1.0
    assert data["ann"]["tests"][0]["status"] == "failed"
    assert data["bob"]["tests"][1]["extra_data"]["verdict"] == "invalid"
    csv_out = tmp_path / "results.csv"
    assert main(["grade", toml, "--submissions", str(subs), "--out", str(csv_out)]) == 0
    with open(csv_out, newline="") as fh:
        assert [r["verdict"] for r in csv.DictReader(fh)] == ["incorrect", "correct", "correct",
                                                               "invalid"]


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["grade", "--answer", "h"]) == 2
    bad = tmp_path / "bad.csv"
    write_csv(bad, ["id", "answer"], [("a", "h")])
    assert main(["grade", "--batch", str(bad), "--out", str(tmp_path / "o.csv")]) == 2
    assert "missing column" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--batch", "--submissions"])
def test_cli_batch_needs_out(tmp_path, flag):
    src = tmp_path / "x.csv"
    write_csv(src, ["id", "expected", "answer", "student", "question"], [])
    args = ["grade", str(ROOT / "derivations" / "aimed_cnn_2020.toml")] if flag == "--submissions" \
        else ["grade"]
    assert main(args + [flag, str(src)]) == 2
