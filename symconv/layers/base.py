"""The layer protocol and argument handling shared by every layer class.

A layer knows its hyper-parameters (SymPy expressions) and derives, for an
input shape, its output shape and a :class:`~symconv.report.LayerReport`.
Shapes are per sample, without the batch axis, as in ``(c_i, h, w)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import sympy as sp

from symconv.report import LayerReport, Shape
from symconv.symbols import Value, is_number, to_expr
from symconv.validity import InvalidLayer, LayerError, must_hold, positive_integer

__all__ = ["Layer", "LayerError", "InvalidLayer", "as_shape", "ntuple", "size", "fmt_args",
           "must_hold"]


def as_shape(shape: Sequence[Value] | Value, what: str = "input shape") -> Shape:
    """A shape given as a tuple (or a single size) of ints, names or expressions.

    >>> as_shape(("c_i", 32, 32))
    (c_i, 32, 32)
    """
    items = shape if isinstance(shape, (tuple, list)) else (shape,)
    out = tuple(to_expr(v, what) for v in items)
    for v in out:
        if is_number(v) and not (v.is_Integer and v > 0):
            raise InvalidLayer(f"{what} {tuple(out)}: every size must be a positive integer, not {v}")
    return out


def size(value: Value, what: str) -> sp.Expr:
    """A count (channels, features, groups, batch): symbolic, or a positive integer.

    >>> size("c_i", "in_channels"), size(8, "in_channels")
    (c_i, 8)
    >>> size(0, "groups")
    Traceback (most recent call last):
    ...
    symconv.validity.InvalidLayer: groups must be a positive integer, got 0
    """
    return positive_integer(to_expr(value, what), what)


def ntuple(value: Value | Sequence[Value], n: int, what: str, minimum: int = 1) -> tuple[sp.Expr, ...]:
    """Broadcast a scalar argument to ``n`` spatial axes, as torch.nn does.

    >>> ntuple(3, 2, "kernel_size"), ntuple(("k_h", "k_w"), 2, "kernel_size")
    ((3, 3), (k_h, k_w))
    >>> ntuple((1, 2, 3), 2, "stride")
    Traceback (most recent call last):
    ...
    symconv.validity.LayerError: stride needs 2 values (one per spatial axis), got 3
    """
    items = list(value) if isinstance(value, (tuple, list)) else [value] * n
    if len(items) != n:
        raise LayerError(f"{what} needs {n} values (one per spatial axis), got {len(items)}")
    out = tuple(to_expr(v, what) for v in items)
    for v in out:
        positive_integer(v, what, minimum)
    return out


def fmt_args(**kwargs: Any) -> str:
    """Render constructor arguments like torch's ``extra_repr``."""
    parts = []
    for key, value in kwargs.items():
        if isinstance(value, tuple) and len(set(value)) == 1:
            value = value[0]
        parts.append(f"{key}={value}")
    return ", ".join(parts)


class Layer(ABC):
    """A CNN layer whose quantities are derived symbolically."""

    #: Short name used in tables and JSON (``"conv"``, ``"pool"``...).
    kind: str = "layer"

    @abstractmethod
    def output_shape(self, input_shape: Shape) -> Shape:
        """Per-sample output shape for a per-sample input shape."""

    @abstractmethod
    def analyze(self, input_shape: Shape, batch: sp.Expr) -> LayerReport:
        """All derived quantities for this input (see :func:`symconv.analyze`)."""

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"{type(self).__name__} describes a layer, it does not compute one; "
            "use symconv.analyze(layer, input_shape)"
        )
