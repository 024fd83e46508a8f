"""``symconv gradescope``: an autograder bundle for Gradescope, and what it runs there.

Three forms::

    symconv gradescope build FILE.toml -o autograder.zip [--no-reveal] [--partial-credit F]
    symconv gradescope template FILE.toml -o answers.toml   (the file students fill in)
    symconv gradescope run [--root /autograder]             (inside Gradescope)

``run`` always writes results/results.json (a broken submission or question file
becomes a score of 0 with a message, and one line for the staff on stderr) and
exits 0 once it is written.

Upload autograder.zip as a "Programming Assignment" autograder; students upload
answers.toml (see ``template``).  docs/grading.md, "Gradescope", has the details.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from symconv.cli import UsageError, fraction, plain, positive_float

ACTIONS = {"build": "write the autograder zip (-o autograder.zip) for a question file",
           "template": "write the answers file students fill in (-o answers.toml)",
           "run": "grade the submission in /autograder (what run_autograder calls)"}


def register(sub: argparse._SubParsersAction) -> None:
    doc = plain(__doc__)
    p = sub.add_parser("gradescope", help="Gradescope autograder bundle for a question file",
                       description=doc.split("\n\n")[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="\n\n".join(doc.split("\n\n")[1:]))
    p.add_argument("action", choices=list(ACTIONS), metavar="ACTION",
                   help="; ".join(f"{name}: {what}" for name, what in ACTIONS.items()))
    p.add_argument("file", nargs="?", metavar="FILE.toml",
                   help="question file, for build and template")
    p.add_argument("-o", "--out", metavar="PATH", help="the zip (build) or answers file "
                   "(template) to write")
    p.add_argument("--partial-credit", type=fraction, default=0.5, metavar="F",
                   help="score of a partial answer, as a fraction of the question's points "
                   "(default 0.5)")
    p.add_argument("--no-reveal", action="store_true",
                   help="feedback does not show the expected value")
    p.add_argument("--time-limit", type=positive_float, default=5.0, metavar="SECONDS",
                   help="seconds per answer (default 5)")
    p.add_argument("--visibility", default="visible",
                   choices=["visible", "hidden", "after_due_date", "after_published"],
                   help="when students see the results (Gradescope's visibility; default "
                   "visible)")
    p.add_argument("--root", metavar="DIR", help="run: the autograder folder (default "
                   "$SYMCONV_AUTOGRADER_ROOT or /autograder)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "run":
        if args.root and not Path(args.root).is_dir():  # a typo, not a submission to grade
            raise UsageError(f"--root {args.root}: no such folder")
        from symconv.grading.autograder import root
        from symconv.grading.autograder import run as grade_submission
        from symconv.safeio import UnsafeOutput

        base = Path(args.root) if args.root else root()
        try:
            results = grade_submission(base, debug=os.environ.get("SYMCONV_DEBUG") == "1")
        except (OSError, UnsafeOutput) as exc:
            reason = getattr(exc, "strerror", None) or str(exc).split(": ", 1)[-1]
            raise UsageError(f"cannot write {base / 'results' / 'results.json'}: {reason} "
                             "(Gradescope will report that the autograder failed)") from None
        print(f"score {results['score']:g}: {results.get('output', '')}")
        error = results.get("extra_data", {}).get("error")
        if error:  # Gradescope shows the autograder's output to staff only
            print(f"symconv gradescope run: error: {error}", file=sys.stderr)
        return 0
    if not args.file:
        raise UsageError(f"gradescope {args.action} needs the question FILE")
    if not args.out:
        raise UsageError(f"gradescope {args.action} needs -o PATH")
    from symconv.grading.outputs import preflight

    preflight([args.out], rows=0)
    if args.action == "template":
        from symconv.grading.gradescope_bundle import check_questions, template
        from symconv.grading.outputs import write_text
        from symconv.grading.questions import load

        assignment = load(args.file)
        write_text(args.out, template(assignment, check_questions(assignment, args.time_limit)))
        print(f"wrote {args.out}", file=sys.stderr)
        return 0
    from symconv.grading.gradescope_bundle import build_bundle

    notes = build_bundle(args.file, args.out, partial_credit=args.partial_credit,
                         reveal=not args.no_reveal, time_limit=args.time_limit,
                         visibility=args.visibility)
    for note in notes:
        print(f"symconv gradescope: note: {note}", file=sys.stderr)
    print(f"wrote {args.out}: upload it as the autograder; students upload answers.toml "
          f"(symconv gradescope template {args.file} -o answers.toml)", file=sys.stderr)
    return 0
