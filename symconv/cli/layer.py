"""``symconv layer KIND --input DIMS [torch options]``: one layer's derived quantities.

Examples
--------
>>> from symconv.cli import main
>>> main(["layer", "conv2d", "--input", "64,256,256", "--out-channels", "128",
...       "--kernel-size", "3", "--padding", "1", "--json"])  # doctest: +ELLIPSIS
{
  "layer": "Conv2d(64, 128, ...
  "output_shape": [
    128,
    256,
    256
  ],
  ...
0
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

import sympy as sp

import symconv.layers as L
from symconv.analyze import analyze
from symconv.cli import UsageError
from symconv.printing import LABELS, cell_text
from symconv.symbols import to_expr
from symconv.validity import readable

#: ``KIND`` names accepted (lower-case torch class names).
KINDS = {name.lower(): getattr(L, name) for name in L.__all__ if name not in ("Layer", "LayerError")}


#: Largest size, channel count or batch the command line takes (as in question files).
MAX_SIZE = 10**6
#: Options that may be zero (padding); every other integer option is at least 1.
ZERO_ALLOWED = {"padding", "output_padding"}
#: Most sizes one option may list (one per spatial axis, or an input shape).
MAX_DIMS = 8


def parse_value(text: str, what: str = "size", minimum: int = 1) -> Any:
    """An integer (at least ``minimum``, at most :data:`MAX_SIZE`), or a symbol name.

    Nothing else is interpreted.

    >>> parse_value("64"), parse_value("k_h")
    (64, k_h)
    >>> parse_value("-5", "--batch")
    Traceback (most recent call last):
    ...
    symconv.cli.UsageError: --batch: -5 is not a positive integer
    """
    text = text.strip()
    if text.lstrip("+-").isdigit():
        if len(text) > 12 or not minimum <= int(text) <= MAX_SIZE:
            bound = "a positive" if minimum >= 1 else "a non-negative"
            raise UsageError(f"{what}: {text[:40]} is not {bound} integer"
                             + (f" up to {MAX_SIZE:,}" if text.lstrip("+").isdigit()
                                and int(text) >= minimum else ""))
        return int(text)
    try:
        return to_expr(text)
    except ValueError:
        raise UsageError(f"{what}: {text[:40]!r} is neither an integer nor a symbol name") from None


def parse_dims(text: str, what: str = "--input", minimum: int = 1) -> tuple[Any, ...]:
    """``"c_i,h,w"`` or ``"64x256x256"`` as a tuple of values."""
    parts = [p for p in text.replace("x", ",").replace("×", ",").split(",") if p.strip()]
    if not parts:
        raise UsageError(f"{what}: no sizes in {text[:40]!r}")
    if len(parts) > MAX_DIMS:
        raise UsageError(f"{what}: {len(parts)} sizes (at most {MAX_DIMS})")
    return tuple(parse_value(p, what, minimum) for p in parts)


def parse_tuple(text: str | None, what: str = "value", minimum: int = 1) -> Any:
    if text is None:
        return None
    dims = parse_dims(text, what, minimum)
    return dims[0] if len(dims) == 1 else dims


def parse_sets(items: list[str]) -> dict[str, sp.Expr]:
    """``--set NAME=VALUE`` items: each a symbol name and a number in that symbol's domain."""
    from symconv.keys.questions import symbol_value

    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set takes NAME=VALUE, got {item[:60]!r}")
        try:
            to_expr(name)
            values[name] = symbol_value(name, _number(value))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"--set {name}: {exc}") from None
    return values


def _number(text: str) -> Any:
    text = text.strip()
    return int(text) if text.lstrip("+-").isdigit() and len(text) <= 40 else text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("layer", help="derive one layer's shapes, parameters, costs and memory",
                       description=__doc__.split("\n\n")[0], allow_abbrev=False)
    p.add_argument("kind", help="layer class, as in torch.nn: " + ", ".join(sorted(KINDS)))
    p.add_argument("--input", required=True, metavar="DIMS",
                   help="per-sample input shape, e.g. c_i,h,w or 64,256,256")
    p.add_argument("--batch", default="1", help="batch size (integer or symbol name)")
    for opt in ("in-channels", "out-channels", "kernel-size", "stride", "padding", "dilation",
                "groups", "output-padding", "in-features", "out-features", "output-size",
                "num-features"):
        p.add_argument(f"--{opt}", metavar="V[,V...]")
    p.add_argument("--no-bias", action="store_true", help="layer without bias")
    p.add_argument("--ceil-mode", action="store_true", help="pooling: ceil instead of floor")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="substitute a value for a symbol (repeatable)")
    p.add_argument("--dtype", default="float32", help="dtype for memory in bytes")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def build_layer(args: argparse.Namespace, input_shape: tuple[Any, ...]) -> L.Layer:
    cls = KINDS.get(args.kind.lower().replace("_", ""))
    if cls is None:
        raise UsageError(f"unknown layer kind {args.kind!r}; known: {', '.join(sorted(KINDS))}")
    given = {
        name: getattr(args, name)
        for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                     "groups", "output_padding", "in_features", "out_features", "output_size",
                     "num_features")
        if getattr(args, name) is not None
    }
    kwargs: dict[str, Any] = {}
    for name, text in given.items():
        if name == "padding" and text in ("same", "valid"):
            kwargs[name] = text
        else:
            kwargs[name] = parse_tuple(text, "--" + name.replace("_", "-"),
                                       0 if name in ZERO_ALLOWED else 1)
    name = cls.__name__
    if name.startswith(("Conv", "BatchNorm")):
        key = "num_features" if name.startswith("BatchNorm") else "in_channels"
        kwargs.setdefault(key, input_shape[0])
    if name == "Linear":
        kwargs.setdefault("in_features", input_shape[-1])
    if name.startswith("Conv") or name == "Linear":
        kwargs["bias"] = not args.no_bias
    elif args.no_bias:
        raise UsageError(f"--no-bias does not apply to {name}")
    if args.ceil_mode:
        kwargs["ceil_mode"] = True
    try:
        return cls(**kwargs)
    except TypeError as exc:
        names = re.findall(r"'(\w+)'", str(exc))
        options = ", ".join("--" + m.replace("_", "-") for m in names) or str(exc)
        verb = "does not take" if "unexpected" in str(exc) else "needs"
        raise UsageError(f"{name} {verb} {options}") from None


def run(args: argparse.Namespace) -> int:
    from symconv.report import dtype_bytes

    dtype_bytes(args.dtype)  # an unknown dtype is an error before any work
    input_shape = parse_dims(args.input)
    layer = build_layer(args, input_shape)
    report = analyze(layer, input_shape, batch=parse_value(args.batch, "--batch"))
    values = parse_sets(args.set)
    try:
        numeric = report.subs(values) if values else None  # invalid values raise InvalidLayer
    except ValueError as exc:
        raise UsageError(f"--set: {exc}") from None
    if args.json:
        print(json.dumps((numeric or report).to_dict(args.dtype), indent=2))
        return 0
    print_table(report, numeric, args.dtype)
    return 0


def print_table(report: Any, numeric: Any, dtype: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # plain Text cells: nothing a user typed is read as rich markup
    table = Table(title=Text(str(report.layer)), show_lines=False)
    table.add_column("quantity")
    table.add_column("formula")
    if numeric is not None:
        table.add_column("value", justify="right")
    rows = dict(report.quantities())
    rows.update({f"memory.{k} ({dtype} bytes)": v
                 for k, v in report.memory.bytes(dtype).items()} if report.memory else {})
    values = dict(numeric.quantities()) if numeric is not None else {}
    if numeric is not None and numeric.memory:
        values.update({f"memory.{k} ({dtype} bytes)": v
                       for k, v in numeric.memory.bytes(dtype).items()})
    for key, formula in rows.items():
        cells = [LABELS.get(key, key), cell_text(formula)]
        if numeric is not None:
            cells.append(cell_text(values.get(key, "")))
        table.add_row(*(Text(c or "") for c in cells))
    for cond in readable(report.conditions):
        table.add_row(*map(Text, ["valid when", str(cond), *([""] if numeric is not None
                                                            else [])]))
    Console().print(table)

