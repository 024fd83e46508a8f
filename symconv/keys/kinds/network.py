"""Kind ``network``: tables, totals, memory budgets and receptive fields of a network.

The network is built with :func:`symconv.spec.build_network` from the same
torch-like tables as layers and analysed by :mod:`symconv.network`.  What a
question may ask (``ask``):

``table``        one row per layer: output shape and parameters (``columns``)
``params`` ...   a total over the network (``params``, ``mults``, ``flops``...)
``bottleneck``   the layer with the largest output per sample
``max_batch``    the largest batch in ``memory`` bytes (``dtype``, ``policy``)
``receptive``    receptive field size, effective stride and padding (row ``at``)
``region``       the input range seen by output ``(i, j)`` of row ``at``, per layer

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "n", "kind": "network", "text": "?",
...     "network": {"type": "Sequential", "layers": [
...         {"type": "Conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3},
...         {"type": "MaxPool2d", "kernel_size": 2}]},
...     "input": [1, 10, 10], "ask": ["params", "receptive"]}, 0)
>>> d = NetworkKind().derive(q)
>>> d.answers["params"], d.answers["receptive"]
(40, (4, 4))
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import sympy as sp

from symconv.analyze import analyze
from symconv.keys.kinds import Derivation, Kind, register
from symconv.keys.kinds.layer import _freeze, _unfreeze, latex
from symconv.keys.steps import Answer, Table
from symconv.layers.base import LayerError, as_shape
from symconv.solution import Calculation, Text
from symconv.spec import SpecError, build_network
from symconv.symbols import to_expr

ASKS = ("table", "params", "weight_params", "bias_params", "mults", "adds", "macs", "flops",
        "comparisons", "bottleneck", "max_batch", "receptive", "region")


@lru_cache(maxsize=64)
def _analyze(spec_key: Any, shape: tuple[Any, ...], batch: Any) -> Any:
    net = build_network(_unfreeze(spec_key))
    return net, analyze(net, shape, batch)


def network_report(q: Any, values: dict[str, Any] | None = None) -> Any:
    """(network, report) of the question, numbers of ``values`` substituted."""
    from symconv.keys.instance import numeric_spec

    vals = dict(q.values) if values is None else values
    spec = numeric_spec(q.get("network", (dict, list), required=True), vals)
    shape = numeric_spec(q.get("input", list, required=True), vals)
    batch = numeric_spec(q.get("batch", (int, str), 1), vals)
    try:
        dims = as_shape(tuple(shape))
        b = to_expr(batch, "batch")
    except (LayerError, TypeError, ValueError) as exc:
        raise q.error("input", str(exc)) from None
    try:
        return _analyze(_freeze(spec), dims, b)
    except SpecError as exc:
        raise q.error("network", str(exc)) from None
    except (LayerError, ValueError) as exc:
        raise q.error("network", f"cannot be applied to input {list(shape)}: {exc}") from None


_DEFAULTS = re.compile(r", (stride=1|padding=0|dilation=1|groups=1|bias=True|ceil_mode=False|"
                       r"start_dim=1|end_dim=-1)(?=[,)])")


def _row_label(row: Any) -> str:
    """The layer as torch prints it, without arguments left at their defaults."""
    text = _DEFAULTS.sub("", row.layer).replace("kernel_size=", "k=").replace("padding=", "p=")
    return f"{row.name}  {text.replace('stride=', 's=').replace('in_features=', '')}"


@register
class NetworkKind(Kind):
    name = "network"
    fields = {
        "network": "the network: {type = \"Sequential\", layers = [...]} (see docs/networks.md)",
        "input": "per-sample input shape",
        "batch": "batch size (default 1)",
        "ask": f"what to derive: {', '.join(ASKS)}",
        "columns": "table columns (default [\"output_shape\", \"params\"])",
        "memory": "memory for max_batch, e.g. \"12GiB\"",
        "dtype": "element type for max_batch (default float32)",
        "policy": "memory policy for max_batch (default max_activation)",
        "at": "row name for receptive/region (default: the last row with a receptive field)",
        "index": "output index names or numbers for region (default [\"i\", \"j\"])",
    }

    def validate(self, q: Any) -> None:
        _, report = network_report(q)
        asks = q.get("ask", list, required=True)
        for a in asks:
            if a not in ASKS:
                raise q.error("ask", f"unknown {a!r} (known: {', '.join(ASKS)})")
        if "max_batch" in asks and not q.get("memory", (str, int)):
            raise q.error("memory", "missing: max_batch needs the memory size, e.g. \"12GiB\"")
        if q.get("at", str) is not None and not any(r.name == q.data["at"]
                                                    for r in report.layers):
            raise q.error("at", f"no row {q.data['at']!r} (rows: "
                          f"{', '.join(r.name for r in report.layers)})")

    def _at(self, q: Any, report: Any) -> Any:
        name = q.get("at", str)
        rows = [r for r in report.layers if r.receptive_field is not None]
        if name is not None:
            return next(r for r in report.layers if r.name == name)
        return rows[-1]

    def derive(self, q: Any) -> Derivation:
        _, report = network_report(q)
        steps: list[Any] = []
        answers: dict[str, Any] = {}
        shape = report.input_shape
        steps.append(Text(f"The network has {len(report.layers)} layers; the input has shape "
                          f"${latex(shape)}$ per sample."))
        for a in q.get("ask", list):
            steps += getattr(self, f"_ask_{a}", self._ask_total)(q, report, a, answers)
        main = q.get("answer", str) or q.data["ask"][0]
        for a in q.data["ask"]:
            if a != "table":
                steps.append(Answer(a.replace("_", " "), answers[a]))
        return Derivation(steps, answers.get(main), answers)

    def _ask_table(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        columns = q.get("columns", list, ["output_shape", "params"])
        rows = [("input", *(shape_or(report.input_shape) if c == "output_shape" else
                            sp.Integer(0) if c in ("params", "mults") else "" for c in columns))]
        for row in report.layers:
            cells = []
            for c in columns:
                value = row.output_shape if c == "output_shape" else (
                    row.per_sample_activations if c == "activations" else getattr(row, c))
                cells.append(shape_or(value))
            rows.append((_row_label(row), *cells))
        rows.append(("total", *(report.total.params if c == "params" else
                                getattr(report.total, c) if c in ("mults", "flops", "macs")
                                else "" for c in columns)))
        answers["table"] = tuple(rows)
        head = ("layer", *(c.replace("_", " ") for c in columns))
        return [Table(head, tuple(rows), "Each layer's output shape (per sample) and its "
                      "parameters, derived layer by layer.")]

    def _ask_total(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        terms = [getattr(r.report, a) for r in report.layers]
        total = getattr(report.total, a)
        answers[a] = total
        nonzero = [t for t in terms if t != 0]
        return [Calculation(f"total {a.replace('_', ' ')}", sp.Add(*nonzero, evaluate=False)
                            if len(nonzero) > 1 else total, result=total)]

    def _ask_bottleneck(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        row = report.bottleneck
        answers[a] = row.per_sample_activations
        return [Text(f"The largest activation per sample is the output of `{row.layer}` "
                     f"(row {row.name}): ${latex(row.output_shape)} = "
                     f"{latex(row.per_sample_activations)}$ elements.")]

    def _ask_max_batch(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        budget = report.max_batch(q.data["memory"], q.get("dtype", str, "float32"),
                                  q.get("policy", str, "max_activation"))
        answers[a] = budget.batch
        return [Text(f"Memory budget {q.data['memory']}."), *budget.steps()]

    def _ask_receptive(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        row = self._at(q, report)
        rf = row.receptive_field
        answers[a] = rf.size
        return [Text(f"Receptive field of the outputs of `{row.layer}` (row {row.name}), "
                     "composing each layer's window in turn (Araujo et al., 2019):"),
                Calculation("receptive field size", sp.Tuple(*rf.size), result=sp.Tuple(*rf.size)),
                Calculation("effective stride", sp.Tuple(*rf.stride), result=sp.Tuple(*rf.stride)),
                Calculation("effective padding", sp.Tuple(*rf.padding),
                            result=sp.Tuple(*rf.padding))]

    def _ask_region(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        names = q.get("index", list, ["i", "j"])
        index = [to_expr(n) if isinstance(n, str) else sp.Integer(n) for n in names]
        target = self._at(q, report)
        rows = []
        for row in report.layers:
            if row.receptive_field is None:
                continue
            region = row.receptive_field.region(*index)
            rows.append((_row_label(row), *(_range(r) for r in region)))
            if row is target:
                answers[a] = region
                break
        head = ("layer", *(f"input range, axis {k}" for k in range(len(index))))
        where = ", ".join(latex(i) for i in index)
        return [Text(f"Input positions seen by output $({where})$ of each "
                     "layer (0-based; negative positions and positions past the end are "
                     "padding):"), Table(head, tuple(rows))]

    def checks(self, q: Any, derivation: Derivation, use_torch: bool) -> list[Any]:
        from symconv.keys.network_checks import network_checks

        return network_checks(q, derivation, use_torch)

    def instance_ok(self, q: Any, values: dict[str, Any]) -> bool:
        try:
            network_report(q, values)
        except ValueError:
            return False
        return True


def shape_or(value: Any) -> Any:
    return tuple(value) if isinstance(value, tuple | sp.Tuple) else value


def _range(pair: tuple[sp.Expr, sp.Expr]) -> str:
    return f"${latex(pair[0])} \\,..\\, {latex(pair[1])}$"
