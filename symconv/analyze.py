"""The one entry point: derive every quantity of a layer (or network) for an input.

Examples
--------
>>> from symconv import Conv2d, analyze
>>> r = analyze(Conv2d("c_i", "c_o", ("k_h", "k_w"), bias=False), ("c_i", "h", "w"))
>>> r.mults
c_i*c_o*k_h*k_w*(h - k_h + 1)*(-k_w + w + 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symconv.layers.base import Layer, as_shape, size
from symconv.symbols import Value


def analyze(layer: Any, input_shape: Sequence[Value] | Value, batch: Value = 1) -> Any:
    """Derive the report of ``layer`` applied to per-sample ``input_shape``.

    Parameters
    ----------
    layer : a symconv layer or network (anything with ``analyze(shape, batch)``)
    input_shape : per-sample shape, e.g. ``("c_i", "h", "w")`` or ``(3, 224, 224)``
    batch : batch size (int, name or expression); every count includes it

    Returns
    -------
    LayerReport for a layer; a network's own report for a network.
    """
    if not hasattr(layer, "analyze"):
        raise TypeError(f"cannot analyze {layer!r}: not a symconv layer or network")
    shape = as_shape(input_shape)
    return layer.analyze(shape, size(batch, "batch"))


__all__ = ["analyze", "Layer"]
