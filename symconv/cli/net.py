"""``symconv net FILE``: the per-layer table of a network described in TOML.

FILE is either a network file (a top-level ``[network]`` table and an
optional ``input = [...]``) or a question file from ``derivations/`` (the
first ``[[question]]`` with a ``network`` table, or ``--question ID``; its
``input`` and ``values`` are used).  See docs/networks.md.

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "net.toml"
>>> _ = path.write_text('''
... input = [1, "h", "w"]
... [network]
... type = "Sequential"
... layers = [
...   { type = "Conv2d", in_channels = 1, out_channels = 4, kernel_size = 3, padding = 1 },
...   { type = "MaxPool2d", kernel_size = 2 },
... ]
... ''')
>>> from symconv.cli import main
>>> main(["net", str(path), "--set", "h=32", "--set", "w=32", "--json"])  # doctest: +ELLIPSIS
{
  "network": "Sequential(Conv2d(1, 4, ...
  "output_shape": [
    4,
    16,
    16
  ],
...
0
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from symconv.analyze import analyze
from symconv.cli import UsageError, positive_int
from symconv.cli.layer import parse_dims, parse_sets, parse_value
from symconv.network.budget import OPTIMIZER_SLOTS, POLICIES, parse_bytes
from symconv.spec import build_network


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("net", help="per-layer table of a network (TOML network or question file)",
                       description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("file", help="TOML file with a [network] table, or a derivations question file")
    p.add_argument("--question", metavar="ID", help="question id in a question file")
    p.add_argument("--input", metavar="DIMS", help="per-sample input shape, e.g. 3,224,224 or 3,h,w")
    p.add_argument("--batch", default="1", help="batch size (integer or symbol name)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="substitute a value for a symbol (repeatable)")
    p.add_argument("--assume-divisible", type=positive_int, metavar="N",
                   help="assume symbolic spatial sizes are multiples of N and simplify the floors")
    p.add_argument("--memory", metavar="BYTES", help="also give the largest batch, e.g. 12GiB")
    p.add_argument("--policy", default="max_activation", choices=sorted(POLICIES),
                   help="what counts against --memory (see docs/networks.md)")
    p.add_argument("--optimizer", default="adam", choices=sorted(OPTIMIZER_SLOTS),
                   help="optimizer state for --policy training")
    p.add_argument("--dtype", default="float32", help="element type for --memory")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON")
    out.add_argument("--latex", action="store_true", help="print a LaTeX tabular")
    p.set_defaults(func=run)


def load_network_file(path: str, question: str | None = None) -> tuple[Any, Any, dict[str, Any]]:
    """``(network spec, input shape or None, default values)`` from a TOML file."""
    from symconv.keys.questions import check_plain, parse_values, read_toml

    data = read_toml(path)  # one-line errors: missing, a directory, not UTF-8, not TOML...
    holder: dict[str, Any] = data
    if "network" not in data or question is not None:
        tables = data.get("question", [])
        if not isinstance(tables, list):
            raise UsageError(f"{path}: 'question' must be [[question]] tables, not {tables!r:.40}")
        candidates = [q for q in tables if isinstance(q, dict) and "network" in q]
        if question is not None:
            candidates = [q for q in candidates if str(q.get("id")) == question]
        if not candidates:
            which = f"question {question!r} with" if question else "[network] table or a question with"
            raise UsageError(f"{path}: no {which} a 'network' table")
        holder = candidates[0]
    where = f"{path}: question {holder.get('id')!r}: " if holder is not data else f"{path}: "
    network = holder["network"]
    try:  # names and labels are plain text (they reach --latex output)
        check_plain(Path(path), holder.get("id") if holder is not data else None, network,
                    "network")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not isinstance(network, dict | list):
        raise UsageError(f"{where}'network' must be a table (or a list of layers), not "
                         f"{network!r:.40}")
    spec = dict(network) if isinstance(network, dict) else network
    inner = spec.pop("input", None) if isinstance(spec, dict) else None
    shape = holder.get("input", inner)
    values = holder.get("values", {})
    if not isinstance(values, dict):
        raise UsageError(f"{where}'values' must be a table of NAME = number")
    try:
        parse_values(Path(path), str(holder.get("id", "")) or None, values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return spec, shape, values


def run(args: argparse.Namespace) -> int:
    from symconv.report import dtype_bytes

    dtype_bytes(args.dtype)  # an unknown dtype is an error before any work
    memory = _memory(args.memory) if args.memory is not None else None
    spec, shape, values = load_network_file(args.file, args.question)
    try:
        return _run(args, spec, shape, values, memory)
    except UsageError:
        raise
    except ValueError as exc:  # the network or its values, from this file
        raise UsageError(f"{args.file}: {exc}") from None


def _run(args: argparse.Namespace, spec: Any, shape: Any, values: dict[str, Any],
         memory: int | None) -> int:
    from symconv.keys.questions import symbol_value

    net = build_network(spec)
    if args.input is not None:
        shape = parse_dims(args.input)
    if shape is None:
        raise UsageError("no input shape: give --input DIMS or 'input = [...]' in the file")
    if not isinstance(shape, list | tuple) or len(shape) > 8:
        raise UsageError(f"{args.file}: input must be a list of at most 8 sizes, not {shape!r:.60}")
    shape = tuple(parse_value(str(d), "input") for d in shape)
    report = analyze(net, shape, batch=parse_value(args.batch, "--batch"))
    if args.assume_divisible:
        report = report.simplify(assume_divisible=args.assume_divisible)
    subs = {k: symbol_value(k, v) for k, v in values.items()}
    given = parse_sets(args.set)
    subs.update(given)
    if subs:
        try:
            report = report.subs(subs)  # invalid values raise InvalidLayer, typos UnknownSymbol
        except ValueError as exc:
            raise UsageError(f"{'--set' if given else 'values'}: {exc}") from None
    budget = None
    if memory is not None:
        budget = report.max_batch(memory, args.dtype, args.policy, args.optimizer)
    if args.json:
        out = report.to_dict()
        if budget is not None:
            out["max_batch"] = {"batch": str(budget.batch) if not budget.batch.is_Integer
                                else int(budget.batch), "policy": budget.policy,
                                "dtype": budget.dtype, "statement": budget.statement}
        print(json.dumps(out, indent=2))
    elif args.latex:
        from symconv.network.tables import latex_tabular

        print(latex_tabular(report))  # a document wants a text-mode tabular, not display math
        if budget is not None:
            print(r"\par " + str(budget).replace("_", r"\_"))
    else:
        print(str(report))
        if budget is not None:
            print(budget)
    return 0


def _memory(text: str) -> int:
    """``--memory``: a size from 1 byte to 16 EiB (``12GiB``, ``16GB``, ``8589934592``)."""
    try:
        size = parse_bytes(text.strip()) if not text.strip().isdigit() else int(text.strip())
    except ValueError as exc:
        raise UsageError(f"--memory: {exc}") from None
    if not 1 <= size <= 2**64:
        raise UsageError(f"--memory: {text[:40]!r} is not a memory size from 1 byte to 16 EiB")
    return size
