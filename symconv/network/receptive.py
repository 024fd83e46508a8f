"""Receptive fields of a network, following Araujo, Norris & Sim (Distill, 2019).

For each spatial axis, the input positions seen by output index ``i`` of a
layer form a range ``first(i) .. last(i)`` of the network's input, both affine
in ``i``.  Appending a layer composes that range with the layer's own window
(:class:`symconv.window.Window1d`): output ``i`` of the new layer sees its
input positions ``w.first_index(i) .. w.last_index(i)``, so

``first_new(i) = first(w.first_index(i))`` and ``last_new(i) = last(w.last_index(i))``

(both maps increase with ``i``).  Dilation enters through the window's span
``d(k-1)+1``.  From the two affine maps come Araujo's three numbers:

* size ``r = last(i) - first(i) + 1``,
* effective stride ``S`` = the coefficient of ``i``,
* effective padding ``P = -first(0)``, so ``first(i) = S*i - P``.

Several paths (residual shortcut, inception branches) each give a range.  As
in Araujo et al. and google-research/receptive_field, paths are *aligned* when
their ranges share the effective stride and the centre; then the largest one
contains the others and is the receptive field.  When they are not aligned
the field reported is the hull of the paths' ranges (still the true input
range of the neuron) and a note says so.  Paths with different effective
strides have no common affine range: :class:`NotAligned` is raised.

``region(i, clip=True)`` cuts the range to real input positions.  Besides
``0 .. n-1``, each intermediate tensor bounds it: a neuron reaches no further
right than the last real position of every tensor on its path reaches
(``last_T(size_T - 1)``; floors in output sizes drop trailing positions).
Those bounds are kept as ``caps``, so the clipped range is the true input range
whenever the windows leave no gaps (dilation 1 and stride <= kernel); with gaps
it encloses the positions actually read.

Examples
--------
>>> from symconv.window import Window1d
>>> f = AxisField.identity().then(Window1d(3, 1, 1, 1)).then(Window1d(2, 2))
>>> f.size, f.stride, f.padding
(4, 2, 1)
>>> i = sp.Symbol("i")
>>> f.region(i)
(2*i - 1, 2*i + 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symconv.report import Shape
from symconv.window import Window1d

#: The output index inside stored ranges; replaced by the user's index in ``region``.
INDEX = sp.Dummy("i", integer=True, nonnegative=True)


class NotAligned(ValueError):
    """Paths of a multi-path network have different effective strides."""


def _min(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    return a if (a - b).is_nonpositive else b if (a - b).is_nonnegative else sp.Min(a, b)


def _max(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    return a if (a - b).is_nonnegative else b if (a - b).is_nonpositive else sp.Max(a, b)


@dataclass(frozen=True)
class EitherPath:
    """Caps of a union of two paths: it reaches as far as the farther-reaching path.

    Kept unevaluated: building ``Max(Min(...), Min(...))`` of symbolic sizes is
    slow, and it is only needed when a clipped region is asked for.
    """

    a: tuple[Any, ...]
    b: tuple[Any, ...]


def _reach(caps: tuple[Any, ...]) -> sp.Expr:
    """The tightest bound the caps give (``oo`` when there are none)."""
    out: sp.Expr = sp.oo
    for cap in caps:
        value = _max(_reach(cap.a), _reach(cap.b)) if isinstance(cap, EitherPath) else cap
        out = _min(out, value)
    return out


def _add_cap(caps: tuple[Any, ...], new: sp.Expr) -> tuple[Any, ...]:
    """Caps plus ``new``, dropping whichever of two caps is provably looser.

    Only differences that are plain numbers are compared (cheap); others are
    all kept, so a deep chain of same-size tensors keeps one cap, not one per layer.
    """
    kept = []
    for cap in caps:
        diff = new - cap if not isinstance(cap, EitherPath) else None
        if diff is not None and diff.is_Number:
            if diff >= 0:
                return caps  # new is no tighter than this cap
            continue  # new is tighter: drop this cap
        kept.append(cap)
    return (*kept, new)


def _union_caps(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    if set(a) <= set(b):  # b has every bound of a and more: the union reaches as a does
        return a
    if set(b) <= set(a):
        return b
    return (EitherPath(a, b),)


def _tidy(expr: sp.Expr) -> sp.Expr:
    # Numbers are already in normal form; symbolic kernel/stride arguments need expanding.
    return expr if expr.is_Number else sp.expand(expr)


@dataclass(frozen=True)
class AxisField:
    """Input range ``first(i) .. last(i)`` along one axis, both affine in the output index ``i``.

    Both ranges step by the effective stride ``S`` (every window step multiplies
    it), so the field is ``first(i) = S*i + first0`` and ``last(i) = S*i + last0``:
    composing a window is arithmetic on ``S``, ``first0`` and ``last0``.
    """

    stride: sp.Expr
    #: ``first(0)`` and ``last(0)``: the input range of output 0.
    first0: sp.Expr
    last0: sp.Expr
    #: Upper bounds on the input positions any real neuron on the path can reach.
    caps: tuple[Any, ...] = ()

    @classmethod
    def identity(cls, size: sp.Expr | None = None) -> AxisField:
        """The field of the input itself: position ``i`` sees position ``i``."""
        zero = sp.Integer(0)
        return cls(sp.Integer(1), zero, zero, () if size is None else (sp.sympify(size) - 1,))

    @property
    def first(self) -> sp.Expr:
        """First input position seen by output :data:`INDEX`."""
        return self.stride * INDEX + self.first0

    @property
    def last(self) -> sp.Expr:
        """Last input position seen by output :data:`INDEX`."""
        return self.stride * INDEX + self.last0

    def then(self, window: Window1d, size_in: sp.Expr | None = None) -> AxisField:
        """The field after one more sliding window (conv or pooling) on ``size_in`` positions.

        Output ``i`` of the window reads its inputs ``s*i - p .. s*i - p + span - 1``, so
        ``first_new(i) = first(s*i - p)`` and ``last_new(i) = last(s*i - p + span - 1)``.
        """
        caps = self.caps
        S = self.stride
        if size_in is not None:
            cap = S * (sp.sympify(size_in) - 1) + self.last0
            # With a numeric stride SymPy distributes it already; expanding would walk into
            # the floors of a symbolic input size.
            caps = _add_cap(caps, cap if S.is_Number and self.last0.is_Number else sp.expand(cap))
        p = window.pad_left
        return AxisField(_tidy(S * window.stride), _tidy(self.first0 - S * p),
                         _tidy(self.last0 + S * (window.span - 1 - p)), caps)

    @property
    def size(self) -> sp.Expr:
        """Receptive field size ``r``."""
        return _tidy(self.last0 - self.first0 + 1)

    @property
    def padding(self) -> sp.Expr:
        """Effective padding ``P``: how far the first output's range reaches left of 0."""
        return -self.first0

    def region(self, i: sp.Expr | int, clip: bool = False) -> tuple[sp.Expr, sp.Expr]:
        """``(first, last)`` input positions seen by output ``i`` (may lie in the padding).

        ``clip=True`` keeps real positions only (see the module docstring).
        """
        at = sp.sympify(i)
        first, last = self.stride * at + self.first0, self.stride * at + self.last0
        if clip:
            first = _max(first, sp.Integer(0))
            last = _min(last, _reach(self.caps))
        return first, last

    def aligned_with(self, other: AxisField) -> bool:
        """Same effective stride and same centre for every output index."""
        return _tidy(self.stride - other.stride) == 0 and _tidy(
            self.first0 + self.last0 - other.first0 - other.last0) == 0

    def hull(self, other: AxisField) -> AxisField:
        """Smallest range containing both (they must share the effective stride)."""
        if _tidy(self.stride - other.stride) != 0:
            raise NotAligned(
                f"paths are not aligned: effective strides {self.stride} and {other.stride} "
                "differ, so no single receptive field describes the output"
            )
        return AxisField(self.stride, _min(self.first0, other.first0),
                         _max(self.last0, other.last0), _union_caps(self.caps, other.caps))


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of one layer's outputs with respect to the network input.

    ``axes`` holds one :class:`AxisField` per spatial axis; ``input_size`` the
    network input's spatial sizes (for clipping to real positions).
    """

    axes: tuple[AxisField, ...]
    input_size: Shape
    aligned: bool = True
    notes: tuple[str, ...] = ()

    @classmethod
    def of_input(cls, spatial: Shape) -> ReceptiveField:
        return cls(tuple(AxisField.identity(n) for n in spatial), tuple(spatial))

    @property
    def size(self) -> tuple[sp.Expr, ...]:
        """Size per spatial axis."""
        return tuple(a.size for a in self.axes)

    @property
    def stride(self) -> tuple[sp.Expr, ...]:
        """Effective stride per spatial axis."""
        return tuple(a.stride for a in self.axes)

    @property
    def padding(self) -> tuple[sp.Expr, ...]:
        """Effective padding per spatial axis."""
        return tuple(a.padding for a in self.axes)

    def then(self, windows: tuple[Window1d, ...], spatial_in: Shape | None = None) -> ReceptiveField:
        """The field after a layer with one window per axis, on inputs of ``spatial_in``."""
        if len(windows) != len(self.axes):
            raise ValueError(f"{len(windows)} windows for {len(self.axes)} spatial axes")
        sizes = spatial_in if spatial_in is not None else (None,) * len(windows)
        axes = tuple(a.then(w, n) for a, w, n in zip(self.axes, windows, sizes, strict=True))
        return ReceptiveField(axes, self.input_size, self.aligned, self.notes)

    def merge(self, other: ReceptiveField, where: str = "") -> ReceptiveField:
        """The field where two paths join (residual add, concatenation)."""
        aligned = all(a.aligned_with(b) for a, b in zip(self.axes, other.axes, strict=True))
        axes = tuple(a.hull(b) for a, b in zip(self.axes, other.axes, strict=True))
        notes = tuple(dict.fromkeys(self.notes + other.notes))
        if not aligned:
            notes += (f"paths joining at {where or 'a merge'} are not aligned (different "
                      "centres): the field is the hull of the paths' ranges",)
        return ReceptiveField(axes, self.input_size, self.aligned and other.aligned and aligned,
                              notes)

    def _repr_html_(self) -> str:
        from symconv.display.receptive import receptive_html

        return receptive_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.receptive import receptive_latex

        return receptive_latex(self)

    def __str__(self) -> str:
        from symconv.display.receptive import receptive_text

        return receptive_text(self)

    __repr__ = __str__

    def region(self, *index: sp.Expr | int, clip: bool = False) -> tuple[tuple[sp.Expr, ...], ...]:
        """``(first, last)`` per axis of the input seen by the output at ``index``.

        One index applies to every axis; otherwise give one per axis.  With
        ``clip=True`` the range is cut to real input positions ``0 .. n-1``.

        >>> from symconv.window import Window1d
        >>> rf = ReceptiveField.of_input((8, 8)).then((Window1d(3, 1, 1, 1),) * 2)
        >>> rf.region(0, 7), rf.region(0, clip=True)
        (((-1, 1), (6, 8)), ((0, 1), (0, 1)))
        """
        if len(index) == 1:
            index = index * len(self.axes)
        if len(index) != len(self.axes):
            raise ValueError(f"give 1 or {len(self.axes)} indices, not {len(index)}")
        return tuple(axis.region(sp.sympify(i), clip)
                     for axis, i in zip(self.axes, index, strict=True))


#: Layer kinds that act on each position separately: the field passes through.
POINTWISE_KINDS = {"activation", "norm"}


def through_layer(field: ReceptiveField, layer: object,
                  spatial_in: Shape | None = None) -> tuple[ReceptiveField | None, str]:
    """The field after ``layer``, or ``None`` and the reason it is not defined.

    Convolutions and pooling compose their windows; element-wise layers keep
    the field; transposed convolutions (fractional stride) and non-local layers
    (Linear, Flatten, adaptive pooling) end the receptive-field analysis, as in
    Araujo et al., whose method covers fully-convolutional paths.
    """
    kind = getattr(layer, "kind", "")
    if kind == "conv_transpose":
        return None, "transposed convolution: outside Araujo et al.'s method"
    windows = getattr(layer, "windows", None)
    if windows is not None:
        return field.then(tuple(windows), spatial_in), ""
    if kind in POINTWISE_KINDS:
        return field, ""
    return None, f"{type(layer).__name__} is not local: an output may depend on the whole input"
