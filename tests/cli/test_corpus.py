"""Every CLI sub-command over a corpus of nonsense: one clean line, non-zero exit, fast.

The corpus (``tests/cli/corpus``: malformed question files and nonsense
command lines, written by ``corpus/generate.py``) runs in-process through
``symconv.cli.main`` with captured output; a sample also runs as real
processes to check the exit status and that no traceback is printed.  A
case fails on any traceback, any exit status 0 (or the bug status 70), any
stderr other than one ``symconv ...: error: ...`` line naming what the case
expects (the file, question and field), or any run over 10 s.  The counts
are printed at the end of the run (``tests/cli/conftest.py``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symconv.cli import BUG_STATUS, main

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
SECONDS = 10.0

#: Outcomes by case id, for the summary (tests/cli/conftest.py prints the counts).
OUTCOMES: dict[str, str] = {}


class CaseTimeout(BaseException):
    """A case ran past its limit (BaseException: the CLI's handlers must not swallow it)."""


def generator():
    """``corpus/generate.py`` as a module (tests/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpus_generate", CORPUS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("corpus")
    big = base / "big"
    big.mkdir()
    generator().big_files(big)
    directory = base / "a-directory.toml"
    directory.mkdir()
    regular = base / "regular-file.csv"
    regular.write_text("not,the,columns\n1,2,3\n", encoding="utf-8")
    return {"files": str(CORPUS / "files"), "big": str(big), "dir": str(directory),
            "file": str(regular), "ro": unwritable_folder(base),
            "good": str(CORPUS / "files" / "good.toml"),
            "net_file": str(CORPUS / "files" / "good-net.toml"),
            "good_net": str(CORPUS / "files" / "good-net.toml")}


def _refuses_new_files(folder: Path) -> bool:
    """Whether creating a file (and a folder) in ``folder`` fails, as it must for ``{ro}``."""
    probe = folder / "symconv-write-probe"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass
    else:
        probe.unlink()
        return False
    try:
        probe.mkdir()
    except OSError:
        return True
    probe.rmdir()
    return False


def unwritable_folder(base: Path) -> str:
    """A folder this process cannot write into, for the read-only ``-o`` case.

    A ``chmod 0o500`` folder is read-only for a user, but root ignores permission
    bits (CI runs as root), so root gets a folder the kernel refuses new entries in
    whoever asks: sysfs's root, ``/sys`` (no file or folder can be created there:
    EPERM, or EROFS where it is mounted read-only).  Whichever is used is checked
    to really refuse a new file, so the case always runs and always means what it
    says; it is never skipped.
    """
    read_only = base / "read-only"
    read_only.mkdir()
    read_only.chmod(0o500)
    for folder in (read_only, Path("/sys")):
        if folder.is_dir() and _refuses_new_files(folder):
            return str(folder)
    raise AssertionError("no unwritable folder found for the read-only case (neither a "
                         "chmod 0o500 folder nor /sys refuses a new file here)")


def fill(text: str, places: dict[str, str], out: str) -> str:
    for key, value in {**places, "out": out}.items():
        text = text.replace("{" + key + "}", value)
    return text


def run_in_process(argv: list[str]) -> tuple[int, str, str, float]:
    def expire(signum, frame):
        raise CaseTimeout

    stdout, stderr = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(argv)
    except CaseTimeout:
        status = -1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return status, stdout.getvalue(), stderr.getvalue(), time.perf_counter() - start


def judge(status: int, stderr: str, seconds: float, expect: list[str]) -> str:
    """'clean' or what is wrong with the run."""
    if status == -1 or seconds > SECONDS:
        return f"slow: over {SECONDS:g} s"
    if "Traceback" in stderr:
        return "traceback"
    if status == 0:
        return "exit 0 for nonsense"
    if status == BUG_STATUS:
        return "bug fallback: " + stderr.strip()
    lines = stderr.strip().splitlines()
    if len(lines) != 1 or ": error: " not in lines[0] or not lines[0].startswith("symconv"):
        return f"not one error line: {stderr.strip()[:300]!r}"
    missing = [e for e in expect if e not in lines[0]]
    if missing:
        return f"message lacks {missing}: {lines[0][:300]}"
    return "clean"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_fails_cleanly(case, places, tmp_path):
    out = str(tmp_path / "out")
    argv = [fill(a, places, out) for a in case["argv"]]
    expect = [fill(e, places, out) for e in case["expect"]]
    status, _, stderr, seconds = run_in_process(argv)
    verdict = judge(status, stderr, seconds, expect)
    OUTCOMES[case["id"]] = verdict if verdict == "clean" else verdict.split(":")[0]
    assert verdict == "clean", f"{case['id']}: status {status}, {seconds:.1f} s: {verdict}"


#: Cases also run as real processes (a mix of sub-commands and kinds of mistake).
SAMPLE = ["key:values-h-negative", "key:where-nested_powers", "key:function-huge_source",
          "key:utf8-invalid", "key:network-nested-200", "net:network-nested-200",
          "key:text-input", "grade:values-h-fraction", "cli:layer-groups-zero",
          "cli:layer-set-negative", "cli:net-directory", "cli:key-seed-400-digits",
          "cli:key-output-is-file", "cli:grade-sig-figs-negative", "cli:grade-time-limit-nan",
          "cli:no-command", "key:toml-deep-arrays", "key:huge-file",
          "cli:gradescope-time-limit-nan", "cli:gradescope-run-missing-root"]


@pytest.mark.parametrize("case_id", SAMPLE)
def test_real_process_exit_status_and_no_traceback(case_id, places, tmp_path):
    case = next(c for c in CASES if c["id"] == case_id)
    out = str(tmp_path / "out")
    argv = [fill(a, places, out) for a in case["argv"]]
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "symconv", *argv], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "SYMCONV_DEBUG": ""})
    seconds = time.perf_counter() - start
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0], proc.stderr
    assert seconds < SECONDS + 5  # a fresh interpreter imports sympy first


def test_a_bug_is_one_line_with_an_id(monkeypatch, capsys):
    from symconv.cli import build_parser

    def broken(args):
        raise KeyError("oops")

    def parser_with_a_bug(*only):
        parser = build_parser(*only)
        layer = parser._subparsers._group_actions[0].choices["layer"]  # type: ignore[union-attr]
        layer.set_defaults(func=broken)
        return parser

    monkeypatch.setattr("symconv.cli.build_parser", parser_with_a_bug)
    monkeypatch.delenv("SYMCONV_DEBUG", raising=False)
    argv = ["layer", "conv2d", "--input", "3,8,8"]
    assert main(argv) == BUG_STATUS
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bug in symconv, id " in err[0] and "KeyError" in err[0]
    assert "Traceback" not in err[0] and "/" not in err[0]
    monkeypatch.setenv("SYMCONV_DEBUG", "1")
    assert main(argv) == BUG_STATUS
    assert "Traceback" in capsys.readouterr().err


def test_corpus_is_what_the_generator_writes(tmp_path):
    """The committed corpus is exactly the generator's output (no stale or hand-edited case)."""
    generate = generator()
    generate.build(write=False)
    assert generate.CASES == CASES
    committed = {p.name for p in (CORPUS / "files").iterdir()}
    expected = {c["expect"][0].split("/")[-1] for c in generate.CASES
                if not c["id"].startswith("cli:") and c["expect"][0].startswith("{files}/")}
    assert expected <= committed
    assert len(set(generate._names)) >= 150
    assert sum(1 for c in CASES if c["id"].startswith("cli:")) >= 150
