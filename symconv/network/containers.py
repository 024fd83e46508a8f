"""Network containers mirroring torch: ``Sequential``, ``Residual`` and ``Concat``.

A container only routes shapes: every quantity of a layer comes from that
layer's own :class:`~symconv.report.LayerReport`.  The two operations a
container adds itself are the residual addition (one addition per output
element) and the channel concatenation (a copy, no arithmetic); they appear
as rows named ``add`` and ``cat``.

Per-layer reports come from :mod:`symconv.network.cache`, so the repeated
blocks of deep nets are derived once; the add and concat rows from
:mod:`symconv.network.merges`.

Examples
--------
>>> import symconv
>>> block = symconv.Residual(symconv.Sequential(symconv.Conv2d("c", "c", 3, padding=1),
...                                             symconv.ReLU()))
>>> r = symconv.analyze(block, ("c", "h", "w"))
>>> [row.name for row in r.layers]
['body.0', 'body.1', 'add']
>>> r.layers[-1].adds
c*h*w
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symconv.layers.base import Layer, LayerError, as_shape
from symconv.network.cache import clear_cache, collection_deferred, layer_report
from symconv.network.merges import add_report, concat_report
from symconv.network.receptive import NotAligned, ReceptiveField, through_layer
from symconv.network.report import NetworkLayer, NetworkReport
from symconv.report import Shape
from symconv.symbols import Value, is_number, to_expr

__all__ = ["Network", "Sequential", "Residual", "Concat", "clear_cache"]


@dataclass
class _Walk:
    """State threaded through a network: batch, conditions found, notes."""

    batch: sp.Expr
    conditions: list[sp.Basic]
    notes: list[str]


Field = tuple[ReceptiveField | None, str]


class Network:
    """Base of the containers: analysis entry point and shape routing."""

    def analyze(self, input_shape: Sequence[Value] | Value, batch: Value = 1) -> NetworkReport:
        """Per-layer reports, totals and receptive fields (see :func:`symconv.analyze`)."""
        shape = as_shape(input_shape)
        walk = _Walk(to_expr(batch, "batch"), [], [])
        start: Field = (ReceptiveField.of_input(shape[1:]), "") if len(shape) > 1 else (
            None, "the input has no spatial axes")
        with collection_deferred():
            rows, out, (rf, _) = self._rows(shape, walk, "", start)
        for row in rows:
            walk.conditions.extend(c for c in row.report.conditions if c not in walk.conditions)
        return NetworkReport(
            network=repr(self), input_shape=shape, output_shape=out, batch=walk.batch,
            layers=tuple(rows), receptive_field=rf, conditions=tuple(walk.conditions),
            notes=tuple(dict.fromkeys(walk.notes)),
        )

    def output_shape(self, input_shape: Shape) -> Shape:
        """Per-sample output shape."""
        raise NotImplementedError

    def _rows(self, shape: Shape, walk: _Walk, prefix: str,
              field: Field) -> tuple[list[NetworkLayer], Shape, Field]:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} describes a network; use symconv.analyze(net, shape)")


def _as_part(obj: Any) -> Layer | Network:
    if isinstance(obj, Layer | Network):
        return obj
    if isinstance(obj, list | tuple):
        return Sequential(*obj)
    raise TypeError(f"{obj!r} is not a symconv layer or network")


def _part_rows(part: Layer | Network, name: str, shape: Shape, walk: _Walk, prefix: str,
               field: Field) -> tuple[list[NetworkLayer], Shape, Field]:
    if isinstance(part, Network):
        return part._rows(shape, walk, f"{prefix}{name}.", field)
    try:
        report = layer_report(part, shape, walk.batch)
    except LayerError as exc:
        raise type(exc)(f"layer {prefix}{name} ({part!r}): {exc}") from None  # keeps InvalidLayer
    rf, why = field
    if rf is not None:
        rf, why = through_layer(rf, part, shape[1:])
    row = NetworkLayer(f"{prefix}{name}", report, rf, why)
    return [row], report.output_shape, (rf, why)


def _merge(fields: list[Field], where: str, walk: _Walk) -> Field:
    missing = [why for rf, why in fields if rf is None]
    if missing:
        return None, missing[0]
    merged: ReceptiveField = fields[0][0]  # type: ignore[assignment]
    try:
        for rf, _ in fields[1:]:
            merged = merged.merge(rf, where)  # type: ignore[arg-type]
    except NotAligned as exc:
        walk.notes.append(f"{where}: {exc}")
        return None, str(exc)
    return merged, ""


class Sequential(Network):
    """``torch.nn.Sequential``: layers (or containers) applied in order.

    Accepts layers as arguments or one ``OrderedDict`` of named layers.

    >>> from collections import OrderedDict
    >>> import symconv
    >>> net = symconv.Sequential(OrderedDict(conv=symconv.Conv2d(3, 8, 3), act=symconv.ReLU()))
    >>> net
    Sequential(conv=Conv2d(3, 8, ...), act=ReLU())
    >>> net.output_shape((3, "h", "w"))
    (8, h - 2, w - 2)
    """

    def __init__(self, *layers: Any) -> None:
        if len(layers) == 1 and isinstance(layers[0], OrderedDict | dict):
            items = [(str(k), _as_part(v)) for k, v in layers[0].items()]
        else:
            items = [(str(i), _as_part(v)) for i, v in enumerate(layers)]
        self._items: OrderedDict[str, Layer | Network] = OrderedDict(items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Layer | Network]:
        return iter(self._items.values())

    def __getitem__(self, key: int | str) -> Layer | Network:
        if isinstance(key, int):
            return list(self._items.values())[key]
        return self._items[key]

    def named_children(self) -> Iterator[tuple[str, Layer | Network]]:
        return iter(self._items.items())

    def __repr__(self) -> str:
        if all(k == str(i) for i, k in enumerate(self._items)):
            return f"Sequential({', '.join(repr(v) for v in self._items.values())})"
        return f"Sequential({', '.join(f'{k}={v!r}' for k, v in self._items.items())})"

    def output_shape(self, input_shape: Shape) -> Shape:
        shape = as_shape(input_shape)
        for part in self._items.values():
            shape = part.output_shape(shape)
        return shape

    def _rows(self, shape: Shape, walk: _Walk, prefix: str,
              field: Field) -> tuple[list[NetworkLayer], Shape, Field]:
        rows: list[NetworkLayer] = []
        for name, part in self._items.items():
            new, shape, field = _part_rows(part, name, shape, walk, prefix, field)
            rows.extend(new)
        return rows, shape, field


def _same_shape(a: Shape, b: Shape, what: str, walk: _Walk) -> None:
    if len(a) != len(b):
        raise LayerError(f"{what}: outputs {a} and {b} have different numbers of axes")
    for x, y in zip(a, b, strict=True):
        diff = sp.expand(x - y)
        if diff == 0:
            continue
        if is_number(diff):
            raise LayerError(f"{what}: output shapes {a} and {b} differ")
        walk.conditions.append(sp.Eq(x, y))


class Residual(Network):
    """``y = body(x) + shortcut(x)``; the shortcut is the identity when ``None``.

    >>> import symconv
    >>> down = symconv.Residual([symconv.Conv2d(8, 16, 3, stride=2, padding=1)],
    ...                         shortcut=[symconv.Conv2d(8, 16, 1, stride=2)])
    >>> r = symconv.analyze(down, (8, 32, 32))
    >>> [row.name for row in r.layers], r.receptive_field.size
    (['body.0', 'shortcut.0', 'add'], (3, 3))
    """

    def __init__(self, body: Any, shortcut: Any = None) -> None:
        self.body = _as_part(body)
        self.shortcut = None if shortcut is None else _as_part(shortcut)

    def __repr__(self) -> str:
        tail = "" if self.shortcut is None else f", shortcut={self.shortcut!r}"
        return f"Residual({self.body!r}{tail})"

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.body.output_shape(as_shape(input_shape))

    def _rows(self, shape: Shape, walk: _Walk, prefix: str,
              field: Field) -> tuple[list[NetworkLayer], Shape, Field]:
        rows, out, body_field = _part_rows(self.body, "body", shape, walk, prefix, field)
        if self.shortcut is None:
            short, short_field = shape, field
        else:
            more, short, short_field = _part_rows(self.shortcut, "shortcut", shape, walk, prefix,
                                                  field)
            rows += more
        _same_shape(out, short, f"{prefix}add", walk)
        merged = _merge([body_field, short_field], f"{prefix}add", walk)
        rf, why = merged
        rows.append(NetworkLayer(f"{prefix}add", add_report(out, walk.batch), rf, why))
        return rows, out, merged


class Concat(Network):
    """Inception-style branches on the same input, concatenated along channels (dim=1).

    >>> import symconv
    >>> net = symconv.Concat([symconv.Conv2d(4, 2, 1)], [symconv.Conv2d(4, 3, 3, padding=1)])
    >>> net.output_shape((4, "h", "w"))
    (5, h, w)
    """

    def __init__(self, *branches: Any) -> None:
        if not branches:
            raise LayerError("Concat needs at least one branch")
        self.branches = [_as_part(b) for b in branches]

    def __repr__(self) -> str:
        return f"Concat({', '.join(repr(b) for b in self.branches)})"

    def output_shape(self, input_shape: Shape) -> Shape:
        shapes = [b.output_shape(as_shape(input_shape)) for b in self.branches]
        return (sp.Add(*(s[0] for s in shapes)), *shapes[0][1:])

    def _rows(self, shape: Shape, walk: _Walk, prefix: str,
              field: Field) -> tuple[list[NetworkLayer], Shape, Field]:
        rows: list[NetworkLayer] = []
        shapes, fields = [], []
        for k, branch in enumerate(self.branches):
            new, out, f = _part_rows(branch, f"branches.{k}", shape, walk, prefix, field)
            rows += new
            shapes.append(out)
            fields.append(f)
        for k, out in enumerate(shapes[1:], start=1):
            _same_shape(out[1:], shapes[0][1:], f"{prefix}cat (branch {k} vs 0)", walk)
        merged = _merge(fields, f"{prefix}cat", walk)
        report = concat_report(shapes, walk.batch)
        rows.append(NetworkLayer(f"{prefix}cat", report, *merged))
        return rows, report.output_shape, merged
