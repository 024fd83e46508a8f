r"""Layers in words, as a key states them: never a Python repr or a keyword argument.

:func:`sentence` gives a full description for a key's "Layer." line
(``a convolution with $C_{\mathrm{in}}$ input and $C_{\mathrm{out}}$ output
channels, $K_2 \times K_1$ kernels, stride $S$, padding $P$``); :func:`short`
gives a table cell (``conv $3 \times 3$, 64 filters, padding 1``).  Arguments at
their defaults are not mentioned; math goes through the notation's printer,
and per-axis sizes follow the question's axis order.

Examples
--------
>>> from symconv import Conv2d, MaxPool2d, Linear
>>> print(sentence(Conv2d("C_in", "C_out", ("K_2", "K_1"), stride="S")))
a convolution with $C_{\mathrm{in}}$ input and $C_{\mathrm{out}}$ output channels, ...
>>> print(sentence(Conv2d(3, 8, ("K_2", "K_1"), stride="S", padding=1)).split(", ", 1)[1])
$K_{2} \times K_{1}$ kernels, stride $S$ and padding 1
>>> print(short(Conv2d(1, 64, 3, padding=1)), "|", short(MaxPool2d(2)), "|", short(Linear(490, 3)))
conv $3 \times 3$, 64 filters, padding 1 | max pool $2 \times 2$ | fully connected, 3 outputs
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.notation.context import Notation, current
from symconv.notation.latex import latex

_SPATIAL = {1: "L", 2: "HW", 3: "DHW"}


def spatial(values: Any, notation: Notation | None = None) -> tuple[Any, ...]:
    """Per-axis values (torch order) in the notation's order of spatial axes."""
    n = notation or current()
    values = tuple(values)
    torch_order = _SPATIAL.get(len(values), "")
    letters = [c for c in n.layout if c in "DHWL"]
    if set(letters) != set(torch_order):
        return values
    table = dict(zip(torch_order, values, strict=True))
    return tuple(table[c] for c in letters)


def _m(value: Any) -> str:
    return "$" + latex(value) + "$"


def _one(values: Any) -> Any:
    values = tuple(values)
    return values[0] if len(set(values)) == 1 else None


def _size(values: Any, square: bool = True) -> str:
    """``k \\times k`` for a kernel (square: both sides), a single value otherwise when equal."""
    vals = spatial(values)
    same = _one(vals)
    if same is not None and not square:
        return _plain(same)
    return "$" + r" \times ".join(_factor(v) for v in vals) + "$"


def _factor(v: Any) -> str:
    tex = latex(v)
    return r"\left(" + tex + r"\right)" if isinstance(sp.sympify(v), sp.Add) else tex


def _is(values: Any, default: int) -> bool:
    return all(sp.sympify(v) == default for v in values)


def _window_args(layer: Any, short_form: bool) -> list[str]:
    out = []
    stride = tuple(layer.stride)
    if not (short_form and getattr(layer, "kind", "") == "pool" and stride == tuple(
            layer.kernel_size)) and not _is(stride, 1):
        out.append(f"stride {_size(stride, square=False)}")
    pads = getattr(layer, "padding", ())
    pads = tuple(p[0] if isinstance(p, tuple) else p for p in pads)
    if pads and not _is(pads, 0):
        out.append(f"padding {_size(pads, square=False)}")
    dil = tuple(getattr(layer, "dilation", ()) or ())
    if dil and not _is(dil, 1):
        out.append(f"dilation {_size(dil, square=False)}")
    return out


def _plain(value: Any) -> str:
    v = sp.sympify(value)
    return str(int(v)) if v.is_Integer else _m(v)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def sentence(layer: Any) -> str:
    """A layer described in words (the key's "Layer." line)."""
    name = type(layer).__name__
    kind = getattr(layer, "kind", "")
    if kind in ("conv", "conv_transpose"):
        what = "a transposed convolution" if kind == "conv_transpose" else "a convolution"
        parts = [f"{_size(layer.kernel_size)} kernels", *_window_args(layer, False)]
        if sp.sympify(layer.groups) != 1:
            parts.append(f"{_plain(layer.groups)} groups")
        text = (f"{what} with {_m(layer.in_channels)} input and {_m(layer.out_channels)} output "
                f"channels, {_and(parts)}")
        return text + ("" if layer.bias else ", without bias")
    if kind == "pool" and hasattr(layer, "kernel_size"):
        what = "max pooling" if "Max" in name else "average pooling"
        parts = [f"over {_size(layer.kernel_size)} windows", *_window_args(layer, False)]
        text = f"{what} {parts[0]}" + (f", {_and(parts[1:])}" if parts[1:] else "")
        if "Avg" in name and not getattr(layer, "count_include_pad", True):
            text += " (padding not counted in the average)"
        return text
    if kind == "linear":
        text = (f"a fully connected layer from {_m(layer.in_features)} to "
                f"{_m(layer.out_features)} features")
        return text + ("" if layer.bias else ", without bias")
    if kind == "reshape":
        return "flattening"
    return _generic(name)


def short(layer: Any) -> str:
    """A layer in a few words (a network table's row)."""
    name = type(layer).__name__
    kind = getattr(layer, "kind", "")
    if kind in ("conv", "conv_transpose"):
        head = "transposed conv" if kind == "conv_transpose" else "conv"
        n = sp.sympify(layer.out_channels)
        parts = [f"{head} {_size(layer.kernel_size)}",
                 f"{_plain(n)} filter" + ("" if n == 1 else "s"), *_window_args(layer, True)]
        return ", ".join(parts)
    if kind == "pool" and hasattr(layer, "kernel_size"):
        head = "max pool" if "Max" in name else "avg pool"
        return ", ".join([f"{head} {_size(layer.kernel_size)}", *_window_args(layer, True)])
    if kind == "linear":
        return f"fully connected, {_plain(layer.out_features)} outputs"
    if kind == "reshape":
        return "flatten"
    return _generic(name)


def _generic(name: str) -> str:
    words = {"ReLU": "ReLU", "LeakyReLU": "leaky ReLU", "Sigmoid": "sigmoid", "Tanh": "tanh",
             "GELU": "GELU", "Identity": "identity", "Dropout": "dropout",
             "BatchNorm1d": "batch normalization", "BatchNorm2d": "batch normalization",
             "BatchNorm3d": "batch normalization"}
    return words.get(name, name)
