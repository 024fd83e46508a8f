"""Time a whole class: per-student keys and per-student grading references.

For N students (default 30) of each bundled file with varied questions,
prints the time to draw their variants, to derive and check their keys
(explicit loops; torch excluded) — as ``symconv key --students`` does it
(a question no variant changes is solved once, students with the same
numbers share a solution) beside the peer: ``build_key`` on every student's
whole assignment — and the time to build their grading references
(``symconv grade --per-student``: the file's formula with each student's
numbers) beside the peer: ``question_reference`` derived per student.

Run: ``python benchmarks/class_variants.py [N]``
"""

from __future__ import annotations

import glob
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symconv.cli.key import KeyCache  # noqa: E402
from symconv.grading.questions import question_reference  # noqa: E402
from symconv.keys.build import build_key  # noqa: E402
from symconv.keys.questions import QuestionFileError, load_assignment  # noqa: E402
from symconv.keys.roster import StudentVariants, student_variant  # noqa: E402
from symconv.keys.variants import vary_spec  # noqa: E402

SALT = "benchmark"


def _gradable(a) -> list[str]:
    out = []
    for q in a.questions:
        try:
            question_reference(a, q.id)
        except (QuestionFileError, ValueError, TypeError):
            continue
        out.append(q.id)
    return out


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    students = [f"s{i:04d}" for i in range(n)]
    print(f"{n} students per file")
    print(f"{'file':<18}{'draw':>8}{'keys':>9}{'peer keys':>11}{'refs':>9}{'peer refs':>11}")
    for f in sorted(glob.glob(str(ROOT / "derivations" / "*.toml"))):
        a = load_assignment(f)
        if not any(vary_spec(q).choices for q in a.questions):
            continue
        t0 = time.perf_counter()
        variants = [student_variant(a, s, SALT) for s in students]
        t1 = time.perf_counter()
        cache = KeyCache(use_torch=False)
        for v in variants:
            cache.key(v)
        t2 = time.perf_counter()
        for v in variants[:max(1, n // 10)]:  # the peer is slow: a tenth, scaled up
            build_key(v, use_torch=False)
        t3 = time.perf_counter()
        peer_keys = (t3 - t2) * n / max(1, n // 10)
        qids = _gradable(a)
        sv = StudentVariants(a, SALT)
        t4 = time.perf_counter()
        for s in students:
            for qid in qids:
                sv.reference(s, qid)
        t5 = time.perf_counter()
        for s in students[:max(1, n // 10)]:
            for qid in qids:
                q = sv.question(s, qid)
                question_reference(replace(a, questions=(q,)), qid)
        t6 = time.perf_counter()
        peer_refs = (t6 - t5) * n / max(1, n // 10)
        print(f"{Path(f).stem:<18}{t1 - t0:>7.2f}s{t2 - t1:>8.2f}s{peer_keys:>10.2f}s"
              f"{t5 - t4:>8.2f}s{peer_refs:>10.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
