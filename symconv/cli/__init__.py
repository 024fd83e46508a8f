"""``symconv`` command line: one sub-command per module of this package.

Each sub-command module exposes ``register(subparsers)``, which adds its
parser and sets ``func``; errors a user can fix are reported as one line on
stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Sub-command modules, in the order ``symconv --help`` lists them.
COMMANDS = ["layer", "key", "net", "grade", "gradescope"]


class UsageError(Exception):
    """A mistake in what the user asked for; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symconv",
        allow_abbrev=False,
        description="Symbolic derivations of CNN arithmetic: shapes, costs, memory, keys, grading.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"symconv.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError) as exc:
        # ValueError covers LayerError and bad numbers: user input, not a bug.
        print(f"symconv {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
