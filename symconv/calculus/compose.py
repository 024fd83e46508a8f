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

import dataclasses
from dataclasses import dataclass
from math import gcd
from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.indexing import index
from symconv.layers.base import as_shape
from symconv.layers.conv import Conv1d, Conv2d, Conv3d
from symconv.solution import Text
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
    """The single convolution equivalent to ``second(first(x))``; see the module docstring.

    For a stack of more than two layers, ``first`` is the single layer
    equivalent to all but the last (``earlier`` holds that composition) and
    ``second`` the last layer: stacks compose two at a time.
    """

    first: Any
    second: Any
    layer: Any
    axes: tuple[AxisComposition, ...]
    exact: sp.Basic        # condition for equality everywhere (no padding after the first layer)
    notes: tuple[str, ...]
    input_shape: Any = None  # optional: makes steps() state the exact region and run checks
    earlier: Composition | None = None

    @property
    def layers(self) -> tuple[Any, ...]:
        """The stacked layers, in order.

        >>> from symconv import Conv2d
        >>> len(compose(Conv2d(1, 1, 3), Conv2d(1, 1, 3), Conv2d(1, 1, 3)).layers)
        3
        """
        return (*self.earlier.layers, self.second) if self.earlier else (self.first, self.second)

    def exact_region(self, input_shape: Any) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
        """Per axis, the output indices ``(first, last)`` where the single layer is exact.

        They are the ``o`` whose last-layer taps ``o*s2 + t2*d2 - p2`` all lie where
        the layers before are exact: ``0 .. M-1`` (``M`` the first layer's output
        size) for two layers, the earlier composition's exact region for more.

        >>> from symconv import Conv1d
        >>> compose(Conv1d(1, 1, 3, padding=1), Conv1d(1, 1, 3, padding=1)).exact_region((1, 8))
        ((1, 6),)
        >>> c = Conv1d(1, 1, 3, padding=1)
        >>> compose(c, c, c).exact_region((1, 8))
        ((2, 5),)
        """
        mid = self.first.output_shape(as_shape(input_shape))
        if self.earlier is None:
            allowed = [(sp.Integer(0), m - 1) for m in mid[1:]]
        else:
            allowed = list(self.earlier.exact_region(input_shape))
        out = []
        for w, (low, high) in zip(self.second.windows, allowed):
            lo = sp.ceiling((low + w.pad_left) / w.stride)
            hi = sp.floor((high + w.pad_left - (w.span - 1)) / w.stride)
            out.append((sp.simplify(lo), sp.simplify(hi)))
        return tuple(out)

    def weights(self, w1: Any, b1: Any, w2: Any, b2: Any) -> tuple[np.ndarray, np.ndarray]:
        """Numeric weights and bias of :attr:`layer` from the two layers' (torch layout).

        For a longer stack, ``w1, b1`` are those of :attr:`first`, i.e. what the
        earlier composition's :meth:`weights` gives.
        """
        from symconv.calculus.kernels import compose_kernels, fold_bias

        ints = [tuple(int(v) for v in t) for t in
                (self.first.stride, self.first.dilation, self.second.dilation)]
        K = compose_kernels(np.asarray(w1), np.asarray(w2), stride1=ints[0], dilation1=ints[1],
                            dilation2=ints[2], groups1=int(self.first.groups),
                            groups2=int(self.second.groups))
        return K, fold_bias(w2, b1, b2, int(self.second.groups))

    def steps(self, input_shape: Any = None) -> Any:
        """Answer-key steps (see :mod:`symconv.calculus.compose_steps`), shown worked in Jupyter.

        With an input shape (here or given to :func:`compose`) the steps add the
        output shape, the exact region and a check by explicit loops.  A longer
        stack shows each composition of two in turn.
        """
        from symconv.calculus.compose_steps import composition_steps
        from symconv.display.steps import Steps

        shape = input_shape if input_shape is not None else self.input_shape
        out: list[Any] = []
        if self.earlier is not None:
            out += list(self.earlier.steps(shape))
            out.append(Text(f"Then compose that single layer with the next one, {self.second!r}:"))
        return Steps(out + composition_steps(self, shape),
                     title=f"Composition of {len(self.layers)} layers")

    def _repr_html_(self) -> str:
        from symconv.display.composition import composition_html

        return composition_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.composition import composition_latex

        return composition_latex(self)

    def __str__(self) -> str:
        from symconv.display.composition import composition_text

        return composition_text(self)

    __repr__ = __str__


#: Why a layer cannot take part in a composition (a linear, shift-invariant stack), by kind.
_NOT_LINEAR = {
    "activation": "is not linear, so the stack is not a single convolution "
                  "(compose the linear parts on either side of it)",
    "pool": "takes a maximum, which is not linear, so the stack is not a single convolution",
    "conv_transpose": "is a transposed (fractionally strided) convolution, which does not "
                      "compose into a direct one",
    "linear": "is fully connected, not a sliding window",
    "reshape": "reshapes the tensor, not a sliding window",
}


def _as_conv(layer: Any, channels: Any, index: int) -> Any | None:
    """``layer`` as a convolution (None: it drops out, an identity); an error when it is not one.

    Average pooling that counts the padding is a depthwise convolution with
    weights ``1/kernel volume``; batch normalisation in evaluation mode a 1x1
    depthwise convolution with a bias; identity and dropout (evaluation) drop out.
    """
    from symconv.layers.elementwise import Dropout, Identity, _BatchNormNd
    from symconv.layers.pooling import _AvgPoolNd

    kind = getattr(layer, "kind", None)
    where = f"compose: layer {index} ({layer!r})"
    if kind == "conv":
        return layer
    if isinstance(layer, Identity | Dropout):
        return None
    if isinstance(layer, _AvgPoolNd | _BatchNormNd):
        if channels is None:
            raise ValueError(f"{where}: give input_shape=... (its channels) to write it as a "
                             "depthwise convolution")
        if isinstance(layer, _BatchNormNd):
            return _CONV[layer._dims](channels, channels, 1, groups=channels, bias=True)
        if layer.ceil_mode or (not layer.count_include_pad and any(p != 0 for p in layer.padding)):
            raise ValueError(f"{where}: average pooling with ceil_mode, or without counting the "
                             "padding, divides border windows differently: not a convolution")
        return _CONV[layer._dims](channels, channels, layer.kernel_size, stride=layer.stride,
                                  padding=layer.padding, groups=channels, bias=False)
    reason = _NOT_LINEAR.get(kind or "", "is not a convolution")
    if type(layer).__name__.startswith("Adaptive"):
        reason = "adapts its windows to the input size: not one sliding window"
    raise TypeError(f"{where} {reason}")


def compose(*layers: Any, input_shape: Any = None) -> Composition:
    """The single convolution equivalent to the stack ``layers[-1](...(layers[0](x)))``.

    Two or more convolutions (or a list or ``Sequential`` of them), without
    activations between; average pooling and batch normalisation (evaluation
    mode) take part as the depthwise convolutions they are, identities drop
    out.  Max pooling and nonlinearities make the stack non-linear: a
    :class:`TypeError` says which layer.  ``input_shape`` (per sample,
    optional) is kept for :meth:`Composition.steps`.

    >>> from symconv import Conv2d, ReLU
    >>> compose(Conv2d(1, 1, 3), Conv2d(1, 1, 3), Conv2d(1, 1, 3)).layer.kernel_size
    (7, 7)
    >>> compose(Conv2d(1, 1, 3), ReLU(), Conv2d(1, 1, 3))
    Traceback (most recent call last):
    ...
    TypeError: compose: layer 1 (ReLU()) is not linear, so the stack is not a single ...
    """
    if layers and _is_shape(layers[-1]) and input_shape is None:
        *rest, input_shape = layers  # compose(a, b, (c, h, w)): the older call with a shape
        layers = tuple(rest)
    if len(layers) == 1 and isinstance(layers[0], list | tuple):
        layers = tuple(layers[0])
    elif len(layers) == 1 and hasattr(layers[0], "named_children"):
        layers = tuple(layers[0])  # a Sequential
    channels = as_shape(input_shape)[0] if input_shape is not None else None
    convs: list[Any] = []
    for k, layer in enumerate(layers):
        if not hasattr(layer, "output_shape"):
            raise TypeError(f"compose: argument {k} is {layer!r}, not a layer")
        conv = _as_conv(layer, convs[-1].out_channels if convs else channels, k)
        if conv is not None:
            convs.append(conv)
    if len(convs) < 2:
        raise ValueError(f"compose needs at least two convolutions, got {len(convs)}")
    result = _compose_two(convs[0], convs[1], input_shape)
    for nxt in convs[2:]:
        later = _compose_two(result.layer, nxt, input_shape)
        notes = tuple(dict.fromkeys(result.notes + later.notes))
        result = dataclasses.replace(later, exact=sp.And(result.exact, later.exact), notes=notes,
                                     earlier=result)
    return result


def _is_shape(value: Any) -> bool:
    """A tuple or list of sizes (ints, names, expressions), not of layers."""
    return isinstance(value, tuple | list) and bool(value) and not any(
        hasattr(v, "output_shape") for v in value)


def _compose_two(first: Any, second: Any, input_shape: Any = None) -> Composition:
    """The single convolution equivalent to ``second(first(x))`` (no activation between)."""
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
