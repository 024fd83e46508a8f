"""Run the CLI corpus (tests/cli/corpus) and print its counts and timings.

Every case is a malformed question file or a nonsense command line; each
must end in one error line with a non-zero exit, fast.  Prints the counts
the issue asks for (cases, clean errors, tracebacks, exit-0-for-nonsense)
and the per-case times in-process (median, 95th percentile, slowest).

    .venv/bin/python benchmarks/cli_corpus.py
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "cli" / "corpus"


def main() -> int:
    sys.path.insert(0, str(CORPUS))
    import generate  # type: ignore[import-not-found]

    from symconv.cli import BUG_STATUS
    from symconv.cli import main as cli

    cases = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
    base = Path(tempfile.mkdtemp(prefix="symconv-corpus-"))
    (base / "big").mkdir()
    generate.big_files(base / "big")
    (base / "a-directory.toml").mkdir()
    (base / "regular-file.csv").write_text("not,the,columns\n1,2,3\n", encoding="utf-8")
    places = {"files": str(CORPUS / "files"), "big": str(base / "big"),
              "dir": str(base / "a-directory.toml"), "file": str(base / "regular-file.csv"),
              "ro": str(base / "read-only"), "good": str(CORPUS / "files" / "good.toml"),
              "net_file": str(CORPUS / "files" / "good-net.toml")}
    counts: collections.Counter[str] = collections.Counter()
    times: list[tuple[float, str]] = []
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    for i, case in enumerate(cases):
        if "{ro}" in json.dumps(case["argv"]) and root:
            counts["skipped (root)"] += 1
            continue
        out = str(base / f"out{i}")
        argv = []
        for arg in case["argv"]:
            for key, value in {**places, "out": out}.items():
                arg = arg.replace("{" + key + "}", value)
            argv.append(arg)
        err = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = cli(argv)
        seconds = time.perf_counter() - start
        times.append((seconds, case["id"]))
        text = err.getvalue()
        lines = text.strip().splitlines()
        if "Traceback" in text:
            counts["traceback"] += 1
        elif status == 0:
            counts["exit 0 for nonsense"] += 1
        elif status == BUG_STATUS:
            counts["bug fallback"] += 1
        elif len(lines) == 1 and ": error: " in lines[0]:
            counts["clean one-line error"] += 1
        else:
            counts["other"] += 1
    files = sum(1 for c in cases if not c["id"].startswith("cli:"))
    print(f"corpus: {len(generate._names)} malformed question files ({files} runs of key/net/"
          f"grade on them), {len(cases) - files} nonsense command lines, {len(cases)} cases")
    for key in ("clean one-line error", "traceback", "exit 0 for nonsense", "bug fallback",
                "other", "skipped (root)"):
        print(f"  {key}: {counts.get(key, 0)}")
    seconds = sorted(t for t, _ in times)
    slowest = max(times)
    print(f"per case in-process: median {statistics.median(seconds) * 1000:.0f} ms, "
          f"95th percentile {seconds[int(0.95 * (len(seconds) - 1))] * 1000:.0f} ms, slowest "
          f"{slowest[0]:.2f} s ({slowest[1]}); limit 10 s")
    bad = sum(v for k, v in counts.items() if k not in ("clean one-line error", "skipped (root)"))
    return 1 if bad or slowest[0] > 10 else 0


if __name__ == "__main__":
    sys.exit(main())
