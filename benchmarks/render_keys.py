"""Time the answer keys of the five bundled question files.

Prints, per file and in total: loading, deriving + checking (explicit loops;
torch checks excluded), and rendering the solutions to a LaTeX document
(pdflatex excluded).  The budget for rendering all five files is 3 s.

Run: ``python benchmarks/render_keys.py``
"""

from __future__ import annotations

import glob
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symconv.keys.build import build_key  # noqa: E402
from symconv.keys.latex import document  # noqa: E402
from symconv.keys.markdown import document as md_document  # noqa: E402
from symconv.keys.questions import load_assignment  # noqa: E402

BUDGET_S = 3.0


def main() -> int:
    files = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))
    totals = {"load": 0.0, "derive": 0.0, "tex": 0.0, "md": 0.0}
    print(f"{'file':<24}{'load':>8}{'derive+check':>14}{'render .tex':>13}{'render .md':>12}")
    for f in files:
        t0 = time.perf_counter()
        assignment = load_assignment(f)
        t1 = time.perf_counter()
        key = build_key(assignment, use_torch=False)
        t2 = time.perf_counter()
        document(assignment, key.solutions)
        t3 = time.perf_counter()
        md_document(assignment, key.solutions)
        t4 = time.perf_counter()
        for name, dt in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            totals[name] += dt
        print(f"{Path(f).stem:<24}{t1 - t0:>7.2f}s{t2 - t1:>13.2f}s{t3 - t2:>12.2f}s"
              f"{t4 - t3:>11.2f}s")
    print(f"{'total':<24}{totals['load']:>7.2f}s{totals['derive']:>13.2f}s"
          f"{totals['tex']:>12.2f}s{totals['md']:>11.2f}s")
    end_to_end = _cli_seconds()
    print(f"end to end, `symconv key derivations/*.toml -o DIR --no-torch` (a fresh process: "
          f"imports, loading, deriving, explicit-loop checks, .tex files): {end_to_end:.2f} s")
    verdict = "within" if totals["tex"] <= BUDGET_S else "OVER"
    print(f"rendering all five keys to .tex: {totals['tex']:.2f} s ({verdict} the {BUDGET_S:.0f} s "
          "budget; pdflatex excluded)")
    return 0 if totals["tex"] <= BUDGET_S else 1


def _cli_seconds() -> float:
    with tempfile.TemporaryDirectory() as out:
        files = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "symconv", "key", *files, "-o", out, "--no-torch"],
                       check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
