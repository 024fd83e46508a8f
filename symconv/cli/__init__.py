"""``symconv`` command line: one sub-command per module of this package.

Each sub-command module exposes ``register(subparsers)``, which adds its
parser and sets ``func``.  Whatever goes wrong ends in one line on stderr
naming the thing at fault and a non-zero exit status, never a traceback:

* 2 — a mistake in what was asked (a bad option, a malformed question file,
  a layer that does not fit its input, an unwritable output);
* 70 — a bug in symconv: one line with a short id to report
  (``SYMCONV_DEBUG=1`` prints the traceback as well).

Examples
--------
>>> main(["layer", "conv2d", "--input", "3,8,8", "--out-channels", "4", "--groups", "0"])
2
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected a positive integer, got '0'
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import math
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

#: Sub-command modules, in the order ``symconv --help`` lists them.
COMMANDS = ["layer", "key", "net", "grade", "gradescope"]

#: Exit status of a mistake the user can fix, and of a bug in symconv (sysexits' EX_SOFTWARE).
USAGE_STATUS = 2
BUG_STATUS = 70
#: Longest error line printed (a message quoting a huge input is cut).
MAX_MESSAGE = 600


class UsageError(Exception):
    """A mistake in what the user asked for; printed without a traceback."""


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_STATUS, f"{self.prog}: error: {one_line(message)} "
                                f"(see {self.prog} --help)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``symconv`` parser; ``only`` (a sub-command's name): that sub-command alone.

    Each sub-command module imports what it runs on (``net`` the networks, ``layer``
    the layers): a run of one command need not import the others'.
    """
    parser = Parser(
        prog="symconv",
        allow_abbrev=False,
        description="Symbolic derivations of CNN arithmetic: shapes, costs, memory, keys, grading.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS if only not in COMMANDS else [only]:
        importlib.import_module(f"symconv.cli.{name}").register(sub)
    return parser


def one_line(message: object) -> str:
    """``message`` as one bounded line (newlines folded, a huge quote cut)."""
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 3] + "..."


def plain(doc: str) -> str:
    """A module docstring's reST as ``--help`` shows it: no ``double backticks``, ``::`` as ``:``.

    >>> plain("``symconv grade``: grade answers.  Four forms::")
    'symconv grade: grade answers.  Four forms:'
    """
    return doc.replace("``", "").replace("::\n", ":\n").removesuffix("::") + (
        ":" if doc.endswith("::") else "")


def _os_message(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    return f"{name}: {reason}" if name else reason


def bug_id(exc: BaseException) -> str:
    """A short stable id of where an unexpected exception came from (no paths shown)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ";".join(f"{os.path.basename(f.filename)}:{f.name}" for f in frames[-4:])
    return hashlib.sha256(f"{type(exc).__name__}|{where}".encode()).hexdigest()[:8]


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    # ``symconv grade ...`` parses exactly as with every sub-command registered (the
    # others only matter for ``symconv --help`` and a misspelt command, which get all)
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # --help (0) or a usage error (already printed in one line)
        return exc.code if isinstance(exc.code, int) else USAGE_STATUS
    command = f"symconv {args.command}"
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError) as exc:
        # ValueError covers QuestionFileError, LayerError, SpecError, FormulaError, PdfError...
        print(f"{command}: error: {one_line(exc)}", file=sys.stderr)
    except OSError as exc:
        print(f"{command}: error: {one_line(_os_message(exc))}", file=sys.stderr)
    except RecursionError:
        print(f"{command}: error: the input is nested too deeply to process", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("SYMCONV_DEBUG") == "1":
            traceback.print_exc()
        print(f"{command}: internal error (a bug in symconv, id {bug_id(exc)}): "
              f"{type(exc).__name__}: {one_line(exc)[:200]} -- please report it with the "
              "command line (SYMCONV_DEBUG=1 shows the traceback)", file=sys.stderr)
        return BUG_STATUS
    return USAGE_STATUS


# -- argument types shared by the sub-commands (argparse ``type=``) ----------
def _integer(text: str, low: int, what: str, high: int = 10**18) -> int:
    stripped = text.strip()
    if len(stripped) > 20 or not stripped.lstrip("+-").isdigit():
        raise argparse.ArgumentTypeError(f"expected {what}, got {text[:40]!r}")
    value = int(stripped)
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text[:40]!r}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (batch sizes, significant figures, workers...)."""
    return _integer(text, 1, "a positive integer")


def nonnegative_int(text: str) -> int:
    """An integer >= 0."""
    return _integer(text, 0, "a non-negative integer")


def seed(text: str) -> int:
    """A variant seed: an integer from 0 to 2**63 - 1 (it is part of file names)."""
    return _integer(text, 0, "a seed from 0 to 9223372036854775807", 2**63 - 1)


def positive_float(text: str) -> float:
    """A finite number > 0 (time limits, tolerances)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text[:40]!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text[:40]!r}")
    return value


def fraction(text: str) -> float:
    """A number from 0 to 1 (partial credit)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text[:40]!r}")
    return value


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
