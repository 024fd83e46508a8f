"""The torch functions and tensor methods a traced graph may call, as symconv operations.

:func:`~symconv.network.from_torch` looks every ``call_function`` and
``call_method`` node up in :data:`FUNCTIONS` (by the function object) or
:data:`METHODS` (by the method name).  An entry is an operation with
``evaluate(run, node, args, kwargs, input_shape)`` (see
:mod:`symconv.network.ops`):

* size arithmetic (``x.shape``, ``h // 16``, ``h == 224``, ``torch._assert``)
  gives plain values and no row (:mod:`symconv.network.values`);
* a function that is one layer of one tensor (``F.relu``, ``torch.flatten``,
  ``x.permute``) builds that symconv layer from its arguments and adds its row;
* element-wise arithmetic and ``torch.cat`` are merges (:mod:`symconv.layers.merge`).

Examples
--------
>>> import operator
>>> functions()[operator.floordiv]
size operation floordiv
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

import symconv.layers as L
from symconv.layers import shape as S
from symconv.layers.base import LayerError
from symconv.layers.merge import BATCH_AXIS, Add, Cat, Div, Mul, Sub
from symconv.network.graph import Node, Run
from symconv.network.ops import apply_layer, apply_merge, tensor_arg
from symconv.network.tensors import TensorValue
from symconv.network.values import arithmetic, as_size, is_plain, known_bool
from symconv.report import Shape


class Op:
    """Base of the torch operations; ``quiet`` ones make no row (sizes, tuples)."""

    quiet = False

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        raise NotImplementedError


# -- plain values -----------------------------------------------------------------------

class SizeOp(Op):
    """Python/SymPy arithmetic on sizes; on tensors, the element-wise merge."""

    quiet = True

    def __init__(self, name: str, merge: Any = None) -> None:
        self.name, self.merge = name, merge

    def __repr__(self) -> str:
        return f"size operation {self.name}"

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        if any(isinstance(a, TensorValue) for a in args):
            if self.merge is None:
                raise LayerError(f"{node.name}: {self.name} of tensors is not modelled")
            merge = self.merge
            values = list(args)
            if self.name in ("sub", "truediv") and not isinstance(args[0], TensorValue):
                raise LayerError(f"{node.name}: number {self.name} tensor is not modelled")
            return apply_merge(run, node, merge, values)
        if not all(is_plain(a) for a in args):
            raise LayerError(f"{node.name}: {self.name} of {args!r} is not modelled")
        return arithmetic(self.name, *args)


class Assert(Op):
    """``torch._assert(condition, message)``: an error when false, a condition when undecided."""

    quiet = True

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        cond = args[0] if args else kwargs.get("condition")
        message = args[1] if len(args) > 1 else kwargs.get("message", "assertion failed")
        verdict = known_bool(cond)
        if verdict is False:
            raise LayerError(f"{node.origin or node.name}: {message}")
        if verdict is None:
            run.condition(cond)
        return None


class ShapeOf(Op):
    """``x.shape``, ``x.size()``, ``x.size(d)``, ``x.dim()``, ``x.numel()``."""

    quiet = True

    def __init__(self, what: str) -> None:
        self.what = what

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        x = tensor_arg(node, args[0])
        full = x.full_shape
        if self.what == "dim":
            return len(full)
        if self.what == "numel":
            return sp.Mul(*x.shape) * (run.batch if x.batched else 1)
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        if self.what == "size" and dim is not None:
            return full[dim]
        return tuple(full)


class GetAttr(Op):
    """``getattr(x, name)``: ``shape`` of a tensor; other attributes are opaque."""

    quiet = True

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        value, name = args[0], args[1]
        if isinstance(value, TensorValue):
            if name == "shape":
                return tuple(value.full_shape)
            if name == "ndim":
                return len(value.full_shape)
            return None  # dtype, device: irrelevant to the counts
        return getattr(value, name)


class GetItem(Op):
    """``a[i]``: an element of a tuple of sizes or outputs; indexing of a tensor is a layer."""

    quiet = True

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        value, index = args
        if isinstance(value, TensorValue):
            return index_tensor(run, node, value, index)
        try:
            return value[index]
        except (TypeError, IndexError, KeyError) as exc:
            raise LayerError(f"{node.name}: cannot index {value!r} with {index!r}: {exc}") from None


def index_tensor(run: Run, node: Node, x: TensorValue, index: Any) -> TensorValue:
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, TensorValue) for i in items):
        if len(items) != 1:
            raise LayerError(f"{node.name}: indexing with tensors beside other indices is not modelled")
        idx = items[0]
        return apply_layer(run, node, S.Gather(idx.full_shape), x, extra_inputs=[idx])
    if x.batched:
        if not items or items[0] is Ellipsis:
            per_sample = items
        elif items[0] == slice(None):
            per_sample = items[1:]
        else:
            raise LayerError(f"{node.name}: indexing the batch axis is not modelled")
    else:
        per_sample = items
    return apply_layer(run, node, S.Slice(per_sample), x)


class Pack(Op):
    """A named tuple of outputs (``GoogLeNetOutputs(logits, aux2, aux1)``)."""

    quiet = True

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        return tuple(args) + tuple(kwargs.values())


class Identity(Op):
    """Returns its first argument (``x.contiguous()`` is a layer; this is for ``detach``...)."""

    quiet = True

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        return args[0]


# -- layers of one tensor ------------------------------------------------------------

Builder = Callable[..., Any]


class LayerOf(Op):
    """A function that is one layer of its first argument, built by ``build(x, *args, **kw)``.

    ``called_as`` records how the function was called (profilers count ``F.relu``
    and ``nn.ReLU`` differently; see :mod:`symconv.counting`).
    """

    def __init__(self, build: Builder, name: str, called_as: str = "functional") -> None:
        self.build, self.name, self.called_as = build, name, called_as

    def __repr__(self) -> str:
        return f"layer {self.name}"

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        x = tensor_arg(node, args[0] if args else kwargs.pop("input", None))
        try:
            layer = self.build(x, *args[1:], **kwargs)
        except TypeError as exc:
            raise LayerError(f"{node.name}: unexpected arguments for {self.name}: {exc}") from None
        if isinstance(layer, TensorValue):  # the identity (dropout in evaluation mode, ...)
            return layer
        if self.called_as != "module" and hasattr(layer, "called_as"):
            layer.called_as = self.called_as
        extra = [v for v in (*args[1:], *kwargs.values()) if isinstance(v, TensorValue)]
        return apply_layer(run, node, layer, x, extra_inputs=extra)


def dim_of(x: TensorValue, dim: int) -> int:
    """torch's ``dim`` of ``x`` as a dim of symconv's batched view of it.

    An unbatched tensor is analysed as one sample (batch 1), so its axes move up by one.
    """
    if x.batched or dim < 0:
        return dim
    return dim + 1


def sample_sizes(x: TensorValue, sizes: Sequence[Any], what: str) -> tuple[Any, ...]:
    """A full target shape (``view(n, c, h*w)``) as a per-sample one."""
    items = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], tuple | list) else tuple(
        sizes)
    items = tuple(-1 if s == -1 else as_size(s, what) for s in items)
    if not x.batched:
        if BATCH_AXIS in items:
            raise LayerError(f"{what}: a constant given the batch size is not modelled")
        return items
    if not items or items[0] is not BATCH_AXIS:
        if items and items[0] == -1 and BATCH_AXIS not in items[1:]:
            return items[1:]  # view(-1, ...) keeps the batch when the rest is per sample
        raise LayerError(f"{what} must keep the batch axis first (x.view(x.size(0), ...))")
    if BATCH_AXIS in items[1:]:
        raise LayerError(f"{what}: the batch size used twice")
    return items[1:]


def _flatten(x: TensorValue, start_dim: int = 0, end_dim: int = -1) -> Any:
    return L.Flatten(dim_of(x, start_dim), dim_of(x, end_dim))


def _view(x: TensorValue, *sizes: Any) -> Any:
    return S.Reshape(sample_sizes(x, sizes, "view"))


def _permute(x: TensorValue, *dims: Any) -> Any:
    items = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], tuple | list) else dims
    if not x.batched:
        items = (0, *(dim_of(x, d) for d in items))
    return S.Permute(items)


def _transpose(x: TensorValue, dim0: int, dim1: int) -> Any:
    return S.Transpose(dim_of(x, dim0), dim_of(x, dim1))


def _unsqueeze(x: TensorValue, dim: int) -> Any:
    rank = len(x.full_shape) + 1
    return S.Unsqueeze(dim_of(x, dim % rank))


def _squeeze(x: TensorValue, dim: int | None = None) -> Any:
    return S.Squeeze(None if dim is None else dim_of(x, dim))


def _contiguous(x: TensorValue, *args: Any, **kwargs: Any) -> Any:
    return S.Contiguous()


def _dropout(x: TensorValue, p: float = 0.5, training: bool = False, inplace: bool = False) -> Any:
    return L.Dropout(p)


def _identity(x: TensorValue, *args: Any, **kwargs: Any) -> Any:
    return x


def _adaptive_avg_pool2d(x: TensorValue, output_size: Any) -> Any:
    return L.AdaptiveAvgPool2d(output_size)


def _simple(cls: type) -> Builder:
    def build(x: TensorValue, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("inplace", None)
        return cls()
    return build


class Concatenate(Op):
    """``torch.cat(tensors, dim)``."""

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        tensors = args[0] if args else kwargs.get("tensors")
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if not isinstance(tensors, tuple | list) or not all(
                isinstance(t, TensorValue) for t in tensors):
            raise LayerError(f"{node.name}: torch.cat of something that is not a list of tensors")
        return apply_merge(run, node, Cat(dim_of(tensors[0], dim)), list(tensors))


def _arith(name: str, merge: Any = None) -> SizeOp:
    return SizeOp(name, merge)


#: ``call_function`` targets (function objects) -> operations; filled on first use (needs torch).
FUNCTIONS: dict[Any, Op] = {}
#: ``call_method`` targets (method names) -> operations.
METHODS: dict[str, Op] = {}


def _register() -> None:
    import torch
    import torch.nn.functional as F

    for name, merge in (("add", Add()), ("sub", Sub()), ("mul", Mul()), ("truediv", Div()),
                        ("floordiv", None), ("mod", None), ("neg", None), ("pow", None),
                        ("eq", None), ("ne", None), ("lt", None), ("le", None), ("gt", None),
                        ("ge", None)):
        FUNCTIONS[getattr(operator, name)] = _arith(name, merge)
        if name in ("add", "sub", "mul", "truediv"):
            FUNCTIONS[getattr(operator, "i" + name)] = _arith(name, merge)
    for fn, name, merge in ((torch.add, "add", Add()), (torch.mul, "mul", Mul()),
                            (torch.sub, "sub", Sub()), (torch.div, "truediv", Div())):
        FUNCTIONS[fn] = _arith(name, merge)
    for method, name, merge in (("add", "add", Add()), ("add_", "add", Add()),
                                ("mul", "mul", Mul()), ("mul_", "mul", Mul()),
                                ("sub", "sub", Sub()), ("div", "truediv", Div())):
        METHODS[method] = _arith(name, merge)
    FUNCTIONS[torch._assert] = Assert()
    FUNCTIONS[getattr] = GetAttr()
    FUNCTIONS[operator.getitem] = GetItem()
    for what in ("size", "dim", "numel"):
        METHODS[what] = ShapeOf(what)
    FUNCTIONS[torch.cat] = FUNCTIONS[torch.concat] = Concatenate()

    layer_functions: list[tuple[Sequence[Any], Builder, str]] = [
        ((torch.flatten,), _flatten, "torch"),
        ((torch.reshape,), _view, "torch"),
        ((torch.permute,), _permute, "torch"),
        ((torch.transpose, torch.swapaxes, torch.swapdims), _transpose, "torch"),
        ((torch.unsqueeze,), _unsqueeze, "torch"),
        ((torch.squeeze,), _squeeze, "torch"),
        ((F.relu,), _simple(L.ReLU), "functional"),
        ((torch.relu, torch.relu_), _simple(L.ReLU), "torch"),
        ((F.sigmoid, torch.sigmoid), _simple(L.Sigmoid), "torch"),
        ((F.tanh, torch.tanh), _simple(L.Tanh), "torch"),
        ((F.gelu,), _simple(L.GELU), "functional"),
        ((F.dropout,), _dropout, "functional"),
        ((F.adaptive_avg_pool2d,), _adaptive_avg_pool2d, "functional"),
    ]
    for fns, build, called_as in layer_functions:
        for fn in fns:
            FUNCTIONS[fn] = LayerOf(build, getattr(fn, "__name__", str(fn)), called_as)
    layer_methods: list[tuple[Sequence[str], Builder]] = [
        (("flatten",), _flatten), (("view", "reshape"), _view), (("permute",), _permute),
        (("transpose", "swapaxes", "swapdims"), _transpose), (("unsqueeze",), _unsqueeze),
        (("squeeze",), _squeeze), (("contiguous",), _contiguous),
        (("relu", "relu_"), _simple(L.ReLU)), (("sigmoid",), _simple(L.Sigmoid)),
        (("tanh",), _simple(L.Tanh)),
    ]
    for names, build in layer_methods:
        for name in names:
            METHODS[name] = LayerOf(build, name, "torch")
    for name in ("detach", "clone", "float", "to", "type_as", "cpu"):
        METHODS[name] = Identity()


def functions() -> dict[Any, Op]:
    """:data:`FUNCTIONS`, registered on first use."""
    if not FUNCTIONS:
        _register()
    return FUNCTIONS


def lookup(node: Any) -> Op | None:
    """The operation of an fx ``call_function``/``call_method`` node, or None."""
    functions()
    if node.op == "call_method":
        return METHODS.get(node.target)
    target = node.target
    if isinstance(target, type) and issubclass(target, tuple) and hasattr(target, "_fields"):
        return Pack(target)
    try:
        return FUNCTIONS.get(target)
    except TypeError:  # an unhashable target
        return None
