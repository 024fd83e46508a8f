"""Per-layer reports, cached, and the conditions a whole-network analysis runs under.

A layer's report depends only on its arguments, the input shape and the
batch, so equal layers on equal inputs (the repeated blocks of a ResNet) are
derived once.  Reports are frozen, so sharing them is safe.

Examples
--------
>>> import sympy as sp
>>> from symconv import Conv2d
>>> shape = (sp.Integer(4), sp.Integer(9), sp.Integer(9))
>>> layer_report(Conv2d(4, 4, 3), shape, sp.Integer(1)) is layer_report(
...     Conv2d(4, 4, 3), shape, sp.Integer(1))
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import sympy as sp

from symconv.layers.base import Layer
from symconv.report import LayerReport, Shape

_CACHE: dict[tuple, LayerReport] = {}
_CACHE_LIMIT = 8192


def clear_cache() -> None:
    """Forget cached per-layer reports (benchmarks time cold runs)."""
    _CACHE.clear()


def layer_report(layer: Layer, shape: Shape, batch: sp.Expr) -> LayerReport:
    """``layer.analyze(shape, batch)``, cached on the layer's arguments and the input."""
    args = tuple(sorted(vars(layer).items(), key=lambda item: item[0]))
    try:
        hash(args)  # SymPy values compare with their assumptions, unlike their repr
    except TypeError:
        args = tuple((k, repr(v)) for k, v in args)  # type: ignore[misc]
    key = (type(layer), args, shape, batch)
    report = _CACHE.get(key)
    if report is None:
        report = layer.analyze(shape, batch)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = report
    return report


@contextmanager
def collection_deferred() -> Iterator[None]:
    """Run without Python's cyclic garbage collector, restoring its state after.

    Each collection scans every live object, and a deep net keeps thousands of
    SymPy expressions alive, so with collection on, analysis time grew
    quadratically with depth (benchmarks/network_depth.py).  Analysis makes no
    reference cycles that need collecting while it runs.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


