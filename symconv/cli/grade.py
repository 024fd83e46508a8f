"""``symconv grade``: grade answers against a formula, a question, or whole CSV files.

Four forms::

    symconv grade --expected EXPR --answer EXPR [--json]
    symconv grade FILE.toml QUESTION --answer EXPR [--json]
    symconv grade --batch rows.csv --out results.csv          (columns id,expected,answer)
    symconv grade FILE.toml --submissions subs.csv --out results.csv|results.json
                      [--scores scores.csv]               (columns student,question,answer)

Examples
--------
>>> from symconv.cli import main
>>> main(["grade", "--expected", "floor((h - k)/s) + 1", "--answer", "ceil((h-k+1)/s)"])
correct: Correct.
0
>>> main(["grade", "--expected", "c_i*k*k", "--answer", "k^2", "--json"])  # doctest: +ELLIPSIS
{
  "verdict": "incorrect",
  "feedback": "Your answer omits the factor c_i: ...",
  "note": "ATMutant_factor_dropped_c_i",
  ...
1
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
from pathlib import Path
from typing import Any

from symconv.cli import UsageError, fraction, nonnegative_int, plain, positive_float, positive_int
from symconv.exprmap import as_number
from symconv.grading import batch as B
from symconv.grading.api import grade

#: Columns of ``--batch`` output, after ``id``.
RESULT_COLUMNS = ["verdict", "feedback", "note", "assumption", "counterexample", "reason",
                  "answer_read", "method", "points"]


def register(sub: argparse._SubParsersAction) -> None:
    doc = plain(__doc__.split("\nExamples\n")[0]).strip()
    p = sub.add_parser("grade", help="grade answers: one, a question's, or a CSV batch",
                       description=doc.split("\n\n")[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="\n\n".join(doc.split("\n\n")[1:]))
    p.add_argument("file", nargs="?", metavar="FILE.toml",
                   help="question file (TOML) with the questions")
    p.add_argument("question", nargs="?", metavar="QUESTION", help="question id in FILE")
    p.add_argument("--expected", metavar="EXPR", help="the reference formula or number")
    p.add_argument("--answer", metavar="EXPR", help="the answer to grade")
    p.add_argument("--batch", metavar="CSV", help="rows with columns id,expected,answer "
                   "(optional: domain as 'name=value; name=low..high', conditions as 'a<=b; ...'"
                   ", order as strict/any and batch_axis for shapes)")
    p.add_argument("--submissions", metavar="CSV", help="rows with columns student,question,answer")
    p.add_argument("--out", metavar="PATH", help="results file (.csv, or .json: Gradescope "
                   "results for --submissions)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="fix a symbol's value (repeatable)")
    p.add_argument("--domain", action="append", default=[], metavar="NAME=SPEC",
                   help="a symbol's domain: integer, real, nonnegative, positive or LOW..HIGH")
    p.add_argument("--condition", action="append", default=[], metavar="COND",
                   help="a validity condition such as 'k <= h + 2*p' (repeatable)")
    p.add_argument("--strict-order", action="store_true",
                   help="shapes: the order of the dimensions matters (channels-last is "
                   "incorrect, not partial)")
    p.add_argument("--batch-axis", metavar="B", help="shapes: a leading batch axis of this "
                   "size (number or symbol) is also correct")
    p.add_argument("--rel-tol", type=positive_float, metavar="R",
                   help="accept values within this relative tolerance")
    p.add_argument("--sig-figs", type=positive_int, metavar="N",
                   help="accept values to this many significant figures")
    p.add_argument("--workers", type=nonnegative_int, default=2, metavar="N",
                   help="worker processes (0: in-process; default 2)")
    p.add_argument("--time-limit", type=positive_float, default=5.0, metavar="SECONDS",
                   help="seconds per row (batch; default 5)")
    p.add_argument("--memory-limit", type=positive_int, default=512, metavar="MB",
                   help="MB per worker (batch; default 512)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted batch "
                   "(rows whose expected answer, answer or options changed are graded again)")
    p.add_argument("--journal", metavar="PATH", help="where results are journalled while "
                   "grading (default: OUT.journal; deleted when OUT is written)")
    p.add_argument("--scores", metavar="CSV", help="--submissions: also write one row per "
                   "student (a column per question, and the total) for an LMS gradebook")
    p.add_argument("--duplicates", choices=["last", "first", "best"], default="last",
                   help="--submissions: which of several answers of a student to one question "
                   "counts (default: the last in the file)")
    p.add_argument("--no-reveal", action="store_true",
                   help="feedback (what a student sees) shows neither the expected value nor "
                   "any part of the expected formula")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--partial-credit", type=fraction, default=0.5, metavar="F",
                   help="score of a partial answer, as a fraction of the question's points "
                   "(default 0.5)")
    p.add_argument("--per-student", action="store_true", help="--submissions: grade each row "
                   "against its student's own variant (symconv key --students)")
    p.add_argument("--salt", metavar="SECRET", help="--per-student: the instructor's secret "
                   "(default: [assignment] salt in the file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.batch or args.submissions:
        # What is imported by now (SymPy, the grader) is not garbage: leaving it out of the
        # collections while the batch runs spares this process, which holds every row and
        # result, walks over half a million objects (the workers freeze again at fork).
        # Unfrozen after: called in-process (tests), nothing stays uncollectable.
        gc.freeze()
        try:
            return run_batch(args) if args.batch else run_submissions(args)
        except KeyboardInterrupt:  # outside the grading loop (reading, checking, writing)
            kept = bool(args.out) and Path(_journal(args)).exists()
            print("symconv grade: interrupted; " + ("the graded rows are kept: rerun with "
                  "--resume" if kept else "nothing was graded yet"), file=sys.stderr)
            return 130
        finally:
            gc.unfreeze()
    if args.answer is None:
        raise UsageError("give --answer (or --batch / --submissions)")
    if args.file:
        if not args.question:
            raise UsageError("give the QUESTION id after FILE (or --submissions)")
        from symconv.grading.questions import load, question_reference

        expected, domain = question_reference(load(args.file), args.question)
    elif args.expected is not None:
        expected, domain = args.expected, {}
    else:
        raise UsageError("give --expected EXPR, or FILE QUESTION")
    domain = {**domain, **options_domain(args)}
    result = grade(expected, args.answer, reveal=not args.no_reveal, **domain)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(f"{result.verdict}: {result.feedback}")
        if result.verdict != "correct":
            print(f"note: {result.note}")
    return 0 if result.verdict == "correct" else 1


def options_domain(args: argparse.Namespace) -> dict[str, Any]:
    """Keywords of :func:`symconv.grade` from --set, --domain, --condition and tolerances."""
    out: dict[str, Any] = {}
    for item in args.set:
        name, value = _pair(item, "--set")
        out[name] = as_number(value)
    for item in args.domain:
        name, spec = _pair(item, "--domain")
        out[name] = domain_spec(spec)
    if args.condition:
        out["conditions"] = tuple(args.condition)
    if getattr(args, "strict_order", False):
        out["strict_order"] = True
    if getattr(args, "batch_axis", None):
        out["batch_axis"] = _batch_axis(args.batch_axis)
    if args.rel_tol is not None:
        out["rel_tol"] = args.rel_tol
    if args.sig_figs is not None:
        out["sig_figs"] = args.sig_figs
    return out


def _batch_axis(text: str) -> Any:
    """``"10"`` -> 10, ``"B"`` stays a name."""
    text = text.strip()
    return as_number(text) if text[:1].isdigit() else text


def row_options(row: dict[str, str]) -> dict[str, Any]:
    """The optional batch columns ``order`` (``strict``/``any``) and ``batch_axis``."""
    out: dict[str, Any] = {}
    order = (row.get("order") or "").strip().lower()
    if order not in ("", "any", "strict"):
        raise UsageError(f"the order column takes 'strict' or 'any', not {order!r}")
    if order:
        out["strict_order"] = order == "strict"
    if (row.get("batch_axis") or "").strip():
        out["batch_axis"] = _batch_axis(row["batch_axis"])
    return out


def domain_spec(spec: str) -> Any:
    """``"2..8"`` -> (2, 8); ``"real"`` stays; a number fixes the value.

    >>> domain_spec("2..8"), domain_spec("real"), domain_spec("3")
    ((2, 8), 'real', 3)
    """
    spec = spec.strip()
    if ".." in spec:
        low, high = spec.split("..", 1)
        return (as_number(low), as_number(high))
    if spec in ("integer", "real", "nonnegative", "positive"):
        return spec
    return as_number(spec)


def _pair(item: str, option: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{option} takes NAME=VALUE, got {item!r}")
    return name.strip(), value.strip()


def row_domain(text: str) -> dict[str, Any]:
    """The optional ``domain`` column: ``"c_i=64; s=1..4; sigma=real"``."""
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        name, value = _pair(part, "domain column")
        out[name] = domain_spec(value)
    return out


def _journal(args: argparse.Namespace) -> str:
    return args.journal or args.out + ".journal"


def _batch_options(args: argparse.Namespace, notes: list[str]) -> dict[str, Any]:
    return dict(workers=args.workers, time_limit=args.time_limit,
                memory_limit_mb=args.memory_limit, journal=_journal(args),
                resume=args.resume, progress=None if not args.no_progress else False,
                notes=notes)


def _preflight(args: argparse.Namespace, rows: int, *extra: str | None) -> None:
    """Every output location checked, before any row is graded (one line if one fails)."""
    if not args.out:
        raise UsageError("batch grading needs --out PATH")
    from symconv.grading.outputs import preflight

    preflight([p for p in (args.out, _journal(args), *extra) if p], rows)


def _read(path: str, required: list[str]) -> list[Any]:
    from symconv.grading.csvrows import read_rows

    return read_rows(path, required)


def _graded(run: Any) -> Any:
    """``run()``; Ctrl-C, SIGTERM and journal failures become one line (exit 130 / 1)."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return run()
    except B.BatchStopped as exc:
        print(f"symconv grade: {exc}", file=sys.stderr)
        raise _Exit(130 if "interrupted" in str(exc) else 1) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _notes(notes: list[str]) -> None:
    for note in notes:
        print(f"symconv grade: note: {note}", file=sys.stderr)


def _write(args: argparse.Namespace, writes: list[tuple[str, Any]]) -> None:
    """Write every output; if one fails, say so and keep the journal for --resume."""
    from symconv.safeio import UnsafeOutput

    for where, write in writes:
        try:
            write()
        except (OSError, UnsafeOutput) as exc:
            reason = getattr(exc, "strerror", None) or str(exc).removeprefix(f"{where}: ")
            raise UsageError(f"cannot write {where}: {reason}; the graded rows are kept in "
                             f"{_journal(args)}: rerun with --resume") from None
    Path(_journal(args)).unlink(missing_ok=True)


def _cell(read: Any, cells: dict[str, str], column: str) -> dict[str, Any]:
    """``read(cell)``, with a mistake in the cell reported as one line naming the column."""
    from symconv.grading.workers import cut

    try:
        return dict(read(cells.get(column) or ""))
    except (UsageError, ValueError, TypeError) as exc:
        shown = cut(cells.get(column) or "", 60)
        raise UsageError(cut(f"the {column} cell {shown!r} cannot be read: {exc}", 300)) from None


def run_batch(args: argparse.Namespace) -> int:
    try:
        return _run_batch(args)
    except _Exit as done:
        return done.code


def _run_batch(args: argparse.Namespace) -> int:
    from symconv.grading.csvrows import clean
    from symconv.grading.outputs import write_table

    rows = _read(args.batch, ["id", "expected", "answer"])
    _preflight(args, len(rows))
    extra = options_domain(args)
    references: dict[Any, B.RefSpec] = {}
    tasks = []
    for i, row in enumerate(rows):
        cells = row.cells
        key = (cells["expected"], cells.get("domain") or "", cells.get("conditions") or "",
               cells.get("order") or "", cells.get("batch_axis") or "")
        problem = row.problem
        if problem is None and key not in references:
            try:
                domain = {**extra, **_cell(row_domain, cells, "domain"),
                          **_cell(lambda _, c=cells: row_options(c), cells, "order")}
            except UsageError as exc:
                problem = ("bad_cell", str(exc))
            else:
                conds = [c for c in (cells.get("conditions") or "").split(";") if c.strip()]
                if conds:
                    domain["conditions"] = tuple(conds) + tuple(domain.get("conditions", ()))
                references[key] = (cells["expected"], domain)
        tasks.append(B.Task(i, cells["id"], key if problem is None else None,
                            cells["answer"] or "", problem))
    notes: list[str] = []
    results = _graded(lambda: B.run_batch(tasks, references, **_batch_options(args, notes)))
    _notes(notes)
    out = [{"id": clean(t.key), **flatten(r)} for t, r in zip(tasks, results)]
    _write(args, [(args.out, lambda: write_table(args.out, out, ["id"] + RESULT_COLUMNS))])
    summary(results, args.out)
    return 0


def run_submissions(args: argparse.Namespace) -> int:
    try:
        return _run_submissions(args)
    except _Exit as done:
        return done.code


def _run_submissions(args: argparse.Namespace) -> int:
    if not args.file:
        raise UsageError("--submissions needs the derivations FILE")
    from symconv.grading import submissions as S
    from symconv.grading.gradescope import results_json
    from symconv.grading.outputs import write_table, write_text
    from symconv.grading.questions import load

    assignment = load(args.file)
    rows = _read(args.submissions, ["student", "question", "answer"])
    _preflight(args, len(rows), args.scores)
    notes: list[str] = []
    from symconv.keys.roster import per_student_variants

    variants = per_student_variants(assignment, args)  # --per-student: each student's numbers
    graded = _graded(lambda: S.grade_class(
        assignment, rows, duplicates=args.duplicates, partial_credit=args.partial_credit,
        reveal=not args.no_reveal, extra=options_domain(args), variants=variants,
        **_batch_options(args, notes)))
    _notes(notes)
    table = [flatten(g) for g in graded]
    writes: list[tuple[str, Any]] = []
    if args.out.lower().endswith(".json"):
        writes.append((args.out, lambda: write_text(
            args.out, json.dumps(results_json(S.counted(graded)), indent=2) + "\n")))
    else:
        result_columns = S.COLUMNS if variants is None else S.VARIANT_COLUMNS
        writes.append((args.out, lambda: write_table(args.out, table, result_columns)))
    if args.scores:
        scores, columns = S.score_table(graded, assignment)
        writes.append((args.scores, lambda: write_table(args.scores, scores, columns)))
    _write(args, writes)
    summary([g for g in graded if g["line"] is not None], ", ".join(
        p for p in (args.out, args.scores) if p),
        unanswered=sum(g["verdict"] == "unanswered" and g["counted"] for g in graded),
        students=len({g["student"] for g in graded if g["student"]}))
    return 0


def flatten(result: dict[str, Any]) -> dict[str, Any]:
    """A result dict as CSV cells (the counterexample as JSON; what was read as answer_read)."""
    out = dict(result)
    if "answer_read" not in out:
        out["answer_read"] = out.pop("read", None) or out.pop("answer", "")
    if out.get("counterexample") is not None:
        out["counterexample"] = json.dumps(out["counterexample"])
    return out


def summary(results: list[dict[str, Any]], out: str, unanswered: int = 0,
            students: int | None = None) -> None:
    counts: dict[str, int] = {}
    for r in results:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    shown = ", ".join(f"{v} {counts[v]}" for v in ("correct", "partial", "incorrect", "invalid",
                                                   "manual") if v in counts)
    who = f" of {students} students" if students is not None else ""
    more = f"; {unanswered} unanswered questions scored 0" if unanswered else ""
    print(f"graded {len(results)} rows{who} ({shown}){more} -> {out}", file=sys.stderr)
