"""What a graph node does: apply a layer, merge tensors, read the input or a constant.

Every operation has ``evaluate(run, node, args, kwargs, input_shape)``: it
gets the node's arguments with earlier nodes' values filled in and returns
the node's value.  Operations that make a tensor add one row to the table
through :func:`emit`; the row holds the layer's own report.

Examples
--------
>>> import sympy as sp
>>> import symconv
>>> from symconv.network.graph import GraphBuilder
>>> g = GraphBuilder()
>>> x = g.input()
>>> y = g.layer("relu", symconv.ReLU(), x)
>>> symconv.analyze(g.build(y), (2, 3)).row("relu").inputs
('input',)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import sympy as sp

from symconv.layers.base import LayerError
from symconv.layers.merge import Cat, Merge, Operand
from symconv.network.cache import layer_report
from symconv.network.graph import Node, Run
from symconv.network.report import NetworkLayer
from symconv.network.tensors import TensorValue, after, merged
from symconv.report import LayerReport, Shape
from symconv.symbols import is_number
from symconv.window import product

ONE = sp.Integer(1)


def without_params(report: LayerReport, note: str) -> LayerReport:
    """``report`` with its parameters not counted again (a module called a second time)."""
    memory = report.memory and dataclasses.replace(report.memory, weight=sp.Integer(0),
                                                   bias=sp.Integer(0))
    return dataclasses.replace(report, weight_params=sp.Integer(0), bias_params=sp.Integer(0),
                               memory=memory, notes=report.notes + (note,))


def with_params(report: LayerReport, count: sp.Expr, note: str) -> LayerReport:
    """``report`` counting ``count`` more weights (parameters the node reads directly)."""
    memory = report.memory and dataclasses.replace(report.memory,
                                                   weight=report.memory.weight + count)
    return dataclasses.replace(report, weight_params=report.weight_params + count, memory=memory,
                               notes=report.notes + (note,))


def emit(run: Run, node: Node, report: LayerReport, inputs: Sequence[TensorValue],
         out: TensorValue) -> TensorValue:
    """Add ``node``'s row (counting parameter tensors it reads first) and return ``out``."""
    fresh = [v for v in inputs if v.parameter and v.parameter not in run.counted]
    if fresh:
        run.counted.update(v.parameter for v in fresh)
        report = with_params(report, sp.Add(*(product(v.shape) for v in fresh)),
                             "reads parameter " + ", ".join(v.parameter for v in fresh))
    grad = any(v.grad for v in inputs)
    out = dataclasses.replace(out, source=node.name, grad=grad or report.params != 0,
                              parameter="")
    run.rows.append(NetworkLayer(node.name, report, out.field, out.why,
                                 inputs=tuple(dict.fromkeys(v.source for v in inputs)),
                                 input_needs_grad=grad, batched=out.batched))
    return out


def tensor_arg(node: Node, value: Any, what: str = "input") -> TensorValue:
    if not isinstance(value, TensorValue):
        raise LayerError(f"{node.name}: the {what} is not a tensor ({value!r})")
    return value


class InputOp:
    """Node 0: the network input (per-sample shape given to ``analyze``)."""

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape
                 ) -> TensorValue:
        return TensorValue.network_input(input_shape)

    def __repr__(self) -> str:
        return "input"


class LayerCall:
    """A one-input layer (``symconv.Conv2d`` ...) applied to the node's first argument.

    ``shared`` names the torch module it came from: a module called twice
    shares its parameters, so the second row counts none.
    """

    def __init__(self, layer: Any, shared: str = "") -> None:
        self.layer = layer
        self.shared = shared

    def __repr__(self) -> str:
        return repr(self.layer)

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape
                 ) -> TensorValue:
        x = tensor_arg(node, args[0] if args else None)
        return apply_layer(run, node, self.layer, x, self.shared)


def apply_layer(run: Run, node: Node, layer: Any, x: TensorValue, shared: str = "",
                extra_inputs: Sequence[TensorValue] = ()) -> TensorValue:
    """Analyse ``layer`` on ``x`` and emit its row."""
    batch = run.batch if x.batched else ONE
    try:
        report = layer_report(layer, x.shape, batch)
    except LayerError as exc:
        raise type(exc)(f"layer {node.name} ({layer!r}): {exc}") from None  # keeps InvalidLayer
    if shared:
        if shared in run.counted and report.params != 0:
            report = without_params(report, f"parameters shared with an earlier call of {shared}")
        run.counted.add(shared)
    out = after(x, layer, report.output_shape, node.name, report.params != 0)
    return emit(run, node, report, [x, *extra_inputs], out)


def operand(value: Any, node: Node) -> Operand:
    """A merge operand: a tensor, or a Python/SymPy number (a 0-d constant)."""
    if isinstance(value, TensorValue):
        return value.operand
    if isinstance(value, bool) or not isinstance(value, int | float | sp.Basic):
        raise LayerError(f"{node.name}: operand {value!r} is neither a tensor nor a number")
    if isinstance(value, sp.Basic) and not is_number(value):
        raise LayerError(f"{node.name}: a tensor combined with the size {value} is not modelled")
    return Operand((), False)


class MergeCall:
    """A several-input layer (:mod:`symconv.layers.merge`) on the node's arguments."""

    def __init__(self, merge: Merge) -> None:
        self.merge = merge

    def __repr__(self) -> str:
        return repr(self.merge)

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape
                 ) -> TensorValue:
        return apply_merge(run, node, self.merge, list(args))


def apply_merge(run: Run, node: Node, merge: Merge, args: list[Any]) -> TensorValue:
    operands = [operand(a, node) for a in args]
    tensors = [a for a in args if isinstance(a, TensorValue)]
    try:
        report = merge.analyze(operands, run.batch)
    except LayerError as exc:
        text = str(exc)
        raise type(exc)(f"{node.name}{' ' if text.startswith('(') else ': '}{text}") from None
    along = None
    if isinstance(merge, Cat) and tensors and tensors[0].batched:
        along = merge.dim % (len(tensors[0].shape) + 1) - 1
    field, why, axes = merged(tensors, report.output_shape, node.name, run.notes, along,
                              run.merges)
    batched = any(t.batched for t in tensors)
    out = TensorValue(report.output_shape, batched, node.name, field, why, axes)
    return emit(run, node, report, tensors, out)
