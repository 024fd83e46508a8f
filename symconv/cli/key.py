"""``symconv key FILE.toml [FILE ...] -o OUTDIR``: answer keys from question files.

Writes ``OUTDIR/<name>.tex`` (a complete LaTeX document) per question file,
or ``<name>.md`` with ``--format md`` (Markdown with MathJax math).  ``--pdf``
also runs pdflatex.  ``--seed N`` draws new numbers for every question and
writes a question sheet and its key (``<name>-seedN-sheet`` / ``-key``).
Every numeric answer is checked (explicit loops; torch when installed); a
failed check names its question and makes the exit status 1.

Examples
--------
>>> import tempfile
>>> from symconv.cli import main
>>> main(["key", "no/such.toml", "-o", tempfile.mkdtemp()])
2
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from symconv.cli import UsageError, seed
from symconv.keys.pdf import compile_pdf
from symconv.safeio import write_text


def register(sub: Any) -> None:
    p = sub.add_parser("key", help="answer keys (LaTeX/PDF/Markdown) from question files",
                       description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("files", nargs="+", metavar="FILE.toml", help="question files")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output directory")
    p.add_argument("--format", choices=("tex", "md"), default="tex", help="output format")
    p.add_argument("--pdf", action="store_true", help="also compile each .tex with pdflatex")
    p.add_argument("--seed", type=seed, default=None,
                   help="draw new numbers: write a question sheet and its key")
    p.add_argument("--no-torch", action="store_true",
                   help="skip the torch checks even when torch is installed")
    p.add_argument("--math-delimiters", choices=("dollars", "brackets"), default="dollars",
                   help="Markdown math as $...$/$$...$$ or \\(...\\)/\\[...\\] (LMS pages)")
    p.add_argument("--raw-math", action="store_true",
                   help="Markdown math as plain TeX, for readers that typeset math before "
                        "Markdown (pandoc, Jupyter); by default it is protected from Markdown")
    p.set_defaults(func=run)


def _write(outdir: Path, stem: str, assignment: Any, solutions: Any, fmt: str,
           variant: str, args: argparse.Namespace | None = None) -> Path:
    if fmt == "md":
        from symconv.keys.markdown import MarkdownOptions
        from symconv.keys.markdown import document as md_document

        options = MarkdownOptions(delimiters=getattr(args, "math_delimiters", "dollars"),
                                  protect=not getattr(args, "raw_math", False))
        path = write_text(outdir / f"{stem}.md",
                          md_document(assignment, solutions, variant, options))
    else:
        from symconv.keys.latex import document

        path = write_text(outdir / f"{stem}.tex", document(assignment, solutions, variant))
    return path


def run(args: argparse.Namespace) -> int:
    from symconv.keys.build import torch_available
    from symconv.keys.questions import load_assignment

    outdir = Path(args.output)
    if args.pdf and args.format != "tex":
        raise UsageError("--pdf works with --format tex")
    if args.pdf and shutil.which("pdflatex") is None:
        raise UsageError("--pdf needs pdflatex (apt-get install texlive-latex-recommended)")
    assignments = [load_assignment(f) for f in args.files]  # all errors before any output
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"-o {outdir}: exists and is not a directory")
    outdir.mkdir(parents=True, exist_ok=True)
    use_torch = not args.no_torch and torch_available()
    # One file after another: worker processes were measured slower (spawn re-imports
    # everything; fork can deadlock in a process with threads, e.g. after torch).
    results = [_one_file(a, args, use_torch) for a in assignments]
    failed = 0
    for summary, failures in results:
        print(summary)
        for line in failures:
            print(line, file=sys.stderr)
        failed += len(failures)
    return 1 if failed else 0


def _one_file(assignment: Any, args: argparse.Namespace, use_torch: bool) -> tuple[str, list[str]]:
    """Derive, check, write (and compile) one question file: (summary line, failures)."""
    from symconv.keys.build import build_key
    from symconv.keys.variants import variant_assignment

    outdir = Path(args.output)
    stem, variant = assignment.name, ""
    if args.seed is not None:
        assignment = variant_assignment(assignment, args.seed)
        variant = f"variant {args.seed}"
        stem = f"{assignment.name}-seed{args.seed}"
    key = build_key(assignment, use_torch=use_torch)
    written = []
    if args.seed is not None:
        written.append(_write(outdir, stem + "-sheet", assignment, None, args.format, variant,
                              args))
        written.append(_write(outdir, stem + "-key", assignment, key.solutions, args.format,
                              variant, args))
    else:
        written.append(_write(outdir, stem, assignment, key.solutions, args.format, "", args))
    if args.pdf:
        written = [compile_pdf(p, source=assignment.path) for p in written]
    n_checks = len(key.checks)
    why = "--no-torch" if args.no_torch else "torch is not installed"
    torch_note = "" if use_torch else f" (torch checks skipped: {why})"
    from symconv.keys.build import all_checks

    prose = [q.id for q in assignment.questions if q.kind == "prose"]
    unchecked = [q.id for q in assignment.questions
                 if q.kind != "prose" and not all_checks(key.solutions[q.id])]
    coverage = f"; no check for {', '.join(unchecked)}" if unchecked else (
        "; every derived question checked")
    summary = (f"{', '.join(str(p) for p in written)}: {len(assignment.questions)} questions "
               f"({len(prose)} prose), {n_checks - len(key.failures)}/{n_checks} checks "
               f"passed{coverage}{torch_note}")
    failures = [f"symconv key: FAILED check in {assignment.path}, question {qid!r}: "
                f"{check.name} ({check.oracle}): expected {check.expected}, "
                f"observed {check.observed}" for qid, check in key.failures]
    return summary, failures
