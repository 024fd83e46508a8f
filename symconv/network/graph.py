"""A network as a DAG of nodes: tensors are shared, every node is counted once.

A :class:`Graph` is a list of :class:`Node` in execution order.  A node's
arguments are plain values and :class:`Ref` s to earlier nodes, so a tensor
used by several later nodes (a DenseNet feature map read by every following
concatenation, a shortcut skipping several stages) is one node, derived and
counted once, whatever reads it.  Node 0 is the network input.

:func:`symconv.analyze` walks the nodes in order.  Each node's operation
(:mod:`symconv.network.ops`) turns its evaluated arguments into a value: a
:class:`~symconv.network.tensors.TensorValue` (and then one row of the table,
the layer's own :class:`~symconv.report.LayerReport`), or a plain value such
as a size read with ``x.shape[2]``, which later nodes compute with.  Sizes
are SymPy expressions, so a graph imported from torch whose forward pass
reshapes with ``x.shape`` works for a symbolic input size too.

The containers :class:`~symconv.network.Sequential`,
:class:`~symconv.network.Residual` and :class:`~symconv.network.Concat` are
builders of graphs; :func:`~symconv.network.from_torch` makes one from a
traced torch module.

Examples
--------
>>> import symconv
>>> from symconv.layers.merge import Cat
>>> g = GraphBuilder()
>>> x = g.input()
>>> a = g.layer("conv", symconv.Conv2d(4, 4, 3, padding=1), x)
>>> b = g.merge("cat", Cat(1), x, a)        # x is read twice: by conv and by cat
>>> c = g.merge("cat2", Cat(1), x, a, b)    # and again, with a and b
>>> r = symconv.analyze(g.build(c), (4, 8, 8))
>>> [(row.name, row.output_shape) for row in r.layers]
[('conv', (4, 8, 8)), ('cat', (8, 8, 8)), ('cat2', (16, 8, 8))]
>>> r.total.params, r.row("cat2").inputs
(148, ('input', 'conv', 'cat'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symconv.layers.base import as_shape
from symconv.network.cache import collection_deferred
from symconv.network.report import NetworkLayer, NetworkReport
from symconv.report import Shape
from symconv.symbols import Value, to_expr

__all__ = ["Network", "Graph", "Node", "Ref", "GraphBuilder", "Run"]


@dataclass(frozen=True)
class Ref:
    """The value of node ``index`` of the same graph."""

    index: int


@dataclass(frozen=True)
class Node:
    """One operation of a graph: its row name, what it does and what it reads."""

    name: str
    op: Any
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    #: Where it comes from, for error messages (a torch module path and graph node).
    origin: str = ""


@dataclass
class Run:
    """State of one analysis: the batch, conditions and notes found, rows made."""

    batch: sp.Expr
    conditions: list[sp.Basic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: list[NetworkLayer] = field(default_factory=list)
    #: Parameters (by attribute or module path) already counted in some row.
    counted: set[str] = field(default_factory=set)
    #: Nodes left out under ``unknown="skip"``: (row name, origin, reason).
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    #: Receptive fields already merged, by the ids of the two fields (a dense block's
    #: concatenations repeat the same left fold, one input longer each time).
    merges: dict[tuple[int, int], Any] = field(default_factory=dict)

    def condition(self, cond: sp.Basic) -> None:
        if cond is not sp.true and cond not in self.conditions:
            self.conditions.append(cond)


class Network:
    """Base of every network: the analysis entry point."""

    def to_graph(self) -> Graph:
        """This network as a :class:`Graph`."""
        raise NotImplementedError

    def analyze(self, input_shape: Sequence[Value] | Value, batch: Value = 1) -> NetworkReport:
        """Per-layer reports, totals and receptive fields (see :func:`symconv.analyze`)."""
        return self.to_graph().analyze(input_shape, batch, network=repr(self))

    def output_shape(self, input_shape: Shape) -> Shape:
        """Per-sample output shape."""
        return self.to_graph().output_shape(input_shape)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} describes a network; use symconv.analyze(net, shape)")


def resolve(value: Any, values: Sequence[Any]) -> Any:
    """``value`` with every :class:`Ref` replaced by that node's value."""
    if isinstance(value, Ref):
        return values[value.index]
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple of outputs
        return type(value)(*(resolve(v, values) for v in value))
    if isinstance(value, tuple | list):
        return type(value)(resolve(v, values) for v in value)
    if isinstance(value, dict):
        return {k: resolve(v, values) for k, v in value.items()}
    if isinstance(value, slice):
        return slice(resolve(value.start, values), resolve(value.stop, values),
                     resolve(value.step, values))
    return value


class Graph(Network):
    """A network as a DAG of :class:`Node` (see the module docstring).

    Parameters
    ----------
    nodes : the nodes in execution order; node 0 is the input
    outputs : a :class:`Ref` to the output node, or a (named) tuple of them
    title : how the network is shown (``repr``)
    notes : added to every report (e.g. parameters the forward pass never uses)
    """

    def __init__(self, nodes: Sequence[Node], outputs: Any, title: str = "Graph",
                 notes: Sequence[str] = (), unused_params: int = 0) -> None:
        self.nodes = tuple(nodes)
        self.outputs = outputs
        self.title = title
        self.notes = tuple(notes)
        #: Parameters of the source module that no node reads (e.g. auxiliary heads in eval mode).
        self.unused_params = unused_params

    def to_graph(self) -> Graph:
        return self

    def __repr__(self) -> str:
        return self.title

    def __len__(self) -> int:
        return len(self.nodes)

    def output_shape(self, input_shape: Shape) -> Shape:
        """Per-sample output shape (of the first output when there are several)."""
        return self.analyze(input_shape).output_shape

    def analyze(self, input_shape: Sequence[Value] | Value, batch: Value = 1,
                network: str | None = None) -> NetworkReport:
        from symconv.network.tensors import TensorValue

        shape = as_shape(input_shape)
        run = Run(to_expr(batch, "batch"))
        with collection_deferred():
            values: list[Any] = []
            for node in self.nodes:
                args = resolve(node.args, values)
                kwargs = {k: resolve(v, values) for k, v in node.kwargs}
                values.append(node.op.evaluate(run, node, args, kwargs, shape))
            outputs = [v for v in _flatten(resolve(self.outputs, values))
                       if isinstance(v, TensorValue)]
        if not outputs and not run.skipped:
            raise ValueError(f"{self.title}: the graph has no tensor output")
        for row in run.rows:
            for cond in row.report.conditions:
                run.condition(cond)
        notes = list(self.notes) + run.notes
        if run.skipped:
            notes.append("not modelled, left out of the table: " + "; ".join(
                f"{name} ({origin}): {why}" for name, origin, why in run.skipped))
        if not outputs:
            notes.append("the output depends on nodes that are not modelled: its shape is unknown")
        first = outputs[0] if outputs else TensorValue(())
        return NetworkReport(
            network=network or repr(self), input_shape=shape, output_shape=first.shape,
            batch=run.batch, layers=tuple(run.rows), receptive_field=first.field,
            conditions=tuple(run.conditions), notes=tuple(dict.fromkeys(notes)),
            output_shapes=tuple(v.shape for v in outputs),
            skipped=tuple(run.skipped),
        )


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, tuple | list):
        return [x for v in value for x in _flatten(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    return [value]


class GraphBuilder:
    """Appends nodes to a graph under construction (used by the containers)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []

    def input(self) -> Ref:
        from symconv.network.ops import InputOp

        return self.add(Node("input", InputOp()))

    def add(self, node: Node) -> Ref:
        self.nodes.append(node)
        return Ref(len(self.nodes) - 1)

    def layer(self, name: str, layer: Any, x: Ref) -> Ref:
        """A one-input layer applied to ``x``."""
        from symconv.network.ops import LayerCall

        return self.add(Node(name, LayerCall(layer), (x,)))

    def merge(self, name: str, merge: Any, *inputs: Any) -> Ref:
        """A several-input layer (:mod:`symconv.layers.merge`) on ``inputs``."""
        from symconv.network.ops import MergeCall

        return self.add(Node(name, MergeCall(merge), tuple(inputs)))

    def build(self, output: Any, title: str = "Graph") -> Graph:
        return Graph(self.nodes, output, title)
