"""Two stacked linear convolutions are one convolution: derived, with its kernel.

With ``y[m] = sum_{t1} w1[t1] x[m*s1 + t1*d1 - p1]`` and
``z[o] = sum_{t2} w2[t2] y[o*s2 + t2*d2 - p2]``, substituting ``y`` into ``z``
(done below with SymPy) gives

    z[o] = sum_{t1,t2} w2[t2] w1[t1] x[o*(s1*s2) + (t1*d1 + t2*s1*d2) - (p1 + s1*p2)]

so the single layer has stride ``s1*s2``, padding ``p1 + s1*p2``, taps at
``t1*d1 + t2*s1*d2`` -- an effective kernel of ``d1(k1-1) + s1*d2(k2-1) + 1``
positions (``k1 + (k2-1)*s1`` without dilation), dilation ``gcd(d1, s1*d2)`` --
and bias ``b2 + sum w2 * b1``.  Channels compose as a matrix product.

**Where it is exact.**  The substitution reads ``y`` at every ``o*s2 + t2*d2 - p2``;
the real second layer reads *zero padding* there when that position is outside
``y``.  So the single layer equals the stack exactly when ``p2 = 0``; with
``p2 > 0`` it equals it on the outputs whose second-layer window lies inside
``y`` (:meth:`Composition.exact_region`), and differs on the border (the
composed layer sees ``W1 x + b1`` where the stack sees 0).

Examples
--------
>>> from symconv import Conv2d
>>> c = compose(Conv2d(1, 1, 5), Conv2d(1, 1, 5))
>>> c.layer
Conv2d(1, 1, kernel_size=9, stride=1, padding=0, dilation=1, groups=1, bias=True)
>>> compose(Conv2d(3, 8, 3, stride=2, padding=1), Conv2d(8, 4, 3, padding=1)).layer
Conv2d(3, 4, kernel_size=7, stride=2, padding=3, dilation=1, groups=1, bias=True)
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.indexing import index
from symconv.layers.base import as_shape
from symconv.layers.conv import Conv1d, Conv2d, Conv3d
from symconv.window import windows

_CONV = {1: Conv1d, 2: Conv2d, 3: Conv3d}
X, Y, W1, W2 = (sp.IndexedBase(n) for n in ("x", "y", "w1", "w2"))


@dataclass(frozen=True)
class AxisComposition:
    """One spatial axis of a composition, derived by substitution."""

    index_expr: sp.Expr   # position of x read by z[o] through taps t1, t2
    stride: sp.Expr
    padding: sp.Expr
    span: sp.Expr          # effective kernel extent of the single layer
    dilation: sp.Expr
    kernel: sp.Expr


def compose_axis(k1, s1, p1, d1, k2, s2, p2, d2) -> AxisComposition:
    """Substitute the first layer's index map into the second's, read off the single layer.

    >>> a = compose_axis(3, 2, 1, 1, 3, 1, 1, 1)
    >>> a.stride, a.padding, a.kernel
    (2, 3, 7)
    """
    o, m, t1, t2 = index("o"), index("m"), index("t_1"), index("t_2")
    first = m * s1 + t1 * d1 - p1            # x position read by y[m]
    second = o * s2 + t2 * d2 - p2           # y position read by z[o]
    e = sp.expand(first.xreplace({m: second}))
    stride = e.coeff(o)
    padding = -e.xreplace({o: 0, t1: 0, t2: 0})
    tap1, tap2 = e.coeff(t1), e.coeff(t2)    # taps move x by d1 and by s1*d2
    span = tap1 * (k1 - 1) + tap2 * (k2 - 1) + 1
    if all(sp.sympify(v).is_Integer for v in (tap1, tap2)):
        dil = sp.Integer(gcd(int(tap1), int(tap2)))
    elif tap1 == 1 or sp.simplify(tap2 / tap1).is_integer:
        dil = sp.sympify(tap1)
    else:
        dil = sp.Integer(1)
    kernel = sp.simplify((span - 1) / dil + 1)
    return AxisComposition(e, stride, padding, span, dil, kernel)


@dataclass(frozen=True)
class Composition:
    """The single convolution equivalent to ``second(first(x))``; see the module docstring."""

    first: Any
    second: Any
    layer: Any
    axes: tuple[AxisComposition, ...]
    exact: sp.Basic        # condition for equality everywhere (no padding in the second layer)
    notes: tuple[str, ...]
    input_shape: Any = None  # optional: makes steps() state the exact region and run checks

    def exact_region(self, input_shape: Any) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
        """Per axis, the output indices ``(first, last)`` where the single layer is exact.

        They are the ``o`` whose second-layer taps ``o*s2 + t2*d2 - p2`` all lie in
        ``0 .. M-1`` (``M`` the first layer's output size).

        >>> from symconv import Conv1d
        >>> compose(Conv1d(1, 1, 3, padding=1), Conv1d(1, 1, 3, padding=1)).exact_region((1, 8))
        ((1, 6),)
        """
        mid = self.first.output_shape(as_shape(input_shape))
        out = []
        for w, m in zip(self.second.windows, mid[1:]):
            lo = sp.ceiling(w.pad_left / w.stride)
            hi = sp.floor((m - 1 + w.pad_left - (w.span - 1)) / w.stride)
            out.append((sp.simplify(lo), sp.simplify(hi)))
        return tuple(out)

    def weights(self, w1: Any, b1: Any, w2: Any, b2: Any) -> tuple[np.ndarray, np.ndarray]:
        """Numeric weights and bias of :attr:`layer` from the two layers' (torch layout)."""
        from symconv.calculus.kernels import compose_kernels, fold_bias

        ints = [tuple(int(v) for v in t) for t in
                (self.first.stride, self.first.dilation, self.second.dilation)]
        K = compose_kernels(np.asarray(w1), np.asarray(w2), stride1=ints[0], dilation1=ints[1],
                            dilation2=ints[2], groups1=int(self.first.groups),
                            groups2=int(self.second.groups))
        return K, fold_bias(w2, b1, b2, int(self.second.groups))

    def steps(self, input_shape: Any = None) -> list[Any]:
        """Answer-key steps (see :mod:`symconv.calculus.compose_steps`).

        With an input shape (here or given to :func:`compose`) the steps add the
        output shape, the exact region and a check by explicit loops.
        """
        from symconv.calculus.compose_steps import composition_steps

        return composition_steps(self, input_shape if input_shape is not None
                                 else self.input_shape)


def _check_conv(layer: Any, what: str) -> None:
    if getattr(layer, "kind", None) != "conv":
        raise TypeError(f"compose: the {what} layer must be a Conv1d/2d/3d, "
                        f"not {type(layer).__name__}")


def compose(first: Any, second: Any, input_shape: Any = None) -> Composition:
    """The single convolution equivalent to ``second(first(x))`` (no activation between).

    ``input_shape`` (per sample, optional) is kept for :meth:`Composition.steps`.
    """
    _check_conv(first, "first")
    _check_conv(second, "second")
    dims = len(first.kernel_size)
    if len(second.kernel_size) != dims:
        raise ValueError("compose: both layers need the same number of spatial dimensions")
    if sp.simplify(first.out_channels - second.in_channels) != 0:
        raise ValueError(f"compose: the first layer gives {first.out_channels} channels, "
                         f"the second takes {second.in_channels}")
    axes, lefts, rights = [], [], []
    for a in range(dims):
        (p1l, p1r), (p2l, p2r) = first.padding[a], second.padding[a]
        ax = compose_axis(first.kernel_size[a], first.stride[a], p1l, first.dilation[a],
                          second.kernel_size[a], second.stride[a], p2l, second.dilation[a])
        axes.append(ax)
        lefts.append(ax.padding)
        rights.append(sp.expand(p1r + first.stride[a] * p2r))
    same_groups = sp.simplify(first.groups - second.groups) == 0
    groups = first.groups if same_groups else sp.Integer(1)
    notes = []
    if not same_groups:
        notes.append("the layers have different groups: the single layer is dense (groups=1), "
                     "with zeros where no path connects the channels")
    layer = _CONV[dims](first.in_channels, second.out_channels, tuple(ax.kernel for ax in axes),
                        stride=tuple(ax.stride for ax in axes), padding=tuple(lefts),
                        dilation=tuple(ax.dilation for ax in axes), groups=groups,
                        bias=first.bias or second.bias)
    if any(sp.simplify(left - right) != 0 for left, right in zip(lefts, rights)):
        # torch's layers take one padding per axis; keep both sides as derived.
        layer.padding = tuple(zip(lefts, rights))
        layer.padding_spec = tuple(lefts)
        layer.windows = windows(layer.kernel_size, layer.stride, layer.padding, layer.dilation)
        notes.append("the derived padding is asymmetric (left, right) on some axis")
    exact = sp.And(*(sp.Eq(p, 0) for pair in second.padding for p in pair))
    if exact is not sp.true:
        notes.append("zero padding of the second layer breaks exact equality at the borders: "
                     "there the stack reads 0 where the single layer reads W1*x + b1")
    return Composition(first, second, layer, tuple(axes), exact, tuple(notes), input_shape)


__all__ = ["AxisComposition", "Composition", "compose", "compose_axis"]
