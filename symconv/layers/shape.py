"""Layers that only rearrange elements: reshape, permute, transpose, (un)squeeze, expand, slice.

None of them does arithmetic.  Views (``view``/``reshape`` of a contiguous
tensor, ``permute``, ``transpose``, ``unsqueeze``, ``expand``, basic slicing)
share the input's memory; ``contiguous`` and advanced indexing copy.  Axis
arguments are torch's, the batch axis counted as 0; shapes are per sample.

Each layer says how its output axes come from its input axes
(:meth:`routes`), so receptive fields follow a tensor through a permutation
(ConvNeXt works channels-last between its convolutions).

Examples
--------
>>> import sympy as sp
>>> h, w = sp.symbols("h w", positive=True, integer=True)
>>> Permute((0, 2, 3, 1)).output_shape((sp.Integer(96), h, w))
(h, w, 96)
>>> Reshape((sp.Integer(768), -1)).output_shape((sp.Integer(768), h, w))
(768, h*w)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import Layer, LayerError, as_shape
from symconv.layers.dims import sample_axis, torch_axis
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import is_number
from symconv.window import product

ZERO = sp.Integer(0)
Routes = tuple[tuple[int | None, ...], tuple[int, ...]]


class _Rearrange(Layer):
    """Base: no arithmetic; a view unless ``copies``."""

    kind = "reshape"
    copies = False
    note = "a view: the output shares the input's memory"

    def conditions(self, input_shape: Shape) -> tuple[sp.Basic, ...]:
        return ()

    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        input_shape = as_shape(input_shape)
        out_shape = self.output_shape(input_shape)
        el_in, el_out = batch * product(input_shape), batch * product(out_shape)
        counts = OpCounts("other", ZERO, ZERO, ZERO, ZERO, el_in, el_out, batch=batch)
        note = "a copy: no arithmetic" if self.copies else self.note
        return LayerReport(
            layer=repr(self), kind="copy" if self.copies else self.kind, input_shape=input_shape,
            output_shape=out_shape, batch=batch, weight_params=ZERO, bias_params=ZERO,
            mults=ZERO, adds=ZERO, macs=ZERO, conventions=conventions(counts),
            memory=Memory(input=el_in, output=el_out, grad_input=el_in),
            backward=Backward(out_shape, GradientCost(input_shape, ZERO, ZERO, "rearranged back")),
            conditions=self.conditions(input_shape), notes=(note,),
        )

    def routes(self, input_shape: Shape) -> Routes | None:
        """``(source input axis of each output axis, input axes whose positions mix)``."""
        return None


def _same_size(a: sp.Expr, b: sp.Expr) -> bool | None:
    diff = sp.expand(a - b)
    return diff == 0 if is_number(diff) else None


class Reshape(_Rearrange):
    """``x.view(B, *shape)`` / ``x.reshape(B, *shape)``: ``shape`` per sample, one ``-1`` allowed.

    The element count must not change; with symbolic sizes that is a condition.
    """

    def __init__(self, shape: Sequence[Any]) -> None:
        items = tuple(shape)
        if sum(1 for s in items if s == -1) > 1:
            raise LayerError("only one size may be -1")
        self.shape = tuple(sp.Integer(-1) if s == -1 else sp.sympify(s) for s in items)

    def extra_repr(self) -> str:
        return ", ".join(str(s) for s in self.shape)

    def output_shape(self, input_shape: Shape) -> Shape:
        total = product(input_shape)
        known = product(s for s in self.shape if s != -1)
        if any(s == -1 for s in self.shape):
            rest = sp.cancel(total / known) if not is_number(total / known) else total / known
            if is_number(rest) and not (rest.is_Integer and rest > 0):
                raise LayerError(f"cannot view {tuple(input_shape)} as {self.shape}")
            return tuple(rest if s == -1 else s for s in self.shape)
        if _same_size(total, known) is False:
            raise LayerError(f"cannot view {tuple(input_shape)} ({total} elements per sample) "
                             f"as {self.shape} ({known})")
        return self.shape

    def conditions(self, input_shape: Shape) -> tuple[sp.Basic, ...]:
        out = self.output_shape(input_shape)
        total, new = product(input_shape), product(out)
        return () if _same_size(total, new) else (sp.Eq(new, total),)

    def routes(self, input_shape: Shape) -> Routes | None:
        # Axes kept at the front and at the back (same sizes) pass through.
        out = self.output_shape(input_shape)
        sources: list[int | None] = [None] * len(out)
        i = 0
        while i < min(len(out), len(input_shape)) and out[i] == input_shape[i]:
            sources[i] = i
            i += 1
        j = 1
        while j <= min(len(out), len(input_shape)) - i and out[-j] == input_shape[-j]:
            sources[len(out) - j] = len(input_shape) - j
            j += 1
        return tuple(sources), tuple(a for a in range(len(input_shape)) if a not in sources)


class Permute(_Rearrange):
    """``torch.permute(x, dims)``; ``dims[0]`` must be 0, the batch axis."""

    def __init__(self, dims: Sequence[int]) -> None:
        self.dims = tuple(int(d) for d in dims)

    def extra_repr(self) -> str:
        return f"dims={list(self.dims)}"

    def _order(self, input_shape: Shape) -> tuple[int, ...]:
        rank = len(input_shape) + 1
        if len(self.dims) != rank:
            raise LayerError(f"permute needs {rank} dims (the batch axis included), got {self.dims}")
        order = tuple(torch_axis(d, rank) for d in self.dims)
        if sorted(order) != list(range(rank)):
            raise LayerError(f"dims {self.dims} are not a permutation")
        if order[0] != 0:
            raise LayerError("permute moves the batch axis: not modelled")
        return tuple(a - 1 for a in order[1:])

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[a] for a in self._order(input_shape))

    def routes(self, input_shape: Shape) -> Routes | None:
        return self._order(input_shape), ()


class Transpose(Permute):
    """``torch.transpose(x, dim0, dim1)`` (also ``swapaxes``)."""

    def __init__(self, dim0: int, dim1: int) -> None:
        self.dim0, self.dim1 = int(dim0), int(dim1)

    def extra_repr(self) -> str:
        return f"{self.dim0}, {self.dim1}"

    def _order(self, input_shape: Shape) -> tuple[int, ...]:
        rank = len(input_shape)
        a, b = sample_axis(self.dim0, rank), sample_axis(self.dim1, rank)
        order = list(range(rank))
        order[a], order[b] = order[b], order[a]
        return tuple(order)


class Unsqueeze(_Rearrange):
    """``x.unsqueeze(dim)``: a new axis of size 1."""

    def __init__(self, dim: int) -> None:
        self.dim = int(dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

    def _axis(self, input_shape: Shape) -> int:
        return sample_axis(self.dim, len(input_shape) + 1)

    def output_shape(self, input_shape: Shape) -> Shape:
        a = self._axis(input_shape)
        return (*input_shape[:a], sp.Integer(1), *input_shape[a:])

    def routes(self, input_shape: Shape) -> Routes | None:
        a = self._axis(input_shape)
        src = list(range(len(input_shape)))
        return (*src[:a], None, *src[a:]), ()


class Squeeze(_Rearrange):
    """``x.squeeze(dim)``: drop an axis of size 1 (all of them without ``dim``)."""

    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim

    def extra_repr(self) -> str:
        return "" if self.dim is None else f"dim={self.dim}"

    def _kept(self, input_shape: Shape) -> list[int]:
        if self.dim is None:
            return [a for a, s in enumerate(input_shape) if s != 1]
        a = sample_axis(self.dim, len(input_shape))
        return [b for b in range(len(input_shape)) if b != a or input_shape[a] != 1]

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[a] for a in self._kept(input_shape))

    def routes(self, input_shape: Shape) -> Routes | None:
        return tuple(self._kept(input_shape)), ()


class Expand(_Rearrange):
    """``x.expand(B, *sizes)``: size-1 axes repeated without copying; ``-1`` keeps a size."""

    def __init__(self, sizes: Sequence[Any]) -> None:
        self.sizes = tuple(sp.Integer(-1) if s == -1 else sp.sympify(s) for s in sizes)

    def extra_repr(self) -> str:
        return ", ".join(str(s) for s in self.sizes)

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(self.sizes) < len(input_shape):
            raise LayerError(f"expand to {self.sizes}: fewer axes than the input {input_shape}")
        lead = len(self.sizes) - len(input_shape)
        out = list(self.sizes[:lead])
        for size, old in zip(self.sizes[lead:], input_shape):
            if size == -1 or size == old:
                out.append(old)
            elif old == 1:
                out.append(size)
            else:
                raise LayerError(f"cannot expand size {old} to {size}")
        return tuple(out)


class Contiguous(_Rearrange):
    """``x.contiguous()``, counted as a copy (it follows a permutation or transpose)."""

    copies = True

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def routes(self, input_shape: Shape) -> Routes | None:
        return tuple(range(len(input_shape))), ()


class Slice(_Rearrange):
    """Basic indexing ``x[:, 0]``, ``x[..., 1::2, :]``: integers, slices, ``None``, ``...``.

    ``index`` covers the per-sample axes (the batch axis, ``:``, left out).
    Slice bounds may be symbolic; sizes follow Python's slicing rule.
    """

    def __init__(self, index: Sequence[Any]) -> None:
        self.index = tuple(index)

    def extra_repr(self) -> str:
        return ", ".join(_index_text(i) for i in self.index)

    def _plan(self, input_shape: Shape) -> list[tuple[int | None, Any]]:
        """(input axis or None for a new axis, what is taken) for each index item."""
        items = list(self.index)
        if sum(1 for i in items if i is Ellipsis) > 1:
            raise LayerError("an index may hold one '...'")
        used = sum(1 for i in items if i is not None and i is not Ellipsis)
        if used > len(input_shape):
            raise LayerError(f"too many indices for a tensor of {len(input_shape)} axes per sample")
        if Ellipsis in items:
            k = items.index(Ellipsis)
            items[k:k + 1] = [slice(None)] * (len(input_shape) - used)
        items += [slice(None)] * (len(input_shape) - sum(1 for i in items if i is not None))
        plan: list[tuple[int | None, Any]] = []
        axis = 0
        for item in items:
            if item is None:
                plan.append((None, None))
                continue
            if not isinstance(item, slice | int | sp.Basic) or isinstance(item, bool):
                raise LayerError(f"index {item!r} is not modelled (integers, slices, None, ...)")
            plan.append((axis, item))
            axis += 1
        return plan

    def output_shape(self, input_shape: Shape) -> Shape:
        out: list[sp.Expr] = []
        for axis, item in self._plan(input_shape):
            if axis is None:
                out.append(sp.Integer(1))
            elif isinstance(item, slice):
                out.append(slice_length(input_shape[axis], item))
        return tuple(out)

    def routes(self, input_shape: Shape) -> Routes | None:
        sources: list[int | None] = []
        mixed = []
        for axis, item in self._plan(input_shape):
            if axis is None:
                sources.append(None)
            elif isinstance(item, slice):
                sources.append(axis)
                if item != slice(None):
                    mixed.append(axis)  # positions renumbered: the field would not apply
            else:
                mixed.append(axis)
        return tuple(sources), tuple(mixed)


def _index_text(item: Any) -> str:
    if item is None:
        return "None"
    if item is Ellipsis:
        return "..."
    if isinstance(item, slice):
        parts = ["" if v is None else str(v) for v in (item.start, item.stop, item.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if item.step is not None else "")
    return str(item)


def slice_length(n: sp.Expr, item: slice) -> sp.Expr:
    """Elements of ``range(n)[item]`` (Python's rule), for a symbolic ``n`` too.

    >>> n = sp.Symbol("n", positive=True, integer=True)
    >>> slice_length(n, slice(1, None, 2)), slice_length(sp.Integer(7), slice(None, -3))
    (floor(n/2), 4)
    """
    step = sp.Integer(1 if item.step is None else item.step)
    if not step.is_Integer or step <= 0:
        raise LayerError(f"slice step {item.step} is not modelled (positive integers only)")

    def bound(v: Any, default: sp.Expr) -> sp.Expr:
        if v is None:
            return default
        v = sp.sympify(v)
        if v.is_Integer and v < 0:
            v = n + v
        return sp.Max(0, sp.Min(v, n)) if not (is_number(v) and is_number(n)) else sp.Integer(
            max(0, min(int(v), int(n))))

    start, stop = bound(item.start, sp.Integer(0)), bound(item.stop, n)
    if start == 0 and stop == n:
        length = n
    else:
        length = stop - start
    if step == 1:
        return sp.Max(0, length) if not is_number(length) else sp.Integer(max(0, int(length)))
    out = sp.floor((length + step - 1) / step)
    return sp.Max(0, out) if not is_number(out) else sp.Integer(max(0, int(out)))


class Gather(_Rearrange):
    """``table[index]`` with an integer index tensor of shape ``index_shape``: a copy.

    Picks rows of ``table`` along its first axis (a relative-position table read
    with its index buffer).
    """

    copies = True

    def __init__(self, index_shape: Sequence[Any]) -> None:
        self.index_shape = tuple(sp.sympify(s) for s in index_shape)

    def extra_repr(self) -> str:
        return f"index of shape {self.index_shape}"

    def output_shape(self, input_shape: Shape) -> Shape:
        if not input_shape:
            raise LayerError("cannot index a 0-d tensor")
        return (*self.index_shape, *input_shape[1:])


class Roll(_Rearrange):
    """``torch.roll``: a cyclic shift, a copy (positions wrap around: no receptive field)."""

    copies = True

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)


class Chunk(_Rearrange):
    """``torch.chunk(x, chunks, dim)``/``torch.split``: views of consecutive pieces.

    ``sizes`` are the pieces' lengths along ``dim`` (from ``split``), or None
    for ``chunk``'s rule (pieces of ``ceil(n/chunks)``, the last one shorter).
    The report's output shape is the first piece's.
    """

    def __init__(self, chunks: int, dim: int = 0, sizes: Sequence[Any] | None = None) -> None:
        self.chunks, self.dim = int(chunks), int(dim)
        self.sizes = None if sizes is None else tuple(sp.sympify(s) for s in sizes)

    def extra_repr(self) -> str:
        what = f"{self.chunks}" if self.sizes is None else f"sizes={list(self.sizes)}"
        return f"{what}, dim={self.dim}"

    def pieces(self, input_shape: Shape) -> list[Shape]:
        a = sample_axis(self.dim, len(input_shape))
        n = input_shape[a]
        if self.sizes is not None:
            lengths = list(self.sizes)
            total = sp.Add(*lengths)
            if _same_size(total, n) is False:
                raise LayerError(f"split sizes {lengths} do not add up to {n}")
        else:
            step = sp.ceiling(n / self.chunks)
            if not is_number(n) and sp.Mod(n, self.chunks) != 0:
                raise LayerError(f"chunk of a symbolic size {n} that {self.chunks} may not "
                                 "divide is not modelled")
            count = int(sp.ceiling(n / step)) if is_number(n) else self.chunks
            lengths = [step] * (count - 1) + [n - step * (count - 1)]
        return [(*input_shape[:a], m, *input_shape[a + 1:]) for m in lengths]

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.pieces(input_shape)[0]

    def routes(self, input_shape: Shape) -> Routes | None:
        a = sample_axis(self.dim, len(input_shape))
        return tuple(range(len(input_shape))), (a,)


__all__ = ["Reshape", "Permute", "Transpose", "Unsqueeze", "Squeeze", "Expand", "Contiguous",
           "Slice", "Gather", "Roll", "Chunk", "slice_length"]
