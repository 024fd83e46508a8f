"""Import a real ``torch.nn.Module`` as a symconv network (optional extra: needs torch).

``torch.fx.symbolic_trace`` records the module's forward pass as a graph of
nodes; each becomes one node of a symconv :class:`~symconv.network.graph.Graph`
with the same edges, so a tensor read by several later nodes (DenseNet's
concatenations, long shortcuts) is one node, counted once.

* ``call_module`` nodes become the symconv layer of the same class name with
  the same arguments (:func:`convert_module`);
* ``call_function``/``call_method`` nodes become the operations of
  :mod:`symconv.network.torch_ops` (functional layers, element-wise arithmetic,
  ``cat``, reshapes, and the size arithmetic of ``x.shape``);
* ``get_attr`` nodes (parameters and buffers read directly, such as a layer
  scale or a position embedding) become constants without a batch axis; a
  parameter is counted in the first row that reads it.

Rows are named after torch's modules: a module's own path (``features.0``,
``layer1.0.conv1``), and for a function called in a module's forward the
module's path and the function (``layer1.0.add``); a wrapper module whose
forward is one function call (torchvision's ``Permute``) gives its own path.
A module or function called again gets ``_1``, ``_2``...

Examples
--------
>>> import torch.nn as nn
>>> net = from_torch(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()), (3, 32, 32))
>>> net
Graph(Sequential: 2 layers)
>>> [row.name for row in net.analyze((3, 32, 32)).layers]
['0', '1']
"""

from __future__ import annotations

import functools
import inspect
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sympy as sp

from symconv.layers.base import Layer, LayerError, as_shape
from symconv.network.graph import Graph, Node, Ref, Run
from symconv.network.ops import InputOp, LayerCall
from symconv.network.tensors import TensorValue
from symconv.report import Shape
from symconv.symbols import Value, is_number


class TorchImportError(ValueError):
    """A module uses something symconv cannot model; says which graph node and module."""


#: Arguments read from a torch module that its attribute of the same name does not give.
_SPECIAL_ARGS = {
    "MultiheadAttention": lambda m: {"bias": m.in_proj_bias is not None,
                                     "add_bias_kv": m.bias_k is not None},
}


def convert_module(module: Any) -> Layer:
    """The symconv layer for one torch.nn leaf module (same class name, same arguments)."""
    from symconv.spec import LAYER_TYPES

    for cls in type(module).__mro__:
        if cls.__module__.startswith(("torch.nn", "torchvision.ops")) and (
                cls.__name__ in LAYER_TYPES):
            target = LAYER_TYPES[cls.__name__]
            name = cls.__name__
            break
    else:
        raise TorchImportError(f"{type(module).__name__} has no symconv counterpart")
    if getattr(module, "return_indices", False):
        raise TorchImportError(f"{type(module).__name__}(return_indices=True) is not modelled")
    kwargs = {}
    special = _SPECIAL_ARGS.get(name, lambda m: {})(module)
    for arg in _arguments(target):
        if arg in special:
            kwargs[arg] = special[arg]
            continue
        if not hasattr(module, arg):
            continue
        value = getattr(module, arg)
        if arg == "bias" and not isinstance(value, bool):
            value = value is not None
        kwargs[arg] = value
    try:
        return target(**kwargs)
    except (LayerError, ValueError, TypeError) as exc:
        raise TorchImportError(f"{type(module).__name__}: {exc}") from None


@functools.cache
def _arguments(cls: type) -> tuple[str, ...]:
    """The constructor's argument names (inspect.signature is slow; nets have hundreds of layers)."""
    return tuple(a for a in inspect.signature(cls).parameters if a != "self")


class _Unknown:
    """The value of a node left out under ``unknown="skip"``."""

    def __repr__(self) -> str:
        return "<not modelled>"


UNKNOWN = _Unknown()


class SkipOp:
    """A node symconv cannot model, kept so ``unknown="skip"`` can list it.

    For a numeric input, torch tells its output shape (a shape-only run of the
    traced module on fake tensors), so the nodes after it are still analysed;
    for a symbolic input its value is unknown and so is everything it feeds.
    """

    quiet = False

    def __init__(self, reason: str, fx_name: str, shapes: TorchShapes) -> None:
        self.reason, self.fx_name, self.shapes = reason, fx_name, shapes

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        full = self.shapes.of(self.fx_name, input_shape)
        if full is None:
            run.skipped.append((node.name, node.origin, self.reason))
            return UNKNOWN
        run.skipped.append((node.name, node.origin, self.reason + "; output shape from torch"))
        grad = any(isinstance(v, TensorValue) and v.grad for v in _values(args, kwargs))
        return TensorValue(tuple(sp.Integer(d) for d in full[1:]), True, node.name,
                           why=f"{node.name} is not modelled", grad=grad)


def _values(*items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, tuple | list):
            out += _values(*item)
        elif isinstance(item, dict):
            out += _values(*item.values())
        else:
            out.append(item)
    return out


class TorchShapes:
    """Output shapes of the traced module's nodes for a numeric input, from torch (cached)."""

    def __init__(self, root: Any, graph: Any) -> None:
        self.root, self.graph = root, graph
        self.cache: dict[Shape, dict[str, tuple[int, ...]]] = {}

    def of(self, fx_name: str, input_shape: Shape) -> tuple[int, ...] | None:
        if not all(is_number(d) for d in input_shape):
            return None
        if input_shape not in self.cache:
            self.cache[input_shape] = self._propagate(tuple(int(d) for d in input_shape))
        return self.cache[input_shape].get(fx_name)

    def _propagate(self, shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
        import torch
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.passes.shape_prop import ShapeProp

        graph_module = torch.fx.GraphModule(self.root, self.graph)  # only when needed: codegen
        tensors = [*graph_module.parameters(), *graph_module.buffers()]
        device = tensors[0].device if tensors else "cpu"  # a model built on "meta" stays there
        ShapeProp(graph_module, fake_mode=FakeTensorMode(allow_non_fake_inputs=True)
                  ).propagate(torch.empty((1, *shape), device=device))
        return {n.name: tuple(n.meta["tensor_meta"].shape) for n in graph_module.graph.nodes
                if hasattr(n.meta.get("tensor_meta"), "shape")}


def _has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, tuple | list):
        return any(_has_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    return False


class Guarded:
    """Wraps an operation: a node reading a left-out value is left out too."""

    def __init__(self, op: Any) -> None:
        self.op = op
        self.quiet = getattr(op, "quiet", False)

    def __repr__(self) -> str:
        return repr(self.op)

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        if _has_unknown(args) or _has_unknown(kwargs):
            if not self.quiet:
                run.skipped.append((node.name, node.origin, "reads a value that is not modelled"))
            return UNKNOWN
        return self.op.evaluate(run, node, args, kwargs, input_shape)


class Attribute:
    """A parameter, buffer or constant tensor read with ``get_attr``: no batch axis."""

    quiet = True

    def __init__(self, name: str, shape: tuple[int, ...], parameter: bool, grad: bool) -> None:
        self.name, self.shape, self.parameter, self.grad = name, shape, parameter, grad

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        return TensorValue(tuple(sp.Integer(s) for s in self.shape), False, node.name,
                           why="a constant tensor", grad=self.grad,
                           parameter=self.name if self.parameter else "")


class Constant:
    """A non-tensor attribute read with ``get_attr`` (a number)."""

    quiet = True

    def __init__(self, value: Any) -> None:
        self.value = value

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        return self.value


def _base_name(fx_name: str) -> str:
    return re.sub(r"_\d+$", "", fx_name)


def _scope(fx_node: Any) -> tuple[str, Any]:
    stack = fx_node.meta.get("nn_module_stack") or {}
    if not stack:
        return "", None
    path, _ = list(stack.values())[-1]
    return path, None


class _Namer:
    """Unique row names: module paths, then ``_1``, ``_2`` for repeats."""

    def __init__(self) -> None:
        self.used: Counter[str] = Counter()

    def __call__(self, name: str) -> str:
        k = self.used[name]
        self.used[name] += 1
        return name if k == 0 else f"{name}_{k}"


def trace(module: Any, unknown: str = "error") -> Graph:
    """Convert ``module``'s traced forward pass into a symconv :class:`Graph`."""
    import torch
    import torch.fx

    from symconv.layers.attention import MultiheadAttention
    from symconv.network.torch_ops import AttentionCall, lookup

    if unknown not in ("error", "skip"):
        raise ValueError(f"unknown={unknown!r}: use 'error' or 'skip'")
    try:
        tracer = torch.fx.Tracer()
        fx_graph = tracer.trace(module)
    except Exception as exc:  # torch.fx raises many kinds (TraceError, TypeError, ...)
        raise TorchImportError(f"torch.fx cannot trace {type(module).__name__}: {exc}") from None
    originals = modules = dict(module.named_modules())
    fx_nodes = list(fx_graph.nodes)
    # A wrapper module (no submodules) whose forward is one call is named by its path alone.
    calls_in: Counter[str] = Counter(_scope(n)[0] for n in fx_nodes
                                     if n.op in ("call_function", "call_method"))
    index: dict[Any, int] = {}
    nodes: list[Node] = []
    namer = _Namer()
    outputs: Any = None
    problems: list[str] = []
    shapes = TorchShapes(tracer.root, fx_graph)

    def refs(value: Any) -> Any:
        if isinstance(value, torch.fx.Node):
            return Ref(index[value])
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return tuple(refs(v) for v in value)
        if isinstance(value, tuple | list):
            return type(value)(refs(v) for v in value)
        if isinstance(value, dict):
            return {k: refs(v) for k, v in value.items()}
        if isinstance(value, slice):
            return slice(refs(value.start), refs(value.stop), refs(value.step))
        return value

    for fx_node in fx_nodes:
        scope, _ = _scope(fx_node)
        where = f"graph node {fx_node.name!r} ({fx_node.op} {_target_text(fx_node.target)})"
        origin = f"{where} in module {scope!r}" if scope else where
        op: Any
        if fx_node.op == "placeholder":
            if index:
                raise TorchImportError(f"{where}: only single-input modules are supported")
            index[fx_node] = len(nodes)
            nodes.append(Node("input", InputOp(), origin=origin))
            continue
        if fx_node.op == "output":
            outputs = refs(fx_node.args[0])
            continue
        if fx_node.op == "get_attr":
            op = _attribute(tracer.root, fx_node.target)
            name = fx_node.target
        elif fx_node.op == "call_module":
            name = namer(fx_node.target)
            try:
                layer = convert_module(modules[fx_node.target])
                op = (AttentionCall(layer, fx_node.target) if isinstance(layer, MultiheadAttention)
                      else LayerCall(layer, shared=fx_node.target))
            except TorchImportError as exc:
                op = _problem(problems, f"{where} in module {fx_node.target!r}: {exc}", unknown,
                              fx_node.name, shapes)
        else:
            found = lookup(fx_node)
            base = _base_name(fx_node.name)
            wrapper = scope in originals and calls_in[scope] == 1 and not list(
                originals[scope].children())
            name = namer(scope if wrapper else f"{scope}.{base}" if scope else base)
            if found is None:
                op = _problem(problems, f"{origin}: not modelled by symconv", unknown,
                              fx_node.name, shapes)
            else:
                op = found
        index[fx_node] = len(nodes)
        nodes.append(Node(name, Guarded(op) if unknown == "skip" else op, refs(tuple(fx_node.args)),
                          tuple((k, refs(v)) for k, v in fx_node.kwargs.items()), origin))
    if outputs is None:
        raise TorchImportError("the traced graph has no output")  # pragma: no cover
    used = {node.target for node in fx_nodes if node.op in ("call_module", "get_attr")}
    unused = [(name, p.numel()) for name, p in module.named_parameters()
              if not any(".".join(name.split(".")[:k]) in used
                         for k in range(1, name.count(".") + 2))]
    notes = []
    if unused:
        scopes = sorted({n.rsplit(".", 1)[0] for n, _ in unused})
        notes.append(f"{sum(k for _, k in unused):,} parameters of {', '.join(scopes)} are not used "
                     f"by the traced forward pass ({'training' if module.training else 'eval'} mode) "
                     "and not counted")
    title = f"Graph({type(module).__name__}: {sum(1 for n in fx_nodes if n.op == 'call_module')} layers)"
    return Graph(nodes, outputs, title, notes, sum(k for _, k in unused))


def _problem(problems: list[str], message: str, unknown: str, fx_name: str,
             shapes: TorchShapes) -> SkipOp:
    if unknown == "error":
        raise TorchImportError(message)
    problems.append(message)
    return SkipOp(message.rsplit(": ", 1)[-1], fx_name, shapes)


def _target_text(target: Any) -> str:
    """``torch.cumsum``, ``operator.add``, ``torch.nn.functional.relu``; a method's name."""
    if isinstance(target, str):
        return target
    name = getattr(target, "__name__", None)
    if name is None:
        return str(target)
    module = (getattr(target, "__module__", None) or "").lstrip("_")
    return f"{module}.{name}" if module else name


def _attribute(root: Any, target: str) -> Any:
    import torch

    value: Any = root
    for part in target.split("."):
        value = getattr(value, part)
    if isinstance(value, torch.Tensor):
        parameter = isinstance(value, torch.nn.Parameter)
        return Attribute(target, tuple(value.shape), parameter,
                         bool(parameter and value.requires_grad))
    return Constant(value)


def from_torch(module: Any, input_shape: Sequence[Value] | None = None,
               unknown: str = "error") -> Graph:
    """A symconv network equivalent to the torch ``module``.

    Parameters
    ----------
    module : torch.nn.Module traceable by ``torch.fx.symbolic_trace``
    input_shape : optional per-sample input shape; when numeric, the module is run
        on a meta tensor (no memory, no compute) and its output shapes must equal
        the symconv network's, else ``ValueError``.
    unknown : ``"error"`` (default) raises :class:`TorchImportError` naming the first
        node symconv cannot model and its module; ``"skip"`` leaves such nodes out of
        the table: the report lists them in ``skipped`` and a note.  With a numeric
        input their output shapes come from torch, so every other node is analysed;
        with a symbolic one what they feed is left out too.
    """
    net = trace(module, unknown)
    if input_shape is not None:
        shape = as_shape(input_shape)
        report = net.analyze(shape)
        if all(is_number(d) for d in shape) and not report.skipped:
            theirs = _meta_output_shapes(module, tuple(int(d) for d in shape))
            ours = [tuple(int(d) for d in s) for s in report.output_shapes]
            if ours != theirs:
                raise ValueError(f"symconv derives output shapes {ours}, torch gives {theirs}")
    return net


def _meta_output_shapes(module: Any, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    import torch
    from torch.func import functional_call

    state = {name: torch.empty_like(t, device="meta")
             for name, t in [*module.named_parameters(), *module.named_buffers()]}
    with torch.no_grad():
        out = functional_call(module, state, (torch.empty((1, *shape), device="meta"),))
    return [tuple(t.shape[1:]) for t in _tensors(out)]


def _tensors(value: Any) -> list[Any]:
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, tuple | list):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []
