"""Layers from plain data (TOML tables, JSON objects), never from evaluated text.

A layer spec is a mapping with ``type`` naming a torch.nn class symconv models
and the class's keyword arguments.  Values are integers, symbol names,
booleans, lists (per-axis tuples) or ``"same"``/``"valid"`` for padding.

Examples
--------
>>> build_layer({"type": "Conv2d", "in_channels": "c_i", "out_channels": 64,
...              "kernel_size": [3, 3], "padding": 1})
Conv2d(c_i, 64, kernel_size=3, stride=1, padding=1, dilation=1, groups=1, bias=True)
>>> build_layer({"type": "MaxPool2d", "kernel_size": 2, "strides": 2})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symconv.spec.SpecError: MaxPool2d: unknown argument 'strides' (known: kernel_size, stride, ...)
"""

from __future__ import annotations

import inspect
import re
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
        # "_ConvNd.__init__() missing 1 required positional argument: 'x'" -> the names only
        names = re.findall(r"'(\w+)'", str(exc))
        raise SpecError(f"{kind}: missing argument {', '.join(names) or exc}") from None
    except (LayerError, ValueError) as exc:
        raise SpecError(f"{kind}: {exc}") from None


#: Container types a network spec may name.
NETWORK_TYPES = ("Sequential", "Residual", "Concat")


def build_network(spec: Any, where: str = "network") -> Any:
    """Build a network (or a single layer) from plain data.

    ``{"type": "Sequential", "layers": [...]}``, ``{"type": "Residual",
    "body": [...], "shortcut": [...]}`` (no shortcut: identity) and
    ``{"type": "Concat", "branches": [[...], [...]]}`` nest freely; a list is
    a Sequential; any other table is a layer (:func:`build_layer`).  A layer's
    ``name`` key names its row.  Errors say where in the spec they are.

    Examples
    --------
    >>> build_network({"type": "Sequential", "layers": [
    ...     {"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 3},
    ...     {"type": "Residual", "body": [{"type": "ReLU"}]}]})
    Sequential(Conv2d(3, 8, ...), Residual(Sequential(ReLU())))
    >>> build_network({"type": "Residual", "body": [{"type": "ReLU"}, {"type": "Conv2d",
    ...     "in_channels": 3, "out_channels": 3, "kernel": 3}]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symconv.spec.SpecError: network.body[1]: Conv2d: unknown argument 'kernel' (known: ...)
    """
    from collections import OrderedDict

    from symconv.network import Concat, Residual, Sequential

    def parts(items: Any, field: str) -> list[tuple[str | None, Any]]:
        if isinstance(items, Mapping):
            items = [items]
        if not isinstance(items, list):
            raise SpecError(f"{where}.{field}: expected a list of layers, not {items!r}")
        out = []
        for k, item in enumerate(items):
            name = item.get("name") if isinstance(item, Mapping) else None
            out.append((None if name is None else str(name),
                        build_network(item, f"{where}.{field}[{k}]")))
        return out

    def sequential(items: Any, field: str) -> Any:
        built = parts(items, field)
        if any(name is not None for name, _ in built):
            return Sequential(OrderedDict(
                (name if name is not None else str(k), part) for k, (name, part) in enumerate(built)))
        return Sequential(*(part for _, part in built))

    if isinstance(spec, list):
        return sequential(spec, "layers")
    if not isinstance(spec, Mapping):
        raise SpecError(f"{where}: a network must be a table with a 'type', not {spec!r}")
    kind = spec.get("type")
    if kind not in NETWORK_TYPES:
        try:
            return build_layer(spec)
        except SpecError as exc:
            raise SpecError(f"{where}: {exc}") from None
    allowed = {"Sequential": {"layers"}, "Residual": {"body", "shortcut"},
               "Concat": {"branches"}}[kind]
    unknown = set(spec) - allowed - {"type", "name"}
    if unknown:
        raise SpecError(f"{where}: {kind}: unknown field {sorted(unknown)[0]!r} "
                        f"(known: {', '.join(sorted(allowed))})")
    for needed in sorted(allowed - {"shortcut"}):
        if needed not in spec:
            raise SpecError(f"{where}: {kind} needs a {needed!r} field")
    if kind == "Sequential":
        return sequential(spec["layers"], "layers")
    if kind == "Residual":
        shortcut = spec.get("shortcut")
        return Residual(sequential(spec["body"], "body"),
                        None if shortcut is None else sequential(shortcut, "shortcut"))
    branches = spec["branches"]
    if not isinstance(branches, list) or not branches:
        raise SpecError(f"{where}.branches: expected a non-empty list of layer lists")
    return Concat(*(sequential(b, f"branches[{k}]") for k, b in enumerate(branches)))
