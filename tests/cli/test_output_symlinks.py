"""A symbolic link at any output target is refused in one line, and what it points to is untouched.

Every writer goes through :mod:`symconv.safeio` (or, for a batch, its preflight
in :mod:`symconv.grading.outputs`): ``symconv key -o``, ``symconv grade --out``
(CSV and JSON), ``--journal`` and ``--scores``, ``symconv gradescope build`` and
``template``, the wheel inside a bundle, and results.json inside Gradescope.
The preflight itself never opens a target (it used to append a probe newline
to the journal path, which wrote into whatever a link there pointed to).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from symconv.cli import main

ROOT = Path(__file__).resolve().parents[2]
AIMED = ROOT / "derivations" / "aimed_cnn_2020.toml"
PRECIOUS = "precious contents\n"


def write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def inputs(tmp_path):
    batch = write_csv(tmp_path / "rows.csv", ["id", "expected", "answer"], [("a", "h*w", "w*h")])
    subs = write_csv(tmp_path / "subs.csv", ["student", "question", "answer"],
                     [("ann", "4.1", "74,908,800"), ("bob", "1.4", "C_in K_1 K_2")])
    return {"batch": str(batch), "subs": str(subs), "dir": tmp_path}


#: (name, argv with {out} as the output folder, the output that is a link, run it).
CASES = [
    ("grade --out csv", ["grade", "--batch", "{batch}", "--out", "{out}/r.csv", "--workers", "0",
                         "--no-progress"], "r.csv"),
    ("grade --out json", ["grade", AIMED, "--submissions", "{subs}", "--out", "{out}/r.json",
                          "--workers", "0", "--no-progress"], "r.json"),
    ("grade journal", ["grade", "--batch", "{batch}", "--out", "{out}/r.csv", "--workers", "0",
                       "--no-progress"], "r.csv.journal"),
    ("grade --journal", ["grade", "--batch", "{batch}", "--out", "{out}/r.csv", "--journal",
                         "{out}/j.log", "--workers", "0", "--no-progress"], "j.log"),
    ("grade --scores", ["grade", AIMED, "--submissions", "{subs}", "--out", "{out}/r.csv",
                        "--scores", "{out}/scores.csv", "--workers", "0", "--no-progress"],
     "scores.csv"),
    ("gradescope build", ["gradescope", "build", AIMED, "-o", "{out}/autograder.zip"],
     "autograder.zip"),
    ("gradescope template", ["gradescope", "template", AIMED, "-o", "{out}/answers.toml"],
     "answers.toml"),
    ("key -o", ["key", ROOT / "tests" / "cli" / "corpus" / "files" / "good.toml", "-o", "{out}",
                "--no-torch"], "good.tex"),
]


@pytest.mark.parametrize("argv, link", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
def test_a_symlink_at_an_output_is_refused_in_one_line(inputs, tmp_path, capsys, argv, link,
                                                       dangling):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    if not dangling:
        victim.write_text(PRECIOUS, encoding="utf-8")
    (out / link).symlink_to(victim)
    before = sorted(p.name for p in out.iterdir())
    filled = [str(a).replace("{out}", str(out)).replace("{batch}", inputs["batch"])
              .replace("{subs}", inputs["subs"]) for a in argv]
    status = main(filled)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2, err
    assert len(err) == 1 and "symbolic link" in err[0] and "Traceback" not in err[0], err
    assert str(out / link) in err[0]
    if dangling:
        assert not victim.exists()  # nothing created where the link points
    else:
        assert victim.read_text(encoding="utf-8") == PRECIOUS
    assert (out / link).is_symlink() and os.readlink(out / link) == str(victim)
    # nothing else was written next to it (no results, journal or temporary file left behind)
    assert sorted(p.name for p in out.iterdir()) == before


def test_preflight_never_opens_an_existing_target(tmp_path):
    """The old preflight appended a probe newline to the journal; now no byte of a target moves."""
    from symconv.grading.outputs import preflight

    journal, results = tmp_path / "r.csv.journal", tmp_path / "r.csv"
    journal.write_bytes(b'{"index": 0}')  # a journal cut short: a newline would change it
    results.write_bytes(b"old results")
    stamps = {p: p.stat().st_mtime_ns for p in (journal, results)}
    os.utime(journal, ns=(1, 1))
    os.utime(results, ns=(1, 1))
    preflight([results, journal], rows=10)
    assert journal.read_bytes() == b'{"index": 0}' and results.read_bytes() == b"old results"
    assert journal.stat().st_mtime_ns == 1 and results.stat().st_mtime_ns == 1, stamps
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.csv.journal"]


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_preflight_refuses_what_is_not_a_file(tmp_path, kind):
    """A FIFO or a device at the target: atomic replacement would swap it for a file."""
    from symconv.grading.outputs import OutputError, preflight

    target = tmp_path / "r.csv"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target = Path("/dev/null")
    with pytest.raises(OutputError, match="not a regular file"):
        preflight([target], rows=1)


def test_the_journal_is_neither_read_nor_written_through_a_link(tmp_path):
    from symconv.grading.batch import BatchStopped, Task, run_batch
    from symconv.grading.journal import Journal

    victim = tmp_path / "victim.txt"
    victim.write_text('{"index": 0, "key": "a", "hash": "x", "result": {"verdict": "correct"}}\n')
    link = tmp_path / "j.log"
    link.symlink_to(victim)
    done, notes = Journal(link).read({0: ("a", "x")})
    assert done == {} and "symbolic link" in notes[0]  # the link's target is not read
    with pytest.raises(BatchStopped, match="symbolic link") as stopped:
        run_batch([Task(0, "a", "r", "h", None)], {"r": ("h", {})}, workers=0, journal=link,
                  progress=False)
    assert "\n" not in str(stopped.value)
    assert victim.read_text().count("\n") == 1


def test_gradescope_results_json_is_not_written_through_a_link(tmp_path, capsys):
    """Inside Gradescope: a link at results/results.json is refused, exit non-zero, one line."""
    base = tmp_path / "autograder"
    (base / "results").mkdir(parents=True)
    (base / "submission").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text(PRECIOUS)
    (base / "results" / "results.json").symlink_to(victim)
    assert main(["gradescope", "run", "--root", str(base)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "symbolic link" in err[0] and "results.json" in err[0]
    assert victim.read_text() == PRECIOUS


def test_the_wheel_is_not_written_through_a_link(tmp_path):
    from symconv import __version__
    from symconv.grading.wheel import build_wheel
    from symconv.safeio import UnsafeOutput

    victim = tmp_path / "victim.txt"
    victim.write_text(PRECIOUS)
    (tmp_path / f"symconv-{__version__}-py3-none-any.whl").symlink_to(victim)
    with pytest.raises(UnsafeOutput, match="symbolic link"):
        build_wheel(tmp_path)
    assert victim.read_text() == PRECIOUS


def test_outputs_still_written_where_there_is_no_link(inputs, tmp_path):
    """The same commands, no link: every output appears (the refusals above are not blanket)."""
    out = tmp_path / "out"
    out.mkdir()
    assert main(["grade", str(AIMED), "--submissions", inputs["subs"], "--out",
                 str(out / "r.json"), "--scores", str(out / "scores.csv"), "--workers", "0",
                 "--no-progress"]) == 0
    assert json.loads((out / "r.json").read_text())
    assert (out / "scores.csv").read_text().startswith("student")
    assert not (out / "r.json.journal").exists()
    assert main(["gradescope", "template", str(AIMED), "-o", str(out / "answers.toml")]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["answers.toml", "r.json", "scores.csv"]
