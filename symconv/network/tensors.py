"""The tensors flowing through a network graph: shape, batch axis, receptive field.

A :class:`TensorValue` is what one graph node produces.  Its shape is per
sample when ``batched`` (the batch axis left out, as everywhere in symconv);
a parameter or constant (a position embedding, a relative-position table) has
no batch axis and its shape is the whole tensor.  Work on an unbatched tensor
is done once per forward pass, not once per sample.

The receptive field travels with the tensor, together with ``axes``: which
per-sample axes are the spatial axes the field describes.  Convolution and
pooling need them where torch puts them (after the channels); a permutation
moves them and element-wise work or work along other axes (a ``Linear`` on
the channels of a channels-last tensor, ``LayerNorm`` over them) keeps the
field.  An operation that mixes positions along a spatial axis ends it.

Examples
--------
>>> import sympy as sp
>>> from symconv.layers import ReLU
>>> x = TensorValue.network_input((sp.Integer(3), sp.Integer(8), sp.Integer(8)))
>>> x.axes, x.field.size
((1, 2), (1, 1))
>>> after(x, ReLU(), (sp.Integer(3), sp.Integer(8), sp.Integer(8)), "relu", False).field.size
(1, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from symconv.layers.merge import Operand
from symconv.network.receptive import NotAligned, ReceptiveField, through_layer
from symconv.report import Shape


@dataclass(frozen=True)
class TensorValue:
    """One tensor of the graph (see the module docstring)."""

    shape: Shape
    batched: bool = True
    #: Name of the row that produced it (``"input"`` for the network input).
    source: str = "input"
    field: ReceptiveField | None = None
    #: Why ``field`` is None.
    why: str = ""
    #: Per-sample axes that ``field``'s axes describe, in order.
    axes: tuple[int, ...] = ()
    #: True when autograd would compute a gradient for it (a parameter is upstream).
    grad: bool = False
    #: The attribute name of a parameter whose elements no row has counted yet.
    parameter: str = ""

    @classmethod
    def network_input(cls, shape: Shape) -> TensorValue:
        if len(shape) < 2:
            return cls(tuple(shape), why="the input has no spatial axes")
        return cls(tuple(shape), field=ReceptiveField.of_input(tuple(shape[1:])),
                   axes=tuple(range(1, len(shape))))

    @property
    def operand(self) -> Operand:
        return Operand(self.shape, self.batched)

    @property
    def full_shape(self) -> Shape:
        return self.operand.full_shape

    def without_field(self, why: str) -> TensorValue:
        return replace(self, field=None, why=why, axes=())


def _none(why: str) -> tuple[ReceptiveField | None, str, tuple[int, ...]]:
    return None, why, ()


def after(value: TensorValue, layer: Any, out_shape: Shape, name: str, params: bool) -> TensorValue:
    """The tensor ``layer`` makes of ``value`` (its output shape already derived)."""
    field, why, axes = _field_after(value, layer, out_shape)
    return TensorValue(tuple(out_shape), value.batched, name, field, why, axes,
                       value.grad or params)


def _field_after(value: TensorValue, layer: Any, out_shape: Shape
                 ) -> tuple[ReceptiveField | None, str, tuple[int, ...]]:
    if value.field is None:
        return None, value.why, ()
    if not value.batched:
        return _none("a constant tensor")
    if getattr(layer, "windows", None) is not None or getattr(layer, "kind", "") == "conv_transpose":
        standard = tuple(range(1, len(value.shape)))
        if value.axes != standard:
            return _none(f"{type(layer).__name__} on a tensor whose spatial axes were moved")
        field, why = through_layer(value.field, layer, value.shape[1:])
        return field, why, value.axes if field is not None else ()
    routes = getattr(layer, "routes", None)
    if routes is None:
        field, why = through_layer(value.field, layer, value.shape[1:])
        return (field, why, value.axes) if field is not None else _none(why)
    plan = routes(tuple(value.shape))
    if plan is None:
        return _none(f"{type(layer).__name__} is not local: an output may depend on the whole input")
    sources, mixed = plan
    if set(value.axes) & set(mixed):
        return _none(f"{type(layer).__name__} mixes positions along a spatial axis")
    moved = []
    for axis in value.axes:
        if sources.count(axis) != 1:
            return _none(f"{type(layer).__name__} reshapes a spatial axis")
        moved.append(sources.index(axis))
    if any(value.shape[a] != out_shape[m] for a, m in zip(value.axes, moved)):
        return _none(f"{type(layer).__name__} changes a spatial size")
    return value.field, "", tuple(moved)


def merged(values: Sequence[TensorValue], out_shape: Shape, where: str, notes: list[str],
           along: int | None = None, memo: dict[tuple[int, int], Any] | None = None
           ) -> tuple[ReceptiveField | None, str, tuple[int, ...]]:
    """The field where tensors meet (add, mul, cat along per-sample axis ``along``).

    Constants do not depend on the input and are left out.  Tensors
    broadcast along a spatial axis (a squeeze-excitation gate) have no field
    (they come from a global pooling), so the merge has none either.
    """
    paths = [v for v in values if v.batched]
    if not paths:
        return _none("a constant tensor")
    missing = [v.why for v in paths if v.field is None]
    if missing:
        return _none(missing[0])
    axes = paths[0].axes
    rank = len(out_shape)
    for v in paths:
        offset = rank - len(v.shape)
        if tuple(a + offset for a in v.axes) != axes or any(
                v.shape[a] != out_shape[a + offset] for a in v.axes):
            return _none(f"{where}: tensors with different spatial layouts meet")
    if along is not None and along in axes:
        return _none(f"{where}: concatenation along a spatial axis")
    field: ReceptiveField = paths[0].field  # type: ignore[assignment]
    memo = {} if memo is None else memo
    try:
        for v in paths[1:]:
            key = (id(field), id(v.field))
            hit = memo.get(key)
            if hit is None or hit[0] is not field or hit[1] is not v.field:
                hit = (field, v.field, field.merge(v.field, where))  # type: ignore[arg-type]
                memo[key] = hit
            field = hit[2]
    except NotAligned as exc:
        notes.append(f"{where}: {exc}")
        return _none(str(exc))
    return field, "", axes
