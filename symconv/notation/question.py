"""The notation of one question: its ``[notation]`` tables and the roles of its symbols.

A symbol's role is read off where the question uses it: ``kernel_size = "k"``
makes ``k`` a kernel size, the first entry of a multi-axis ``input`` the input
channels, the others input sizes.  Roles decide only the order of terms and
factors on the page.

Examples
--------
>>> spec = {"type": "Conv2d", "in_channels": "c_i", "out_channels": "c_o", "kernel_size": "k"}
>>> symbol_roles([spec], ["c_i", "h", "w"], None)
{'c_i': 'in_channels', 'c_o': 'out_channels', 'k': 'kernel', 'h': 'size', 'w': 'size'}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from symconv.notation.context import Notation

#: Layer argument -> role of a symbol given there.
ARG_ROLES = {
    "in_channels": "in_channels", "out_channels": "out_channels", "in_features": "in_features",
    "out_features": "out_features", "num_features": "in_channels", "kernel_size": "kernel",
    "stride": "stride", "padding": "padding", "dilation": "dilation", "groups": "groups",
    "output_padding": "output_padding", "output_size": "size_out",
}


def _names(value: Any) -> Iterable[str]:
    if isinstance(value, str) and value not in ("same", "valid"):
        yield value.strip()
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _names(v)


def _layers(table: Any, depth: int = 0) -> Iterable[Mapping[str, Any]]:
    # Malformed tables are the loader's to report (with the field): here they give no roles.
    if depth > 32:
        return
    if isinstance(table, Mapping):
        if "layers" in table:
            yield from _layers(table["layers"], depth + 1)
        else:
            yield table
    elif isinstance(table, list):
        for sub in table:
            yield from _layers(sub, depth + 1)


def symbol_roles(specs: Iterable[Any], input_shape: Any, batch: Any) -> dict[str, str]:
    """Role of every symbol named in layer tables, an input shape and a batch."""
    out: dict[str, str] = {}
    for spec in specs:
        for table in _layers(spec):
            for key, value in table.items():
                if key in ("type", "name") or not isinstance(key, str):
                    continue
                for name in _names(value):
                    out.setdefault(name, ARG_ROLES.get(key, "other"))
    shape = list(input_shape) if isinstance(input_shape, list | tuple) else []
    for i, item in enumerate(shape):
        for name in _names(item):
            out.setdefault(name, "in_channels" if i == 0 and len(shape) > 1 else
                           "size" if len(shape) > 1 else "in_features")
    for name in _names(batch):
        out.setdefault(name, "batch")
    return out


def question_notation(q: Any) -> Notation:
    """The notation of question ``q`` (``ValueError`` naming the field when it is wrong)."""
    data = q.data
    specs = [data[k] for k in ("layer", "network") if k in data]
    layers = data.get("layers")
    specs += list(layers) if isinstance(layers, list) else []
    roles = symbol_roles(specs, data.get("input"), data.get("batch"))
    return Notation.from_table(data.get("notation")).with_roles(roles)
