"""Numbers for a symbolic derivation's checks: a small instance that respects the layer.

A derivation for a symbolic kernel size ``k`` and image size ``n`` is checked
on numbers: ``k = 3``, and ``n`` large enough for three output positions.
The instance is stated in the check line (``on $k = 3$, $n = 5$``).

Examples
--------
>>> from symconv import Conv2d
>>> layer, shape, values = numeric_example(Conv2d(1, 1, "k", bias=False), (1, "n", "n"))
>>> layer.kernel_size, shape, values
((3, 3), (1, 5, 5), {'k': 3, 'n': 5})
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.layers.base import as_shape

#: Value a symbol of each layer argument gets in an example.
DEFAULTS = {"kernel_size": 3, "stride": 1, "padding": 0, "dilation": 1, "in_channels": 1,
            "out_channels": 1, "groups": 1}


def _number(value: Any, default: int, values: dict[str, int]) -> Any:
    if isinstance(value, tuple):
        return tuple(_number(v, default, values) for v in value)
    v = sp.sympify(value)
    if v.is_Integer:
        return int(v)
    for s in v.free_symbols:
        values.setdefault(s.name, default)
    return int(v.xreplace({s: values[s.name] for s in v.free_symbols}))


def numeric_example(layer: Any, input_shape: Any) -> tuple[Any, tuple[int, ...], dict[str, int]]:
    """(numeric layer, numeric input shape, values used) for a symbolic conv or pooling layer."""
    values: dict[str, int] = {}
    kind = getattr(layer, "kind", "")
    args: dict[str, Any] = {}
    if kind == "conv":
        args = {"in_channels": _number(layer.in_channels, 1, values),
                "out_channels": _number(layer.out_channels, 1, values),
                "kernel_size": _number(layer.kernel_size, 3, values),
                "stride": _number(layer.stride, 1, values),
                "padding": _number(tuple(p for p, _ in layer.padding), 0, values),
                "dilation": _number(layer.dilation, 1, values),
                "groups": _number(layer.groups, 1, values), "bias": layer.bias}
    else:
        args = {"kernel_size": _number(layer.kernel_size, 2, values),
                "stride": _number(layer.stride, 2, values),
                "padding": _number(layer.padding, 0, values)}
    example = type(layer)(**args)
    shape = as_shape(tuple(input_shape))
    spans = [int(w.span) + 2 * int(w.stride) for w in example.windows]
    numeric = [_number(shape[0], 1, values)]
    for n, need in zip(shape[1:], spans, strict=False):
        numeric.append(_number(n, need, values))
    return example, tuple(numeric), values
