"""``symconv key FILE.toml [FILE ...] -o OUTDIR``: answer keys and question sheets.

Writes ``OUTDIR/<name>.tex`` (a complete LaTeX document) per question file,
``<name>.md`` with ``--format md`` (Markdown with MathJax math) or
``<name>.json`` with ``--format json`` (a machine-readable key); ``--pdf``
also runs pdflatex.  ``--sheet`` writes the question sheet instead of the
key.  ``--seed N`` draws new numbers (where the file's ``vary`` tables allow)
and writes a sheet and its key (``<name>-seedN-sheet`` / ``-key``).
``--students roster.csv`` (or ``--student ID``) writes, for each student,
``OUTDIR/<student>/<name>-sheet`` and ``-key`` with the student's own
numbers, drawn from a hash keyed with the instructor's secret (``--salt`` or
``[assignment] salt``), plus ``OUTDIR/<name>-variants.csv`` listing them.
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
import csv
import json
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from symconv.cli import UsageError, seed
from symconv.keys.pdf import compile_pdf
from symconv.safeio import open_for_writing, write_text

EXTENSIONS = {"tex": ".tex", "md": ".md", "json": ".json"}


def register(sub: Any) -> None:
    p = sub.add_parser("key", help="answer keys and question sheets (LaTeX/PDF/Markdown/JSON) "
                       "from question files",
                       description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("files", nargs="+", metavar="FILE.toml", help="question files")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output directory")
    p.add_argument("--format", choices=tuple(EXTENSIONS), default="tex", help="output format")
    p.add_argument("--pdf", action="store_true", help="also compile each .tex with pdflatex")
    p.add_argument("--sheet", action="store_true",
                   help="the question sheet only (no answers), ready to hand out")
    p.add_argument("--seed", type=seed, default=None,
                   help="draw new numbers: write a question sheet and its key")
    p.add_argument("--students", metavar="ROSTER.csv",
                   help="a sheet and a key per student (CSV with a 'student' column)")
    p.add_argument("--student", metavar="ID", help="one student's sheet and key")
    p.add_argument("--salt", metavar="SECRET", help="the instructor's secret for --students "
                   "(default: [assignment] salt in the file)")
    p.add_argument("--no-torch", action="store_true",
                   help="skip the torch checks even when torch is installed")
    p.add_argument("--math-delimiters", choices=("dollars", "brackets"), default="dollars",
                   help="Markdown math as $...$/$$...$$ or \\(...\\)/\\[...\\] (LMS pages)")
    p.add_argument("--raw-math", action="store_true",
                   help="Markdown math as plain TeX, for readers that typeset math before "
                        "Markdown (pandoc, Jupyter); by default it is protected from Markdown")
    p.set_defaults(func=run)


def render(assignment: Any, solutions: dict[str, Any] | None, fmt: str, variant: str = "",
           student: str | None = None, variant_json: dict[str, Any] | None = None,
           args: argparse.Namespace | None = None) -> str:
    """The text of a key (``solutions``) or, with None, of a question sheet."""
    if fmt == "json":
        from symconv.keys.jsonkey import key_json

        return json.dumps(key_json(assignment, solutions, variant_json), indent=2,
                          ensure_ascii=False) + "\n"
    if solutions is None:
        from symconv.keys.sheet import sheet_latex, sheet_markdown

        if fmt == "md":
            return sheet_markdown(assignment, student, variant, _md_options(args))
        return sheet_latex(assignment, student, variant)
    if fmt == "md":
        from symconv.keys.markdown import document as md_document

        return md_document(assignment, solutions, variant, _md_options(args))
    from symconv.keys.latex import document

    return document(assignment, solutions, variant)


def _md_options(args: argparse.Namespace | None) -> Any:
    from symconv.keys.markdown import MarkdownOptions

    return MarkdownOptions(delimiters=getattr(args, "math_delimiters", "dollars"),
                           protect=not getattr(args, "raw_math", False))


def _prose_count(assignment: Any) -> int:
    return sum(q.kind == "prose" for q in assignment.questions)


def _coverage(assignment: Any, solutions: dict[str, Any]) -> str:
    """Which derived questions no check covers (the summary counts only real checks)."""
    from symconv.keys.build import all_checks

    unchecked = [q.id for q in assignment.questions
                 if q.kind != "prose" and not all_checks(solutions[q.id])]
    return f"; no check for {', '.join(unchecked)}" if unchecked else (
        "; every derived question checked")


def run(args: argparse.Namespace) -> int:
    from symconv.keys.build import torch_available
    from symconv.keys.questions import load_assignment

    outdir = Path(args.output)
    if args.pdf and args.format != "tex":
        raise UsageError("--pdf works with --format tex")
    if args.pdf and shutil.which("pdflatex") is None:
        raise UsageError("--pdf needs pdflatex (apt-get install texlive-latex-recommended)")
    if args.sheet and args.format == "json":
        raise UsageError("--sheet writes LaTeX or Markdown; the JSON key holds the questions too")
    per_student = args.students is not None or args.student is not None
    if per_student and args.seed is not None:
        raise UsageError("--seed and --students/--student are two ways to draw numbers: "
                         "give one")
    if args.salt is not None and not per_student:
        raise UsageError("--salt is the secret of per-student variants (--students/--student)")
    assignments = [load_assignment(f) for f in args.files]  # all errors before any output
    roster: list[str] = []
    if per_student:
        roster = _roster(args)
        from symconv.keys.roster import secret

        for a in assignments:
            secret(a, args.salt)  # a missing secret is an error before any output
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"-o {outdir}: exists and is not a directory")
    outdir.mkdir(parents=True, exist_ok=True)
    use_torch = not args.no_torch and torch_available()
    # One file after another: worker processes were measured slower (spawn re-imports
    # everything; fork can deadlock in a process with threads, e.g. after torch).
    results = [(_students(a, roster, args, use_torch) if per_student
                else _one_file(a, args, use_torch)) for a in assignments]
    failed = 0
    for summary, failures in results:
        print(summary)
        for line in failures:
            print(line, file=sys.stderr)
        failed += len(failures)
    return 1 if failed else 0


def _roster(args: argparse.Namespace) -> list[str]:
    from symconv.keys.roster import read_roster, student_id

    if args.students is None:
        return [student_id(args.student)]
    ids, warnings = read_roster(args.students)
    for w in warnings:
        print(f"symconv key: warning: {w}", file=sys.stderr)
    if args.student is not None:
        one = student_id(args.student)
        if one not in ids:
            raise UsageError(f"student {one!r} is not in {args.students}")
        return [one]
    return ids


@dataclass
class KeyCache:
    """Solutions by (question, numbers): a question no variant changes is solved once."""

    use_torch: bool
    solutions: dict[Any, tuple[Any, list[Any]]] = field(default_factory=dict)

    def key(self, assignment: Any) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
        """(solutions by question id, failed checks) of ``assignment``."""
        from symconv.keys.build import build_key

        solutions: dict[str, Any] = {}
        failures: list[tuple[str, Any]] = []
        for q in assignment.questions:
            k = (q.id, tuple(sorted((n, str(v)) for n, v in q.values.items())))
            if k not in self.solutions:
                one = build_key(replace(assignment, questions=(q,)), use_torch=self.use_torch)
                self.solutions[k] = (one.solutions[q.id], one.failures)
            solutions[q.id], failed = self.solutions[k]
            failures += failed
        return solutions, failures


def _failure_lines(assignment: Any, failures: list[tuple[str, Any]], who: str = "") -> list[str]:
    return [f"symconv key: FAILED check in {assignment.path}{who}, question {qid!r}: "
            f"{check.name} ({check.oracle}): expected {check.expected}, "
            f"observed {check.observed}" for qid, check in failures]


def _torch_note(args: argparse.Namespace, use_torch: bool) -> str:
    why = "--no-torch" if args.no_torch else "torch is not installed"
    return "" if use_torch else f" (torch checks skipped: {why})"


def _one_file(assignment: Any, args: argparse.Namespace, use_torch: bool) -> tuple[str, list[str]]:
    """Derive, check, write (and compile) one question file: (summary line, failures)."""
    from symconv.keys.build import all_checks, build_key
    from symconv.keys.variants import variant_assignment

    outdir = Path(args.output)
    ext = EXTENSIONS[args.format]
    stem, variant, variant_json = assignment.name, "", None
    if args.seed is not None:
        assignment = variant_assignment(assignment, args.seed)
        variant, variant_json = f"variant {args.seed}", {"seed": args.seed}
        stem = f"{assignment.name}-seed{args.seed}"
    written = []
    if args.sheet:
        written.append(write_text(outdir / f"{stem}-sheet{ext}",
                                  render(assignment, None, args.format, variant, args=args)))
        failures: list[str] = []
        checks = ""
    else:
        key = build_key(assignment, use_torch=use_torch)
        if args.seed is not None and args.format != "json":
            written.append(write_text(outdir / f"{stem}-sheet{ext}",
                                      render(assignment, None, args.format, variant, args=args)))
        name = f"{stem}-key{ext}" if args.seed is not None else f"{stem}{ext}"
        written.append(write_text(outdir / name, render(assignment, key.solutions, args.format,
                                                        variant, variant_json=variant_json,
                                                        args=args)))
        n_checks = sum(len(all_checks(s)) for s in key.solutions.values())
        checks = (f" ({_prose_count(assignment)} prose), {n_checks - len(key.failures)}/"
                  f"{n_checks} checks passed{_coverage(assignment, key.solutions)}"
                  f"{_torch_note(args, use_torch)}")
        failures = _failure_lines(assignment, key.failures)
    if args.pdf:
        written = [compile_pdf(p, source=assignment.path) for p in written]
    summary = (f"{', '.join(str(p) for p in written)}: {len(assignment.questions)} "
               f"questions{checks}")
    return summary, failures


def _students(assignment: Any, roster: list[str], args: argparse.Namespace,
              use_torch: bool) -> tuple[str, list[str]]:
    """A sheet and a key per student, and the list of everyone's numbers."""
    from symconv.keys.build import all_checks
    from symconv.keys.roster import folder_name, student_variant, variant_label
    from symconv.keys.variants import vary_spec

    outdir = Path(args.output)
    ext = EXTENSIONS[args.format]
    cache = KeyCache(use_torch)
    varied = [q.id for q in assignment.questions if vary_spec(q).choices]
    folders: dict[str, str] = {}
    rows = []
    failures: list[str] = []
    n_checks = n_failed = 0
    for student in roster:
        folder = folder_name(student)
        if folder in folders:
            raise UsageError(f"students {folders[folder]!r} and {student!r} would share the "
                             f"folder {folder!r}")
        folders[folder] = student
        mine = student_variant(assignment, student, args.salt)
        here = outdir / folder
        here.mkdir(parents=True, exist_ok=True)
        written = []
        if args.format != "json":
            written.append(write_text(here / f"{assignment.name}-sheet{ext}",
                                      render(mine, None, args.format, student=student,
                                             args=args)))
        if not args.sheet:
            solutions, failed = cache.key(mine)
            written.append(write_text(here / f"{assignment.name}-key{ext}", render(
                mine, solutions, args.format, f"student {student}",
                variant_json={"student": student}, args=args)))
            failures += _failure_lines(assignment, failed, f" (student {student!r})")
            n_checks += sum(len(all_checks(s)) for s in solutions.values())
            n_failed += len(failed)
        if args.pdf:
            for p in written:
                compile_pdf(p, source=assignment.path)
        rows.append({"student": student, "folder": folder,
                     **{qid: variant_label(mine.question(qid)) for qid in varied}})
    listing = outdir / f"{assignment.name}-variants.csv"
    with open_for_writing(listing, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["student", "folder", *varied])
        writer.writeheader()
        writer.writerows(rows)
    what = "sheets" if args.sheet else "sheets and keys" if args.format != "json" else "keys"
    checks = "" if args.sheet else (f", {n_checks - n_failed}/{n_checks} checks passed"
                                    f"{_torch_note(args, use_torch)}")
    summary = (f"{outdir}: {what} of {assignment.name} for {len(roster)} student"
               f"{'s' if len(roster) != 1 else ''} ({len(varied)} questions vary; numbers in "
               f"{listing}){checks}")
    return summary, failures
