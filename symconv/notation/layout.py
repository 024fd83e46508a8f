"""Shapes in the question's axis order: ``C x H x W`` (torch), ``H x W x C``, with a batch or not.

The engine always holds shapes in torch's order (batch, channels, spatial
axes); a question that writes ``64 x 64 x 10`` (height, width, channels)
gets its answers in that order.  Only the display changes: the data the
grader and the JSON key read stay in torch's order.

Examples
--------
>>> from symconv.notation.context import Notation
>>> hwc = Notation.from_table({"layout": "HWC"})
>>> arrange((10, 31, 31), hwc)
(31, 31, 10)
>>> arrange((10, 31, 31), hwc, batch=8), arrange((10, 31, 31), Notation(), batch=1)
((8, 31, 31, 10), (10, 31, 31))
>>> arrange((10, 31, 31), Notation.from_table({"batch": False}), batch=8)
(10, 31, 31)
>>> arrange((64, 3, 4, 5), hwc, kind="weight")
(4, 5, 3, 64)
>>> arrange((1, 126, 126), Notation.from_table({"layout": "HW"}))
(126, 126)
>>> from_layout((31, 31, 10), hwc)
(10, 31, 31)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from symconv.notation.context import Notation, current

_SPATIAL = {1: "L", 2: "HW", 3: "DHW"}


def _template(layout: str, dims: int) -> list[str]:
    """The layout's letters for a shape with ``dims`` spatial axes (torch's if it names others)."""
    torch_order = _SPATIAL.get(dims, "")
    spatial = [c for c in layout if c in "DHWL"]
    if set(spatial) == set(torch_order):
        return list(layout)
    out, placed = [], False
    for c in layout:
        if c in "DHWL":
            if not placed:
                out += list(torch_order)
                placed = True
        else:
            out.append(c)
    return out if placed else [*out, *torch_order]


def _is_one(v: Any) -> bool:
    return bool(sp.sympify(v) == 1)


def arrange(shape: Sequence[Any], notation: Notation | None = None, batch: Any = None,
            kind: str = "activation") -> tuple[Any, ...]:
    """``shape`` (torch order, per sample) in the notation's axis order.

    ``batch`` is the batch size: shown when the notation asks for it (``N`` in the
    layout or ``batch = true``), or by default when it is not 1.  ``kind`` is
    ``"activation"`` (channels, spatial axes) or ``"weight"`` (out channels, in
    channels, kernel axes; in a channels-last layout ``k_h x k_w x c_in x c_out``).
    """
    n = notation or current()
    shape = tuple(shape)
    if kind == "weight":
        c_out, c_in, *kernel_axes = shape
        template = _template(n.layout, len(kernel_axes))
        axes = dict(zip(_SPATIAL.get(len(kernel_axes), ""), kernel_axes, strict=False))
        kernel = [axes[c] for c in template if c in axes]
        if "C" not in template and _is_one(c_out) and _is_one(c_in):
            return tuple(kernel)
        spatial_pos = [i for i, c in enumerate(template) if c in axes]
        if "C" in template and spatial_pos and template.index("C") > max(spatial_pos):
            return (*kernel, c_in, c_out)
        return (c_out, c_in, *kernel)
    show = n.shows_batch
    if show is None:
        show = batch is not None and not _is_one(batch)
    lead = (batch,) if show and batch is not None else ()
    if len(shape) <= 1:
        return (*lead, *shape)
    c, *spatial = shape
    template = _template(n.layout, len(spatial))
    table: dict[str, Any] = {"C": c, **dict(zip(_SPATIAL[len(spatial)], spatial, strict=False))}
    if "C" not in template and not _is_one(c):
        template.insert(0, "C")  # a layout without channels only where there is one channel
    out: list[Any] = []
    for letter in template:
        if letter == "N":
            out.extend(lead)
        elif letter in table:
            out.append(table[letter])
    if lead and "N" not in template:
        out.insert(0, batch)
    return tuple(out)


def from_layout(shape: Sequence[Any], notation: Notation | None = None,
                batch: bool = False) -> tuple[Any, ...]:
    """A shape written in the notation's axis order, back in torch's order (per sample).

    With ``batch`` the leading batch entry (if the layout shows one) is dropped.
    """
    n = notation or current()
    shape = list(shape)
    letters = [c for c in n.layout if c in "NCDHWL"]
    if "N" in letters and len(shape) == len(letters):
        del shape[letters.index("N")]
        letters.remove("N")
    elif batch and len(shape) == len(letters) + 1:
        shape = shape[1:]
    letters = [c for c in letters if c != "N"]
    if len(shape) != len(letters):
        return tuple(shape)  # not in this layout (e.g. torch order already)
    table = dict(zip(letters, shape, strict=True))
    spatial = _SPATIAL.get(len([c for c in letters if c in "DHWL"]), "")
    head = [table["C"]] if "C" in table else [1]
    return tuple([*head, *(table[c] for c in spatial)])
