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
from dataclasses import replace
from functools import lru_cache
from typing import Any

import sympy as sp

from symconv.analyze import analyze
from symconv.keys.kinds import Derivation, Kind, register
from symconv.keys.kinds.layer import freeze_spec, latex, thaw_spec
from symconv.keys.steps import Answer, Setup, Table
from symconv.layers.base import LayerError, as_shape
from symconv.notation.context import use
from symconv.notation.describe import short
from symconv.notation.describe import spatial as arrange_spatial
from symconv.notation.latex import IndexRange
from symconv.notation.layout import arrange
from symconv.report import dtype_bytes
from symconv.solution import Calculation, Text
from symconv.spec import SpecError, build_network
from symconv.symbols import to_expr

#: Labels of network totals.
TOTALS = {"params": "total parameters", "weight_params": "total weights",
          "bias_params": "total biases", "mults": "total multiplications",
          "adds": "total additions", "macs": "total multiply-accumulates",
          "flops": "total FLOPs", "comparisons": "total comparisons"}
#: Column headings of the layer table.
COLUMNS = {"output_shape": "output shape", "activations": "activations", "params": "parameters",
           "mults": "multiplications", "flops": "FLOPs", "macs": "multiply-accumulates"}
#: What a memory policy counts, as a key says it.
POLICY_WORDS = {
    "max_activation": "Only the largest activation has to fit (the question's reading), so "
                      "$B_{\\max} = \\lfloor M / (b\\,A) \\rfloor$ for $M$ bytes, "
                      "$A$ elements per sample and $b$ bytes per element",
    "all_activations": "Every activation of a sample is kept, so $B_{\\max} = \\lfloor M / "
                       "(b\\,A) \\rfloor$ with $A$ the input and all layer outputs",
    "training": "A training step keeps the activations, the weights, their gradients and the "
                "optimizer state",
}


def memory_words(text: Any) -> str:
    """``"12GiB"`` -> ``"12 GiB"`` (a memory size as a key writes it)."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", str(text))
    return f"{m.group(1)} {m.group(2)}" if m else str(text)


ASKS = ("table", "params", "weight_params", "bias_params", "mults", "adds", "macs", "flops",
        "comparisons", "bottleneck", "max_batch", "receptive", "region")


@lru_cache(maxsize=64)
def _analyze(spec_key: Any, shape: tuple[Any, ...], batch: Any) -> Any:
    net = build_network(thaw_spec(spec_key))
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
        return _analyze(freeze_spec(spec), dims, b)
    except SpecError as exc:
        raise q.error("network", str(exc)) from None
    except (LayerError, ValueError) as exc:
        raise q.error("network", f"cannot be applied to input {list(shape)}: {exc}") from None


def layer_objects(net: Any) -> dict[str, Any]:
    """Row name -> layer object, for the rows of a flat network (else empty)."""
    children = getattr(net, "named_children", None)
    if children is None:
        return {}
    return {str(name): layer for name, layer in children()}


def row_label(row: Any, layers: dict[str, Any]) -> str:
    """A table row's layer in a few words (never torch's repr)."""
    layer = layers.get(row.name)
    if layer is not None:
        return short(layer)
    return {"add": "addition", "concat": "concatenation"}.get(row.kind, row.kind)


def row_number(row: Any, report: Any) -> str:
    """The 1-based number a table shows for a row."""
    return str(next(i for i, r in enumerate(report.layers, start=1) if r is row))


def network_sentence(net: Any, report: Any) -> str:
    """The network and its input in words."""
    layers = layer_objects(net)
    shape = arrange(report.input_shape, batch=report.batch)
    if layers and len(layers) <= 4:
        body = "; then ".join(short(layer) for layer in layers.values())
        return f"{body[0].upper() + body[1:]}; input ${latex(shape)}$."
    counts: dict[str, int] = {}
    for layer in layers.values():
        word = short(layer).split(",")[0].split(" $")[0]
        counts[word] = counts.get(word, 0) + 1
    plural = {"conv": "convolutions", "max pool": "max poolings", "avg pool": "average poolings",
              "fully connected": "fully connected layers", "flatten": "flattenings"}
    single = {"conv": "convolution", "max pool": "max pooling", "avg pool": "average pooling",
              "fully connected": "fully connected layer", "flatten": "flattening"}
    parts = [f"{n} {plural.get(w, w) if n > 1 else single.get(w, w)}" for w, n in counts.items()]
    head = f"{len(report.layers)} layers" + (f" ({', '.join(parts)})" if parts else "")
    return f"{head}; input ${latex(shape)}$."


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
        if "max_batch" in asks and not q.get("memory", (str, int, list)):
            raise q.error("memory", "missing: max_batch needs the memory size, e.g. \"12GiB\" "
                          "(or a list of readings, [\"12GiB\", \"12GB\"])")
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
        with use(q.notation):
            return self._derive(q)

    def _derive(self, q: Any) -> Derivation:
        net, report = network_report(q)
        self._layers = layer_objects(net)
        steps: list[Any] = [Setup(network_sentence(net, report), label="Network")]
        answers: dict[str, Any] = {}
        shown: dict[str, Any] = {}
        for a in q.get("ask", list):
            steps += getattr(self, f"_ask_{a}", self._ask_total)(q, report, a, answers)
            shown[a] = answers.get(a)
        main = q.get("answer", str) or q.data["ask"][0]
        for a in q.data["ask"]:
            if a == "table":
                continue
            steps += self._answer(q, a, answers)
        return Derivation(steps, answers.get(main), answers)

    def _answer(self, q: Any, a: str, answers: dict[str, Any]) -> list[Answer]:
        value = answers[a]
        if a == "max_batch":
            readings = answers.get("max_batch_readings") or []
            if len(readings) > 1:
                return [Answer(f"largest batch ({text})", b) for text, b in readings]
            return [Answer("largest batch", value)]
        if a == "receptive":
            return [Answer("receptive field", sp.Tuple(*arrange_spatial(value)))]
        if a == "region":
            return [Answer("input range", sp.Tuple(*(IndexRange(lo, hi) for lo, hi in
                                                     arrange_spatial(value))))]
        if a == "bottleneck":
            return [Answer("largest activation (elements per sample)", value)]
        return [Answer(TOTALS.get(a, a.replace("_", " ")), value)]

    def _ask_table(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        columns = q.get("columns", list, ["output_shape", "params"])
        batch = report.batch if report.batch != 1 else None

        def cell(c: str, value: Any) -> Any:
            if c == "output_shape":
                return sp.Tuple(*arrange(tuple(value), batch=batch)) if isinstance(
                    value, tuple | sp.Tuple) else value
            return value

        rows = [("", "input", *(cell(c, report.input_shape) if c == "output_shape" else
                                sp.Integer(0) if c in ("params", "mults") else
                                report.input_activations if c == "activations" else ""
                                for c in columns))]
        for row in report.layers:
            cells = []
            for c in columns:
                value = row.output_shape if c == "output_shape" else (
                    row.per_sample_activations if c == "activations" else getattr(row, c))
                cells.append(cell(c, shape_or(value)))
            rows.append((row_number(row, report), row_label(row, self._layers), *cells))
        rows.append(("", "total", *(report.total.params if c == "params" else
                                    getattr(report.total, c) if c in ("mults", "flops", "macs")
                                    else "" for c in columns)))
        answers["table"] = tuple(rows)
        head = ("", "layer", *(COLUMNS.get(c, c.replace("_", " ")) for c in columns))
        what = " and ".join(COLUMNS.get(c, c) for c in columns)
        return [Text(f"Layer by layer ({what} per sample):"), Table(head, tuple(rows))]

    def _ask_total(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        terms = [getattr(r.report, a) for r in report.layers]
        total = getattr(report.total, a)
        answers[a] = total
        nonzero = [t for t in terms if t != 0]
        return [Calculation(TOTALS.get(a, a), sp.Add(*nonzero, evaluate=False)
                            if len(nonzero) > 1 else total, result=total, label="result")]

    def _ask_bottleneck(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        row = report.bottleneck
        answers[a] = row.per_sample_activations
        shape = arrange(tuple(row.output_shape))
        return [Text(f"The largest activation is the output of layer {row_number(row, report)} "
                     f"({row_label(row, self._layers)}): ${latex(sp.Tuple(*shape))} = "
                     f"{latex(row.per_sample_activations)}$ elements per sample.")]

    def _ask_max_batch(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        memory = q.data["memory"]
        readings = memory if isinstance(memory, list) else [memory]
        dtype = q.get("dtype", str, "float32")
        policy = q.get("policy", str, "max_activation")
        steps: list[Any] = [Text(POLICY_WORDS.get(policy, policy) + f" ({dtype}: "
                                 f"{dtype_bytes(dtype)} bytes per element).")]
        found = []
        for text in readings:
            budget = report.max_batch(text, dtype, policy)
            found.append((memory_words(text), budget.batch))
            steps.append(Text(f"With {memory_words(text)} $= {latex(budget.memory_bytes)}$ "
                              "bytes:"))
            steps += [replace(s, label="result") if isinstance(s, Calculation) else s
                      for s in budget.steps() if not isinstance(s, Text)]
        answers[a] = found[0][1]
        answers["max_batch_readings"] = found
        return steps

    def _ask_receptive(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        row = self._at(q, report)
        rf = row.receptive_field
        answers[a] = rf.size
        where = (f"layer {row_number(row, report)} ({row_label(row, self._layers)})"
                 if len(report.layers) > 1 else "the layer")
        return [Text(f"Receptive field of {where}: composing the layers' windows from the "
                     "input on, each layer widens the field by (kernel span $-$ 1) times the "
                     "product of the strides before it, and multiplies that product by its "
                     "own stride."),
                Calculation("receptive field", sp.Tuple(*arrange_spatial(rf.size)),
                            result=sp.Tuple(*arrange_spatial(rf.size)), label="result"),
                Calculation("jump (effective stride)", sp.Tuple(*arrange_spatial(rf.stride)),
                            result=sp.Tuple(*arrange_spatial(rf.stride)))]

    def _ask_region(self, q: Any, report: Any, a: str, answers: dict[str, Any]) -> list[Any]:
        names = q.get("index", list, ["i", "j"])
        index = [to_expr(n) if isinstance(n, str) else sp.Integer(n) for n in names]
        target = self._at(q, report)
        rows = []
        for row in report.layers:
            if row.receptive_field is None:
                continue
            region = row.receptive_field.region(*index)
            rows.append((row_number(row, report), row_label(row, self._layers),
                         *(IndexRange(lo, hi) for lo, hi in region)))
            if row is target:
                answers[a] = region
                break
        axes = ("rows", "columns") if len(index) == 2 else tuple(
            f"axis {k + 1}" for k in range(len(index)))
        where = ", ".join(latex(i) for i in index)
        return [Text(f"Input positions seen by output $({where})$ of each layer, counted from 0 "
                     "(positions below 0 or past the end fall on the padding):"),
                Table(("", "layer", *axes), tuple(rows))]

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


