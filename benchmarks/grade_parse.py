"""Benchmark: reading answers (normalise, tokenise, parse, canonical text) and grading
the refs-mode rows in-process, in CPU time.

The answers are those of ``grade_diverse.py --mode refs`` (fresh renderings of equivalent
rewrites and near misses, 2 % hostile); each distinct (answer, question names) pair is
read once per pass, as the parsed-answer cache would.  Printed: microseconds of CPU per
answer for :func:`symconv.grading.parser.parse` plus its canonical text, beside SymPy's
``parse_expr`` on the same texts where it can read them (``^`` as power; it evaluates
what it reads, so it is a speed yardstick only, never a safe grader), then milliseconds
of CPU per row for ``symconv.grade`` over the rows in one process (caches as a batch
worker has them), with the load average beside each figure.

Usage: ``python benchmarks/grade_parse.py [--rows N] [--passes P] [--seed S]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import grade_diverse as GD  # noqa: E402

from symconv.cli.grade import row_domain  # noqa: E402
from symconv.grading import api  # noqa: E402
from symconv.grading import nodes as N  # noqa: E402
from symconv.grading.limits import DEFAULT_LIMITS, InvalidAnswer  # noqa: E402
from symconv.grading.parser import parse  # noqa: E402


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows, _ = GD.generate("refs", args.rows, args.seed, labelled=False)
    pairs = []
    for r in rows:
        ref = api.reference(r["expected"], row_domain(r["domain"]))
        pairs.append((r["answer"], ref.known, DEFAULT_LIMITS.at_least(ref.needs())))
    pairs = list(dict.fromkeys(pairs))

    def read_all() -> int:
        read = 0
        for text, known, limits in pairs:
            try:
                N.to_text(parse(text, known, limits))
                read += 1
            except InvalidAnswer:
                pass
        return read

    best, read = min((_timed(read_all) for _ in range(args.passes)), key=lambda t: t[0])
    print(f"symconv parse + canonical text: {best / len(pairs) * 1e6:.0f} µs CPU per answer "
          f"({len(pairs):,} distinct answers, {read:,} read; {_load()})")
    # never the hostile rows: parse_expr would run them
    benign = list(dict.fromkeys(r["answer"] for r in rows if r["label"] != "hostile"))
    print(f"sympy parse_expr on the same texts: {_sympy(benign) * 1e6:.0f} µs CPU per answer "
          f"(unsafe: it evaluates; {_load()})")
    api.clear_caches()
    start = time.process_time()
    for r in rows:
        api.grade(r["expected"], r["answer"], **row_domain(r["domain"]))
    spent = time.process_time() - start
    print(f"symconv.grade in-process, refs mode: {spent / len(rows) * 1000:.2f} ms CPU per "
          f"row ({len(rows):,} rows, references prepared once; {_load()})")


def _timed(run: Callable[[], int]) -> tuple[float, int]:
    start = time.process_time()
    out = run()
    return time.process_time() - start, out


def _sympy(answers: list[str]) -> float:
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    transformations = standard_transformations + (implicit_multiplication_application,
                                                  convert_xor)
    texts = [t for t in answers if t.isascii() and "\\" not in t][:500]
    start = time.process_time()
    for text in texts:
        try:
            parse_expr(text, transformations=transformations, evaluate=False)
        except Exception:  # noqa: BLE001, S112 - a yardstick: what it cannot read is skipped
            continue
    return (time.process_time() - start) / max(len(texts), 1)


if __name__ == "__main__":
    main()
