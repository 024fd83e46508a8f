"""Benchmark: what the batch runner itself costs per row, with a grading function that does nothing.

The goal of issue 11 is >= 3,000 rows/s end to end with 20 references on 2 cores, so the
runner (framing, pipes, journal, caches, results in order) must cost well under the
~330 us a row may take in all.  Here ``grade_fn`` returns a fixed verdict at once, so every
microsecond measured is the runner's.  Printed beside the peers on the same rows: a plain
in-process loop (no isolation at all) and ``multiprocessing.Pool.imap`` with the same
chunk size (isolation without time limits, crash handling or a journal).

Usage: ``python benchmarks/batch_overhead.py [--rows N] [--workers W] [--chunk C]``
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symconv.grading.batch import Task, run_batch  # noqa: E402

RESULT = {"verdict": "correct", "feedback": "Correct.", "note": "ATEquiv_true",
          "counterexample": None, "assumption": None, "reason": None, "expected": "h*w",
          "answer": "", "method": "structural", "points": 0}


def trivial(expected, answer, domain):
    return dict(RESULT, answer=answer)


def _pool_row(item):
    return trivial(None, item, None)


def timed(label: str, rows: int, fn) -> float:
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    print(f"  {label:<46} {rows / wall:>10,.0f} rows/s  {wall / rows * 1e6:7.1f} us/row")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=32)
    args = ap.parse_args()
    n = args.rows
    refs = {f"ref{i}": (f"h*w + {i}", {}) for i in range(20)}
    tasks = [Task(i, f"r{i}", f"ref{i % 20}", f"answer {i}") for i in range(n)]  # all distinct
    print(f"{n:,} rows, 20 references, every answer distinct; {args.workers} workers, chunk "
          f"{args.chunk}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    timed("in-process loop (no isolation)", n, lambda: [trivial(None, t.answer, None)
                                                         for t in tasks])
    ctx = mp.get_context("fork")

    def pool() -> None:
        with ctx.Pool(args.workers) as p:
            list(p.imap(_pool_row, (t.answer for t in tasks), chunksize=args.chunk))

    timed("multiprocessing.Pool.imap (no limits)", n, pool)
    timed("run_batch, workers=0", n, lambda: run_batch(tasks, refs, workers=0,
                                                       grade_fn=trivial, progress=False))
    timed("run_batch, forked workers", n, lambda: run_batch(
        tasks, refs, workers=args.workers, chunk=args.chunk, grade_fn=trivial, progress=False))
    with tempfile.TemporaryDirectory() as tmp:
        journal = Path(tmp) / "out.journal"
        timed("run_batch, forked workers + journal (the CLI)", n, lambda: run_batch(
            tasks, refs, workers=args.workers, chunk=args.chunk, grade_fn=trivial,
            progress=False, journal=journal))
        timed("  ... resumed from that complete journal", n, lambda: run_batch(
            tasks, refs, workers=args.workers, grade_fn=trivial, progress=False,
            journal=journal, resume=True))
    repeated = [Task(i, f"r{i}", f"ref{i % 20}", f"answer {i % 50}") for i in range(n)]
    timed("run_batch, 50 distinct answers (cached copies)", n, lambda: run_batch(
        repeated, refs, workers=args.workers, chunk=args.chunk, grade_fn=trivial,
        progress=False))


if __name__ == "__main__":
    main()
