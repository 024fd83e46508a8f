"""Names of the quantities a question may ask about one layer, and how to read them.

A quantity is a dotted path into a :class:`~symconv.report.LayerReport`:
``mults``, ``params``, ``output_shape`` (or ``output_shape.1`` for one axis),
``memory.forward``, ``memory.bytes.training``, ``backward.grad_weight.adds``,
``backward.grad_input.shape``...  This module resolves a path and gives it a
readable label; it derives nothing itself.

Examples
--------
>>> from symconv import Conv2d, analyze
>>> r = analyze(Conv2d(3, 8, 3), (3, 10, 10))
>>> resolve(r, "backward.grad_weight.shape"), resolve(r, "output_shape.1")
((8, 3, 3, 3), 8)
>>> label("backward.grad_weight.adds")
'additions for grad_weight (backward pass)'
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.printing import LABELS

_REPORT_ATTRS = (
    "output_shape", "input_shape", "params", "weight_params", "bias_params", "mults", "adds",
    "macs", "flops", "comparisons", "evaluations", "activations", "memory", "backward",
    "conventions",
)
_PART_LABELS = {
    "input": "input", "output": "output", "weight": "weights", "bias": "biases",
    "grad_input": "grad_input", "grad_weight": "grad_weight", "grad_bias": "grad_bias",
    "forward": "forward total", "training": "training total", "shape": "shape",
    "mults": "multiplications", "adds": "additions", "flops": "FLOPs",
    "grad_output_shape": "shape of grad_output",
}


class QuantityError(ValueError):
    """A quantity path that names nothing in a layer report."""


def resolve(report: Any, path: str, dtype: str = "float32") -> Any:
    """The value at ``path`` (SymPy expression or tuple of them)."""
    parts = path.split(".")
    if parts[0] not in _REPORT_ATTRS:
        raise QuantityError(f"unknown quantity {path!r} (known: {', '.join(_REPORT_ATTRS)}, "
                            "with .parts such as memory.forward or backward.grad_weight.adds)")
    obj: Any = report
    for i, part in enumerate(parts):
        if part == "bytes" and parts[i - 1:i] == ["memory"]:
            obj = obj.bytes(dtype)
            continue
        if isinstance(obj, dict):
            if part not in obj:
                raise QuantityError(f"unknown quantity {path!r}: no {part!r} "
                                    f"(known: {', '.join(obj)})")
            obj = obj[part]
        elif isinstance(obj, tuple) and part.isdigit():
            if int(part) >= len(obj):
                raise QuantityError(f"unknown quantity {path!r}: axis {part} out of range")
            obj = obj[int(part)]
        elif obj is not None and not part.startswith("_") and hasattr(obj, part):
            obj = getattr(obj, part)
        else:
            raise QuantityError(f"unknown quantity {path!r}: nothing called {part!r}")
    if obj is None:
        raise QuantityError(f"quantity {path!r} does not exist for this layer")
    if isinstance(obj, tuple):
        return tuple(sp.sympify(x) for x in obj)
    if not isinstance(obj, sp.Basic | int):
        raise QuantityError(f"{path!r} is not a number or shape (choose one of its parts)")
    return sp.sympify(obj)


def label(path: str) -> str:
    """A human label for a quantity path."""
    parts = path.split(".")
    if len(parts) == 1:
        return LABELS.get(parts[0], parts[0].replace("_", " "))
    head, rest = parts[0], parts[1:]
    if head == "output_shape" and rest[0].isdigit():
        return f"output size along axis {rest[0]}"
    if head == "memory":
        unit = "bytes" if rest[0] == "bytes" else "elements"
        names = [r for r in rest if r != "bytes"]
        what = _PART_LABELS.get(names[0], names[0]) if names else "memory"
        return f"memory: {what} ({unit})"
    if head == "backward":
        if rest[0] == "grad_output_shape":
            return "shape of grad_output (backward pass)"
        what = _PART_LABELS.get(rest[-1], rest[-1]) if len(rest) > 1 else "cost"
        return f"{what} for {rest[0]} (backward pass)"
    if head == "conventions":
        return f"FLOPs as counted by {rest[0]}"
    return " ".join(_PART_LABELS.get(p, p) for p in parts)


#: Tensor roles of the backward pass, as the quantity paths name them.
_GRADIENTS = {"grad_input": ("grad_input", "the input gradient"),
              "grad_weight": ("grad_weight", "the weight gradient"),
              "grad_bias": ("grad_bias", "the bias gradient"),
              "grad_output_shape": ("grad_output", "the output gradient")}
_AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
_MEMORY = {"input": "input elements", "output": "output elements", "weight": "weight elements",
           "bias": "bias elements", "forward": "memory of a forward pass",
           "training": "memory of a training step", "grad_input": "input-gradient elements",
           "grad_weight": "weight-gradient elements", "grad_bias": "bias-gradient elements"}


def _tensor(role: str, fallback: str, notation: Any) -> str:
    if notation is not None and role in notation.tensors:
        return "$" + notation.tensor(role, "") + "$"
    return fallback


def display_label(path: str, notation: Any = None, dims: int = 2) -> str:
    """The label a key shows for a quantity, in the question's tensor names (``$...$`` math).

    >>> from symconv.notation.context import Notation
    >>> n = Notation.from_table({"tensors": {"grad_weight": "g_w", "output": "x"}})
    >>> display_label("backward.grad_weight.adds", n), display_label("output_shape", n)
    ('additions for $g_{w}$', 'shape of $x$')
    >>> display_label("memory.input"), display_label("output_shape.2")
    ('input elements', 'output width')
    """
    parts = path.split(".")
    head = parts[0]
    if head == "output_shape":
        if len(parts) > 1 and parts[1] == "0":
            return "output channels"
        if len(parts) > 1 and parts[1].isdigit():
            names = _AXES.get(dims, ())
            axis = int(parts[1]) - 1
            return f"output {names[axis]}" if 0 <= axis < len(names) else label(path)
        shown = _tensor("output", "", notation)
        return f"shape of {shown}" if shown else "output shape"
    if head == "memory":
        unit = " (bytes)" if "bytes" in parts else ""
        kept = [p for p in parts[1:] if p != "bytes"]
        return _MEMORY.get(kept[0], label(path)) + unit if kept else label(path)
    if head == "backward" and len(parts) > 1 and parts[1] in _GRADIENTS:
        role, fallback = _GRADIENTS[parts[1]]
        tensor = _tensor(role, fallback, notation)
        what = parts[2] if len(parts) > 2 else "shape"
        if parts[1] == "grad_output_shape" or what == "shape":
            return f"shape of {tensor}"
        return f"{LABELS.get(what, what)} for {tensor}"
    if head == "flops":
        return "FLOPs"  # the idea line says what they count (multiplications + additions)
    if head == "macs":
        return "multiply-accumulates"
    return label(path)


def shape_kind(path: str) -> str | None:
    """``"activation"`` or ``"weight"`` for a quantity that is a shape, else None."""
    if path == "output_shape" or path in ("backward.grad_output_shape",
                                          "backward.grad_input.shape"):
        return "activation"
    if path in ("backward.grad_weight.shape",):
        return "weight"
    if path.endswith(".shape"):
        return "vector"
    return None
