"""Network containers mirroring torch: ``Sequential``, ``Residual`` and ``Concat``.

A container builds a :class:`~symconv.network.graph.Graph` (a DAG of
nodes) and only routes shapes: every quantity of a layer comes from that
layer's own :class:`~symconv.report.LayerReport`.  The two operations a
container adds itself are the residual addition (one addition per output
element) and the channel concatenation (a copy, no arithmetic); they appear
as rows named ``add`` and ``cat`` (:mod:`symconv.layers.merge`).

Per-layer reports come from :mod:`symconv.network.cache`, so the repeated
blocks of deep nets are derived once.

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
from collections.abc import Iterator
from typing import Any

from symconv.layers.base import Layer
from symconv.layers.merge import Add, Cat
from symconv.network.cache import clear_cache
from symconv.network.graph import Graph, GraphBuilder, Network, Ref

__all__ = ["Network", "Sequential", "Residual", "Concat", "clear_cache"]


def _as_part(obj: Any) -> Layer | Network:
    if isinstance(obj, Layer | Network):
        return obj
    if isinstance(obj, list | tuple):
        return Sequential(*obj)
    raise TypeError(f"{obj!r} is not a symconv layer or network")


class _Container(Network):
    """A network made of parts; it builds its graph once."""

    _graph: Graph | None = None

    def to_graph(self) -> Graph:
        if self._graph is None:
            builder = GraphBuilder()
            out = self._build(builder, builder.input(), "")
            self._graph = builder.build(out, repr(self))
        return self._graph

    def _build(self, g: GraphBuilder, x: Ref, prefix: str) -> Ref:
        raise NotImplementedError


def _part(g: GraphBuilder, part: Layer | Network, name: str, x: Ref, prefix: str) -> Ref:
    if isinstance(part, _Container):
        return part._build(g, x, f"{prefix}{name}.")
    if isinstance(part, Network):
        raise TypeError(f"{part!r} cannot be nested in a container")
    return g.layer(f"{prefix}{name}", part, x)


class Sequential(_Container):
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

    def _build(self, g: GraphBuilder, x: Ref, prefix: str) -> Ref:
        for name, part in self._items.items():
            x = _part(g, part, name, x, prefix)
        return x


class Residual(_Container):
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

    def _build(self, g: GraphBuilder, x: Ref, prefix: str) -> Ref:
        body = _part(g, self.body, "body", x, prefix)
        short = x if self.shortcut is None else _part(g, self.shortcut, "shortcut", x, prefix)
        return g.merge(f"{prefix}add", Add(), body, short)


class Concat(_Container):
    """Inception-style branches on the same input, concatenated along channels (dim=1).

    >>> import symconv
    >>> net = symconv.Concat([symconv.Conv2d(4, 2, 1)], [symconv.Conv2d(4, 3, 3, padding=1)])
    >>> net.output_shape((4, "h", "w"))
    (5, h, w)
    """

    def __init__(self, *branches: Any) -> None:
        if not branches:
            from symconv.layers.base import LayerError

            raise LayerError("Concat needs at least one branch")
        self.branches = [_as_part(b) for b in branches]

    def __repr__(self) -> str:
        return f"Concat({', '.join(repr(b) for b in self.branches)})"

    def _build(self, g: GraphBuilder, x: Ref, prefix: str) -> Ref:
        outs = [_part(g, b, f"branches.{k}", x, prefix) for k, b in enumerate(self.branches)]
        return g.merge(f"{prefix}cat", Cat(1), *outs)
