"""Layers from plain data (TOML tables, JSON objects), never from evaluated text.

A layer spec is a mapping with ``type`` naming a torch.nn class symconv models
and the class's keyword arguments.  Values are integers, symbol names,
booleans, lists (per-axis tuples) or ``"same"``/``"valid"`` for padding.

Examples
--------
>>> build_layer({"type": "Conv2d", "in_channels": "c_i", "out_channels": 64,
...              "kernel_size": [3, 3], "padding": 1})
Conv2d(c_i, 64, kernel_size=3, stride=1, padding=1, dilation=1, groups=1, bias=True)
>>> build_layer({"type": "MaxPool2d", "kernel_size": 2, "strides": 2})
Traceback (most recent call last):
...
symconv.spec.SpecError: MaxPool2d: unknown argument 'strides' (known: kernel_size, stride, padding, dilation, ceil_mode)
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import symconv.layers as L
from symconv.layers.base import Layer, LayerError

#: Layer classes a spec may name, by torch.nn class name.
LAYER_TYPES: dict[str, type[Layer]] = {
    name: getattr(L, name) for name in L.__all__ if name not in ("Layer", "LayerError")
}

_KEEP_STRINGS = {"padding"}  # "same" / "valid"


class SpecError(ValueError):
    """A layer or network description that cannot be built; says which field is wrong."""


def _value(key: str, value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_value(key, v) for v in value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if key in _KEEP_STRINGS and value in ("same", "valid"):
            return value
        return value.strip()  # a symbol name; symconv.symbols.to_expr validates it
    raise SpecError(f"argument {key!r}: unsupported value {value!r}")


def build_layer(spec: Mapping[str, Any]) -> Layer:
    """Build one layer from ``{"type": ClassName, **torch_kwargs}``."""
    if not isinstance(spec, Mapping):
        raise SpecError(f"a layer must be a table with a 'type', not {spec!r}")
    kind = spec.get("type")
    if kind not in LAYER_TYPES:
        known = ", ".join(sorted(LAYER_TYPES))
        raise SpecError(f"unknown layer type {kind!r} (known: {known})")
    cls = LAYER_TYPES[kind]
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    kwargs = {}
    for key, value in spec.items():
        if key in ("type", "name"):
            continue
        if key not in params:
            raise SpecError(f"{kind}: unknown argument {key!r} (known: {', '.join(params)})")
        kwargs[key] = _value(key, value)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise SpecError(f"{kind}: {exc}".replace("__init__() ", "")) from None
    except (LayerError, ValueError) as exc:
        raise SpecError(f"{kind}: {exc}") from None
