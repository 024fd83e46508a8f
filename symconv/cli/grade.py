"""``symconv grade``: grade answers against a formula, a question, or whole CSV files.

Four forms::

    symconv grade --expected EXPR --answer EXPR [--json]
    symconv grade FILE.toml QUESTION --answer EXPR [--json]
    symconv grade --batch rows.csv --out results.csv          (columns id,expected,answer)
    symconv grade FILE.toml --submissions subs.csv --out results.csv|results.json
                                                          (columns student,question,answer)

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
import csv
import json
import sys
from pathlib import Path
from typing import Any

from symconv.cli import UsageError
from symconv.exprmap import as_number
from symconv.grading import batch as B
from symconv.grading.api import grade

#: Columns of ``--batch`` output, after ``id``.
RESULT_COLUMNS = ["verdict", "feedback", "note", "assumption", "counterexample", "reason",
                  "answer_read", "method", "points"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grade", help="grade answers: one, a question's, or a CSV batch",
                       description=__doc__.split("\n\n")[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=__doc__.split("\n\n")[1])
    p.add_argument("file", nargs="?", help="derivations file (TOML) with the questions")
    p.add_argument("question", nargs="?", help="question id in FILE")
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
    p.add_argument("--rel-tol", type=float, help="accept values within this relative tolerance")
    p.add_argument("--sig-figs", type=int, help="accept values to this many significant figures")
    p.add_argument("--workers", type=int, default=2, help="worker processes (0: in-process)")
    p.add_argument("--time-limit", type=float, default=5.0, help="seconds per row (batch)")
    p.add_argument("--memory-limit", type=int, default=512, help="MB per worker (batch)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted batch")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--partial-credit", type=float, default=0.5,
                   help="score of a partial answer, as a fraction of the question's points")
    p.add_argument("--per-student", action="store_true", help="--submissions: grade each row "
                   "against its student's own variant (symconv key --students)")
    p.add_argument("--salt", metavar="SECRET", help="--per-student: the instructor's secret "
                   "(default: [assignment] salt in the file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.batch:
        return run_batch(args)
    if args.submissions:
        return run_submissions(args)
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
    result = grade(expected, args.answer, **domain)
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


def read_csv(path: str, required: list[str]) -> list[dict[str, str]]:
    # A 400 kB answer is still a row to report (invalid: too long), not a reason to stop.
    csv.field_size_limit(2**31 - 1)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise UsageError(f"{path}: missing column(s) {', '.join(missing)} "
                                 f"(header must have {','.join(required)})")
            return list(reader)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _batch_options(args: argparse.Namespace) -> dict[str, Any]:
    if not args.out:
        raise UsageError("batch grading needs --out PATH")
    return dict(workers=args.workers, time_limit=args.time_limit,
                memory_limit_mb=args.memory_limit, journal=args.out + ".journal",
                resume=args.resume, progress=None if not args.no_progress else False)


def run_batch(args: argparse.Namespace) -> int:
    rows = read_csv(args.batch, ["id", "expected", "answer"])
    extra = options_domain(args)
    references: dict[Any, B.RefSpec] = {}
    tasks = []
    for i, row in enumerate(rows):
        key = (row["expected"], row.get("domain") or "", row.get("conditions") or "",
               row.get("order") or "", row.get("batch_axis") or "")
        if key not in references:
            domain = {**extra, **row_domain(row.get("domain") or ""), **row_options(row)}
            conds = [c for c in (row.get("conditions") or "").split(";") if c.strip()]
            if conds:
                domain["conditions"] = tuple(conds) + tuple(domain.get("conditions", ()))
            references[key] = (row["expected"], domain)
        tasks.append(B.Task(i, row["id"], key, row["answer"] or ""))
    results = B.run_batch(tasks, references, **_batch_options(args))
    write_results(args.out, [{"id": t.key, **flatten(r)} for t, r in zip(tasks, results)],
                  ["id"] + RESULT_COLUMNS)
    Path(args.out + ".journal").unlink(missing_ok=True)
    summary(results, args.out)
    return 0


def run_submissions(args: argparse.Namespace) -> int:
    if not args.file:
        raise UsageError("--submissions needs the derivations FILE")
    from symconv.grading.gradescope import results_json
    from symconv.grading.questions import load, question_reference

    assignment = load(args.file)
    rows = read_csv(args.submissions, ["student", "question", "answer"])
    extra = options_domain(args)
    references: dict[Any, B.RefSpec] = {}
    tasks = []
    from symconv.keys.roster import per_student_task

    variants = per_student_task(assignment, args)
    for i, row in enumerate(rows):
        qid = row["question"].strip()
        if variants is not None:  # the reference of this student's numbers
            tasks.append(variants(i, row, qid, references, extra))
            continue
        if qid not in references:
            expected, domain = question_reference(assignment, qid)
            references[qid] = (expected, {**domain, **extra})
        tasks.append(B.Task(i, f"{row['student']}/{qid}", qid, row["answer"] or ""))
    results = B.run_batch(tasks, references, **_batch_options(args))
    points = {q.id: float(q.points) if q.points is not None else 1.0
              for q in assignment.questions}
    graded = [{"student": row["student"], "question": row["question"].strip(), **flatten(r),
               "max_score": points.get(row["question"].strip(), 1.0),
               **({"variant": variants.label(i)} if variants is not None else {})}
              for i, (row, r) in enumerate(zip(rows, results))]
    for g, r in zip(graded, results):
        g["score"] = g["max_score"] * {"correct": 1.0, "partial": args.partial_credit}.get(
            r["verdict"], 0.0)
    if args.out.endswith(".json"):
        Path(args.out).write_text(json.dumps(results_json(graded), indent=2) + "\n",
                                  encoding="utf-8")
    else:
        write_results(args.out, graded, ["student", "question", "score", "max_score"]
                      + (["variant"] if variants is not None else []) + RESULT_COLUMNS)
    Path(args.out + ".journal").unlink(missing_ok=True)
    summary(results, args.out)
    return 0


def flatten(result: dict[str, Any]) -> dict[str, Any]:
    """A result dict as CSV cells (the counterexample as JSON)."""
    out = dict(result)
    out["answer_read"] = out.pop("answer", "")
    if out.get("counterexample") is not None:
        out["counterexample"] = json.dumps(out["counterexample"])
    return out


def write_results(path: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if path.endswith(".json"):
        Path(path).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        return
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})


def summary(results: list[dict[str, Any]], out: str) -> None:
    counts: dict[str, int] = {}
    for r in results:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    shown = ", ".join(f"{v} {counts[v]}" for v in ("correct", "partial", "incorrect", "invalid")
                      if v in counts)
    print(f"graded {len(results)} rows ({shown}) -> {out}", file=sys.stderr)
