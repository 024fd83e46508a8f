"""Concrete instances of a question: numbers for its symbols, and the roles symbols play.

Checks run on numbers and variants draw new numbers, so both need to know
what a symbol *is*: a channel count, a spatial size, a kernel size...
The role comes from where the symbol appears in the layer spec and input
shape (``kernel_size = "k"`` makes ``k`` a kernel size), never from a
guess on its name alone.

Examples
--------
>>> spec = {"type": "Conv2d", "in_channels": "c_i", "out_channels": 8, "kernel_size": "k"}
>>> roles(spec, ["c_i", "h", "w"])
{'c_i': 'channels', 'k': 'kernel', 'h': 'size', 'w': 'size'}
>>> numeric_spec(spec, {"c_i": 3, "k": 5})["kernel_size"]
5
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy as sp

from symconv.exprmap import as_number

#: Layer argument -> role of a symbol given there.
ARG_ROLES = {
    "in_channels": "channels", "out_channels": "channels", "in_features": "features",
    "out_features": "features", "num_features": "channels", "kernel_size": "kernel",
    "stride": "stride", "padding": "padding", "dilation": "dilation", "groups": "groups",
    "output_padding": "output_padding", "output_size": "size",
}

#: Ranges a random *check* instance draws from (small: the brute force runs on it).
CHECK_RANGES = {
    "channels": (1, 3), "features": (1, 5), "kernel": (1, 4), "stride": (1, 3),
    "padding": (0, 2), "dilation": (1, 2), "groups": (1, 1), "output_padding": (0, 1),
    "size": (4, 9), "batch": (1, 2), "other": (1, 4),
}


def _symbol_names(value: Any) -> Iterable[str]:
    if isinstance(value, str) and value not in ("same", "valid"):
        yield value.strip()
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _symbol_names(v)


def roles(spec: Mapping[str, Any], input_shape: Iterable[Any] = (), batch: Any = None,
          layers: Iterable[Mapping[str, Any]] = ()) -> dict[str, str]:
    """Role of every symbol named in a layer spec (or several) and an input shape."""
    out: dict[str, str] = {}
    for table in [spec, *layers]:
        for key, value in table.items():
            if key in ("type", "name"):
                continue
            for name in _symbol_names(value):
                out.setdefault(name, ARG_ROLES.get(key, "other"))
    shape = list(input_shape)
    for i, item in enumerate(shape):
        for name in _symbol_names(item):
            out.setdefault(name, "channels" if i == 0 and len(shape) > 1 else "size")
    for name in _symbol_names(batch):
        out.setdefault(name, "batch")
    return out


def numeric_spec(spec: Any, values: Mapping[str, Any]) -> Any:
    """The spec with every symbol name that has a value replaced by that (integer) value."""
    if isinstance(spec, Mapping):
        return {k: numeric_spec(v, values) if k not in ("type", "name") else v
                for k, v in spec.items()}
    if isinstance(spec, list | tuple):
        return [numeric_spec(v, values) for v in spec]
    if isinstance(spec, str) and spec.strip() in values:
        value = as_number(values[spec.strip()])
        return int(value) if value.is_Integer else value
    return spec


def as_int_values(values: Mapping[str, Any]) -> dict[str, int]:
    """Values as Python ints (a check instance is always integral)."""
    out = {}
    for k, v in values.items():
        e = sp.sympify(v)
        if not e.is_Integer:
            raise ValueError(f"{k} = {v} is not an integer")
        out[k] = int(e)
    return out


def draw(rng: Any, names_roles: Mapping[str, str], ranges: Mapping[str, tuple[int, int]],
         fixed: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Random integers for each symbol from its role's range (``fixed`` ones kept)."""
    fixed = dict(fixed or {})
    out = {}
    for name, role in sorted(names_roles.items()):
        if name in fixed:
            out[name] = int(fixed[name])
            continue
        lo, hi = ranges.get(role, ranges.get("other", (1, 4)))
        out[name] = int(rng.randint(lo, hi))
    return out
