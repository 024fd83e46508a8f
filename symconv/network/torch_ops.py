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

import copy
import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

import symconv.layers as L
from symconv.layers import matmul as M
from symconv.layers import norm as N
from symconv.layers import reduce as R
from symconv.layers import resample as U
from symconv.layers import shape as S
from symconv.layers import swin as W
from symconv.layers.base import LayerError
from symconv.layers.dims import sample_axis
from symconv.layers.merge import BATCH_AXIS, Add, Cat, Div, Mul, Sub
from symconv.network.cache import layer_report
from symconv.network.graph import Node, Run
from symconv.network.ops import apply_layer, apply_merge, emit, tensor_arg
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

    def __init__(self, build: Builder, name: str, called_as: str = "functional",
                 claims: bool = False) -> None:
        self.build, self.name, self.called_as, self.claims = build, name, called_as, claims

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
        if isinstance(layer, tuple):  # a layer and the tensors its parameters come from
            layer, extra = layer
        else:
            extra = [v for v in (*args[1:], *kwargs.values()) if isinstance(v, TensorValue)]
        if self.called_as != "module" and hasattr(layer, "called_as"):
            layer.called_as = self.called_as
        if self.claims:  # the layer counts these parameters itself
            run.counted.update(v.parameter for v in extra if v.parameter)
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


def _simple(cls: type) -> Builder:
    def build(x: TensorValue, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("inplace", None)
        return cls()
    return build


def _relu6(x: TensorValue, inplace: bool = False) -> Any:
    return L.ReLU6()


def _hardtanh(x: TensorValue, min_val: float = -1.0, max_val: float = 1.0,
              inplace: bool = False) -> Any:
    if (min_val, max_val) != (0.0, 6.0):
        raise LayerError(f"hardtanh({min_val}, {max_val}) is not modelled (ReLU6 only)")
    return L.ReLU6()


def _leaky_relu(x: TensorValue, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    return L.LeakyReLU(negative_slope)


def _gelu(x: TensorValue, approximate: str = "none") -> Any:
    return L.GELU(approximate)


def _softmax(x: TensorValue, dim: int | None = None, _stacklevel: int = 3,
             dtype: Any = None) -> Any:
    if dim is None:
        raise LayerError("softmax without dim is not modelled")
    return R.Softmax(dim_of(x, dim))


def _log_softmax(x: TensorValue, dim: int | None = None, _stacklevel: int = 3,
                 dtype: Any = None) -> Any:
    if dim is None:
        raise LayerError("log_softmax without dim is not modelled")
    return R.LogSoftmax(dim_of(x, dim))


def _reduce(cls: type) -> Builder:
    def build(x: TensorValue, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
        if dim is None:
            return cls(None, keepdim)
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        return cls(tuple(dim_of(x, d) for d in dims), keepdim)
    return build


def _const(value: Any, what: str) -> TensorValue | None:
    if value is None:
        return None
    if not isinstance(value, TensorValue) or value.batched:
        raise LayerError(f"{what} must be a parameter or constant tensor")
    return value


def _weights(*values: Any) -> list[TensorValue]:
    return [v for v in values if isinstance(v, TensorValue)]


def _layer_norm(x: TensorValue, normalized_shape: Any, weight: Any = None, bias: Any = None,
                eps: float = 1e-5) -> Any:
    w, b = _const(weight, "layer_norm weight"), _const(bias, "layer_norm bias")
    return N.LayerNorm(tuple(normalized_shape), eps, w is not None, b is not None), _weights(w, b)


def _group_norm(x: TensorValue, num_groups: int, weight: Any = None, bias: Any = None,
                eps: float = 1e-5) -> Any:
    w, b = _const(weight, "group_norm weight"), _const(bias, "group_norm bias")
    return N.GroupNorm(num_groups, x.shape[0] if x.batched else x.shape[1], eps,
                       w is not None), _weights(w, b)


def _linear(x: TensorValue, weight: Any, bias: Any = None) -> Any:
    w, b = _const(weight, "linear weight"), _const(bias, "linear bias")
    assert w is not None
    out, inp = w.full_shape
    return L.Linear(inp, out, b is not None), _weights(w, b)


def _conv(cls: type) -> Builder:
    def build(x: TensorValue, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
              dilation: Any = 1, groups: int = 1) -> Any:
        w, b = _const(weight, "conv weight"), _const(bias, "conv bias")
        assert w is not None
        out, per_group, *kernel = w.full_shape
        layer = cls(per_group * groups, out, tuple(kernel), stride, padding, dilation, groups,
                    b is not None)
        return layer, _weights(w, b)
    return build


def _max_pool(cls: type) -> Builder:
    def build(x: TensorValue, kernel_size: Any, stride: Any = None, padding: Any = 0,
              dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
        if return_indices:
            raise LayerError("max pooling with return_indices=True is not modelled")
        return cls(kernel_size, stride or None, padding, dilation, ceil_mode)
    return build


def _avg_pool(cls: type) -> Builder:
    def build(x: TensorValue, kernel_size: Any, stride: Any = None, padding: Any = 0,
              ceil_mode: bool = False, count_include_pad: bool = True,
              divisor_override: Any = None) -> Any:
        return cls(kernel_size, stride or None, padding, ceil_mode, count_include_pad,
                   divisor_override)
    return build


def _adaptive(cls: type) -> Builder:
    def build(x: TensorValue, output_size: Any, return_indices: bool = False) -> Any:
        if return_indices:
            raise LayerError("adaptive max pooling with return_indices=True is not modelled")
        return cls(output_size)
    return build


def _interpolate(x: TensorValue, size: Any = None, scale_factor: Any = None,
                 mode: str = "nearest", align_corners: Any = None,
                 recompute_scale_factor: Any = None, antialias: bool = False) -> Any:
    if antialias:
        raise LayerError("interpolate with antialias=True is not modelled")
    return U.Upsample(size, scale_factor, mode, align_corners, recompute_scale_factor)


def _pad(x: TensorValue, pad: Any, mode: str = "constant", value: Any = None) -> Any:
    return U.Pad(tuple(pad), mode, value)


def _channel_shuffle(x: TensorValue, groups: int) -> Any:
    return U.ChannelShuffle(groups)


def _roll(x: TensorValue, shifts: Any, dims: Any = None) -> Any:
    return S.Roll()


def _stochastic_depth(x: TensorValue, p: float, mode: str, training: bool = True) -> Any:
    return L.StochasticDepth(p, mode)


def _shifted_window_attention(x: TensorValue, qkv_weight: Any, proj_weight: Any,
                              relative_position_bias: Any, window_size: Any, num_heads: Any,
                              shift_size: Any, attention_dropout: float = 0.0,
                              dropout: float = 0.0, qkv_bias: Any = None, proj_bias: Any = None,
                              logit_scale: Any = None, training: bool = True) -> Any:
    qw, pw = _const(qkv_weight, "qkv_weight"), _const(proj_weight, "proj_weight")
    qb, pb = _const(qkv_bias, "qkv_bias"), _const(proj_bias, "proj_bias")
    ls = _const(logit_scale, "logit_scale")
    assert qw is not None
    layer = W.ShiftedWindowAttention(qw.full_shape[1], window_size, shift_size, num_heads,
                                     qb is not None, pb is not None, ls is not None)
    bias = relative_position_bias if isinstance(relative_position_bias, TensorValue) else None
    return layer, [*_weights(qw, pw, qb, pb, ls), *_weights(bias)]


def _relative_position_bias(x: TensorValue, relative_position_index: Any, window_size: Any) -> Any:
    return W.RelativePositionBias(window_size), _weights(relative_position_index)


def _patch_merging_pad(x: TensorValue) -> Any:
    return W.PatchMergingPad()


class Chunked(Op):
    """``torch.chunk`` / ``torch.split``: one row, a tuple of views."""

    def __init__(self, split: bool) -> None:
        self.split = split

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        x = tensor_arg(node, args[0])
        rest = list(args[1:])
        count: Any = rest.pop(0) if rest else kwargs.get(
            "split_size_or_sections" if self.split else "chunks")
        dim = rest.pop(0) if rest else kwargs.get("dim", 0)
        dim = dim_of(x, dim)
        if self.split:
            axis = sample_axis(dim, len(x.shape))
            n = x.shape[axis]
            if isinstance(count, int):
                full, last = divmod(int(n), count) if n.is_Integer else (None, None)
                if full is None:
                    raise LayerError(f"{node.name}: split of a symbolic size is not modelled")
                sizes = [count] * full + ([last] if last else [])
            else:
                sizes = list(count)
            layer = S.Chunk(len(sizes), dim, sizes)
        else:
            layer = S.Chunk(count, dim)
        out = apply_layer(run, node, layer, x)
        return tuple(dataclasses.replace(out, shape=piece) for piece in layer.pieces(x.shape))


class Expanded(Op):
    """``x.expand(B, ...)``: a constant (a class token) stretched over the batch is batched."""

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        x = tensor_arg(node, args[0])
        sizes = list(args[1:])
        if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
            sizes = list(sizes[0])
        if x.batched or not sizes or sizes[0] is not BATCH_AXIS:
            return apply_layer(run, node, S.Expand(sample_sizes(x, sizes, "expand")), x)
        full = x.full_shape
        if len(sizes) != len(full) or full[0] != 1:
            raise LayerError(f"{node.name}: expand of {full} to {sizes} is not modelled")
        target = [f if s == -1 else as_size(s, "expand") for s, f in zip(sizes[1:], full[1:])]
        layer = S.Expand(target)
        report = layer_report(layer, tuple(full[1:]), run.batch)
        out = TensorValue(report.output_shape, True, node.name, why="a constant tensor")
        return emit(run, node, report, [x], out)


class Product(Op):
    """``a @ b``, ``torch.matmul``, ``torch.bmm``, ``torch.einsum``."""

    def __init__(self, einsum: bool = False) -> None:
        self.einsum = einsum

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        if self.einsum:
            equation, *operands = args
            if len(operands) == 1 and isinstance(operands[0], tuple | list):
                operands = list(operands[0])
            return apply_merge(run, node, M.Einsum(equation), operands)
        return apply_merge(run, node, M.MatMul(), list(args[:2]))


class AttentionCall(Op):
    """A ``torch.nn.MultiheadAttention`` module call: ``(output, weights or None)``."""

    def __init__(self, layer: Any, shared: str = "") -> None:
        self.layer, self.shared = layer, shared

    def __repr__(self) -> str:
        return repr(self.layer)

    def evaluate(self, run: Run, node: Node, args: tuple, kwargs: dict, input_shape: Shape) -> Any:
        names = ("query", "key", "value", "key_padding_mask", "need_weights", "attn_mask",
                 "average_attn_weights", "is_causal")
        bound = dict(zip(names, args)) | kwargs
        q, k, v = (bound.get(n) for n in names[:3])
        if not (q is k is v):
            raise LayerError(f"{node.name}: only self-attention (query is key is value) is modelled")
        if bound.get("key_padding_mask") is not None or bound.get("attn_mask") is not None:
            raise LayerError(f"{node.name}: attention masks are not modelled")
        layer = copy.copy(self.layer)
        layer.need_weights = bool(bound.get("need_weights", True))
        layer.average_attn_weights = bool(bound.get("average_attn_weights", True))
        out = apply_layer(run, node, layer, tensor_arg(node, q), self.shared)
        if not layer.need_weights:
            return (out, None)
        weights = dataclasses.replace(out, shape=layer.weights_shape(out.shape), field=None,
                                      why="attention weights", axes=())
        return (out, weights)


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
        ((F.gelu,), _gelu, "functional"),
        ((F.relu6,), _relu6, "functional"),
        ((F.hardtanh,), _hardtanh, "functional"),
        ((F.silu,), _simple(L.SiLU), "functional"),
        ((F.hardswish,), _simple(L.Hardswish), "functional"),
        ((F.hardsigmoid,), _simple(L.Hardsigmoid), "functional"),
        ((F.leaky_relu,), _leaky_relu, "functional"),
        ((F.softmax,), _softmax, "functional"),
        ((torch.softmax,), _softmax, "torch"),
        ((F.log_softmax,), _log_softmax, "functional"),
        ((torch.log_softmax,), _log_softmax, "torch"),
        ((F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout), _dropout,
         "functional"),
        ((F.adaptive_avg_pool2d,), _adaptive(L.AdaptiveAvgPool2d), "functional"),
        ((F.adaptive_avg_pool1d,), _adaptive(L.AdaptiveAvgPool1d), "functional"),
        ((F.adaptive_max_pool2d,), _adaptive(L.AdaptiveMaxPool2d), "functional"),
        ((F.adaptive_max_pool1d,), _adaptive(L.AdaptiveMaxPool1d), "functional"),
        ((F.max_pool1d,), _max_pool(L.MaxPool1d), "functional"),
        ((F.max_pool2d,), _max_pool(L.MaxPool2d), "functional"),
        ((F.max_pool3d,), _max_pool(L.MaxPool3d), "functional"),
        ((F.avg_pool1d,), _avg_pool(L.AvgPool1d), "functional"),
        ((F.avg_pool2d,), _avg_pool(L.AvgPool2d), "functional"),
        ((F.avg_pool3d,), _avg_pool(L.AvgPool3d), "functional"),
        ((torch.mean,), _reduce(R.Mean), "torch"),
        ((torch.sum,), _reduce(R.Sum), "torch"),
        ((torch.amax,), _reduce(R.Amax), "torch"),
        ((F.interpolate, F.upsample), _interpolate, "functional"),
        ((F.pad,), _pad, "functional"),
        ((F.channel_shuffle, torch.channel_shuffle, torch.native_channel_shuffle),
         _channel_shuffle, "functional"),
        ((torch.roll,), _roll, "torch"),
    ]
    for fns, build, called_as in layer_functions:
        for fn in fns:
            FUNCTIONS[fn] = LayerOf(build, getattr(fn, "__name__", str(fn)), called_as)
    claiming: list[tuple[Sequence[Any], Builder]] = [
        ((F.layer_norm,), _layer_norm), ((F.group_norm,), _group_norm), ((F.linear,), _linear),
        ((F.conv1d,), _conv(L.Conv1d)), ((F.conv2d,), _conv(L.Conv2d)),
        ((F.conv3d,), _conv(L.Conv3d)),
    ]
    for fns, build in claiming:
        for fn in fns:
            FUNCTIONS[fn] = LayerOf(build, getattr(fn, "__name__", str(fn)), "functional", True)
    FUNCTIONS[torch.chunk] = Chunked(False)
    FUNCTIONS[torch.split] = Chunked(True)
    FUNCTIONS[torch.matmul] = FUNCTIONS[operator.matmul] = FUNCTIONS[torch.bmm] = Product()
    FUNCTIONS[torch.einsum] = Product(einsum=True)
    layer_methods: list[tuple[Sequence[str], Builder]] = [
        (("flatten",), _flatten), (("view", "reshape"), _view), (("permute",), _permute),
        (("transpose", "swapaxes", "swapdims"), _transpose), (("unsqueeze",), _unsqueeze),
        (("squeeze",), _squeeze), (("contiguous",), _contiguous),
        (("relu", "relu_"), _simple(L.ReLU)), (("sigmoid", "sigmoid_"), _simple(L.Sigmoid)),
        (("tanh", "tanh_"), _simple(L.Tanh)), (("softmax",), _softmax),
        (("log_softmax",), _log_softmax), (("mean",), _reduce(R.Mean)), (("sum",), _reduce(R.Sum)),
        (("amax",), _reduce(R.Amax)), (("roll",), _roll),
    ]
    for names, build in layer_methods:
        for name in names:
            METHODS[name] = LayerOf(build, name, "torch")
    METHODS["chunk"] = Chunked(False)
    METHODS["split"] = Chunked(True)
    METHODS["matmul"] = METHODS["bmm"] = Product()
    METHODS["expand"] = Expanded()
    _register_torchvision()
    for name in ("detach", "clone", "float", "to", "type_as", "cpu"):
        METHODS[name] = Identity()


def _register_torchvision() -> None:
    """torchvision's functions that a traced model calls as single nodes (``torch.fx.wrap``)."""
    try:
        import torchvision.models.swin_transformer as swin
        from torchvision.ops import stochastic_depth
    except ImportError:  # torchvision is optional
        return
    FUNCTIONS[stochastic_depth] = LayerOf(_stochastic_depth, "stochastic_depth", "torch")
    FUNCTIONS[swin.shifted_window_attention] = LayerOf(
        _shifted_window_attention, "shifted_window_attention", "torch", claims=True)
    FUNCTIONS[swin._get_relative_position_bias] = LayerOf(
        _relative_position_bias, "relative_position_bias", "torch")
    FUNCTIONS[swin._patch_merging_pad] = LayerOf(_patch_merging_pad, "patch_merging_pad", "torch")


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
