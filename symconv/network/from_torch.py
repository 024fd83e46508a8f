"""Import a real ``torch.nn.Module`` as a symconv network (optional extra: needs torch).

``torch.fx.symbolic_trace`` records the module's forward pass as a graph.
Each tensor in that graph is kept as the chain of symconv layers that
produced it from the input.  Where two chains meet (``a + b``,
``torch.cat``), their longest common start is the fork point: the two tails
become a :class:`~symconv.network.Residual` (body and shortcut) or the
branches of a :class:`~symconv.network.Concat`.  torch.nn layers map to the
symconv classes of the same name, with the same arguments.

Rows are named after torch's modules (``features.0``, ``layer1.0.conv1``) and
graph nodes (``add``, ``cat``).

Examples
--------
>>> import torch.nn as nn
>>> net = from_torch(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()), (3, 32, 32))
>>> net
Sequential(Conv2d(3, 8, ...), ReLU())
"""

from __future__ import annotations

import inspect
import operator
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from symconv.layers.base import Layer, as_shape
from symconv.network.containers import Concat, Residual, Sequential
from symconv.symbols import Value, is_number

Chain = tuple[tuple[str, Any], ...]  # (row name, symconv layer or container) from the input


class TorchImportError(ValueError):
    """A module uses something symconv cannot model; says which graph node."""


def convert_module(module: Any) -> Layer:
    """The symconv layer for one torch.nn leaf module (same class name, same arguments)."""
    from symconv.spec import LAYER_TYPES

    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn") and cls.__name__ in LAYER_TYPES:
            target = LAYER_TYPES[cls.__name__]
            break
    else:
        raise TorchImportError(f"{type(module).__name__} has no symconv counterpart")
    if getattr(module, "return_indices", False):
        raise TorchImportError(f"{type(module).__name__}(return_indices=True) is not modelled")
    kwargs = {}
    for name in inspect.signature(target.__init__).parameters:
        if name == "self" or not hasattr(module, name):
            continue
        value = getattr(module, name)
        if name == "bias":
            value = value is not None
        kwargs[name] = value
    return target(**kwargs)


def _common_start(chains: Sequence[Chain]) -> int:
    n = 0
    while all(len(c) > n for c in chains) and all(c[n][1] is chains[0][n][1] for c in chains):
        n += 1
    return n


def _seq(chain: Chain) -> Sequential:
    """A Sequential keeping the chain's names (a module called twice gets ``name_1``)."""
    items: OrderedDict[str, Any] = OrderedDict()
    for name, part in chain:
        key, k = name, 0
        while key in items:
            k += 1
            key = f"{name}_{k}"
        items[key] = part
    return Sequential(items)


def _scoped(chains: Sequence[Chain], node_name: str) -> tuple[str, list[Chain]]:
    """Name a merge after the module holding all its paths (``layer1.0``), paths relative.

    Without a common module (functional code), the graph node's name is used.
    """
    paths = [name.split(".") for chain in chains for name, _ in chain]
    common: list[str] = []
    while paths and all(len(p) > len(common) + 1 for p in paths) and len(
            {p[len(common)] for p in paths}) == 1:
        common.append(paths[0][len(common)])
    if not common:
        return node_name, list(chains)
    cut = len(".".join(common)) + 1
    return ".".join(common), [tuple((n[cut:], part) for n, part in c) for c in chains]


def _function_layer(node: Any, torch: Any) -> Layer | None:
    """Layers written as functions or tensor methods (F.relu, torch.flatten, x.view...)."""
    import torch.nn.functional as F

    import symconv.layers as L

    fn, args, kw = node.target, node.args, node.kwargs
    if fn in (F.relu, torch.relu, "relu", "relu_"):
        return L.ReLU()
    if fn in (torch.sigmoid, F.sigmoid, "sigmoid"):
        return L.Sigmoid()
    if fn in (torch.tanh, F.tanh, "tanh"):
        return L.Tanh()
    if fn in (F.gelu,):
        return L.GELU()
    if fn in (F.dropout,):
        return L.Dropout(kw.get("p", args[1] if len(args) > 1 else 0.5))
    if fn in (torch.flatten, "flatten"):
        start = kw.get("start_dim", args[1] if len(args) > 1 else 0)
        end = kw.get("end_dim", args[2] if len(args) > 2 else -1)
        return L.Flatten(start, end)
    if fn in (F.adaptive_avg_pool2d,):
        return L.AdaptiveAvgPool2d(kw.get("output_size", args[1] if len(args) > 1 else None))
    if fn in ("view", "reshape", torch.reshape):
        dims = args[1] if len(args) == 2 and isinstance(args[1], tuple | list) else args[1:]
        if len(dims) == 2 and dims[1] == -1 and _is_batch_size(dims[0]):
            return L.Flatten()
    return None


def _is_batch_size(arg: Any) -> bool:
    """``x.size(0)`` / ``x.shape[0]`` in a graph: the batch axis kept by a flattening view."""
    target: Any = getattr(arg, "target", None)
    args: tuple[Any, ...] = tuple(getattr(arg, "args", ()))
    if target == "size" and len(args) == 2 and args[1] == 0:
        return True
    return target is operator.getitem and len(args) == 2 and args[1] == 0


def _is_size_query(node: Any, tensors: list[Any]) -> bool:
    """``x.size(0)``, ``x.shape``, ``x.shape[0]``: sizes (feeding a view), not tensors."""
    if node.op == "call_method" and node.target == "size":
        return True
    if node.op == "call_function" and node.target is getattr:
        return len(node.args) == 2 and node.args[1] == "shape"
    return node.op == "call_function" and node.target is operator.getitem and not tensors


def trace(module: Any) -> Sequential:
    """Convert ``module``'s traced forward pass into a symconv network."""
    import torch
    import torch.fx

    graph_module = torch.fx.symbolic_trace(module)
    modules = dict(graph_module.named_modules())
    values: dict[Any, Any] = {}
    for node in graph_module.graph.nodes:
        where = f"graph node {node.name!r} ({node.op} {node.target})"
        if node.op == "placeholder":
            if values:
                raise TorchImportError(f"{where}: only single-input modules are supported")
            values[node] = ()
            continue
        if node.op == "output":
            out = values.get(node.args[0])
            if not isinstance(out, tuple):
                raise TorchImportError(f"{where}: the output must be one tensor")
            return _seq(out)
        inputs = [values.get(a) for a in node.args if isinstance(a, torch.fx.Node)]
        tensors = [v for v in inputs if isinstance(v, tuple)]
        if node.op == "call_module":
            try:
                layer = convert_module(modules[node.target])
            except (TorchImportError, ValueError) as exc:
                raise TorchImportError(f"{where}: {exc}") from None
            values[node] = tensors[0] + ((node.target, layer),)
        elif node.target in (operator.add, operator.iadd, torch.add, "add", "add_"):
            if len(tensors) != 2 or len(node.args) != 2 or node.kwargs:
                raise TorchImportError(f"{where}: only tensor + tensor is modelled")
            values[node] = _residual(tensors[0], tensors[1], node.name)
        elif node.target in (torch.cat, torch.concat):
            values[node] = _concat(node, values, where)
        elif _is_size_query(node, tensors):
            values[node] = None
        else:
            op = _function_layer(node, torch)
            if op is None or len(tensors) != 1:
                raise TorchImportError(f"{where}: not modelled by symconv")
            values[node] = tensors[0] + ((node.name, op),)
    raise TorchImportError("the traced graph has no output")  # pragma: no cover


def _residual(a: Chain, b: Chain, name: str) -> Chain:
    n = _common_start([a, b])
    body, shortcut = a[n:], b[n:]
    if not body:
        body, shortcut = shortcut, body
    key, (body, shortcut) = _scoped([body, shortcut], name)
    block = Residual(_seq(body), _seq(shortcut) if shortcut else None)
    return a[:n] + ((key, block),)


def _concat(node: Any, values: dict[Any, Any], where: str) -> Chain:
    parts = node.args[0] if node.args else node.kwargs.get("tensors")
    dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
    if dim not in (1, -3):
        raise TorchImportError(f"{where}: only channel concatenation (dim=1) is modelled")
    chains: list[Chain] = [values.get(p) for p in parts]  # type: ignore[misc]
    if not all(isinstance(c, tuple) for c in chains):
        raise TorchImportError(f"{where}: concatenates something that is not a traced tensor")
    n = _common_start(chains)
    key, branches = _scoped([c[n:] for c in chains], node.name)
    block = Concat(*(_seq(b) for b in branches))
    return chains[0][:n] + ((key, block),)


def from_torch(module: Any, input_shape: Sequence[Value] | None = None) -> Sequential:
    """A symconv network equivalent to the torch ``module``.

    Parameters
    ----------
    module : torch.nn.Module traceable by ``torch.fx.symbolic_trace``
    input_shape : optional per-sample input shape; when numeric, the module is run
        on a meta tensor (no memory, no compute) and its output shape must equal
        the symconv network's, else ``ValueError``.
    """
    net = trace(module)
    if input_shape is not None:
        shape = as_shape(input_shape)
        ours = net.output_shape(shape)
        if all(is_number(d) for d in shape):
            theirs = _meta_output_shape(module, tuple(int(d) for d in shape))
            if tuple(int(d) for d in ours) != theirs:
                raise ValueError(f"symconv derives output shape {ours}, torch gives {theirs}")
    return net


def _meta_output_shape(module: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    import torch
    from torch.func import functional_call

    state = {name: torch.empty_like(t, device="meta")
             for name, t in [*module.named_parameters(), *module.named_buffers()]}
    with torch.no_grad():
        out = functional_call(module, state, (torch.empty((1, *shape), device="meta"),))
    return tuple(out.shape[1:])
