"""The one-line idea a key states before each formula of a layer question.

A hand-written key says *why* before *what*: "each output element is a sum of
$c_i k_h k_w$ products" before the count of multiplications.  The sentences
here are written with the layer's own symbols (through the notation layer), so
they read in the question's names.

Examples
--------
>>> from symconv import Conv2d
>>> print(idea("mults", Conv2d("c_i", "c_o", ("k_h", "k_w"))))
Each output element is a sum of $c_{i} k_{h} k_{w}$ products.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.notation.latex import latex


def _m(expr: Any) -> str:
    return "$" + latex(expr) + "$"


def _per_output(layer: Any) -> sp.Expr | None:
    kind = getattr(layer, "kind", "")
    if kind == "conv":
        k = sp.Mul(*layer.kernel_size)
        return layer.in_channels / layer.groups * k
    if kind == "linear":
        return layer.in_features
    if kind == "pool" and hasattr(layer, "kernel_size"):
        return sp.Mul(*layer.kernel_size)
    return None


def idea(path: str, layer: Any) -> str:
    """The idea behind quantity ``path`` of ``layer`` ("" when there is nothing to say)."""
    kind = getattr(layer, "kind", "")
    name = type(layer).__name__
    head = path.split(".")[0]
    n = _per_output(layer)
    if head == "output_shape":
        if kind == "conv":
            return "One output channel per filter; along each axis, one output per window position."
        if kind == "pool":
            return "Pooling keeps the channels; along each axis, one output per window position."
        if kind == "linear":
            return "One output per neuron."
        return ""
    if path in ("params", "weight_params", "bias_params"):
        if kind == "conv":
            kernel = sp.Mul(*layer.kernel_size) * layer.in_channels / layer.groups
            return (f"Each of the {_m(layer.out_channels)} filters has {_m(kernel)} weights"
                    + (" and one bias." if layer.bias else " and no bias."))
        if kind == "linear":
            return (f"Each of the {_m(layer.out_features)} neurons has {_m(layer.in_features)} "
                    "weights" + (" and one bias." if layer.bias else " and no bias."))
        if kind == "pool":
            return "Pooling has no weights."
        return ""
    if head == "mults":
        if kind in ("conv", "linear") and n is not None:
            return f"Each output element is a sum of {_m(n)} products."
        if kind == "pool":
            if "Avg" in name:
                return "Each average is one division (a multiplication by $1/K$) per output."
            return "Max pooling multiplies nothing."
        return ""
    if head == "adds":
        if kind in ("conv", "linear") and n is not None:
            tail = ", plus one to add the bias." if layer.bias else "."
            return f"Summing {_m(n)} products takes {_m(n - 1)} additions{tail}"
        return ""
    if head == "flops":
        return "FLOPs count the multiplications and the additions."
    if head == "macs":
        return "One multiply-accumulate per product."
    if head == "comparisons":
        return "Finding the largest of $n$ values takes $n - 1$ comparisons."
    if head == "memory":
        part = path.split(".")[-1]
        return {
            "input": "One element per input value.",
            "output": "One element per output value.",
            "weight": "One element per weight.",
            "bias": "One element per bias.",
            "forward": "A forward pass holds the input, the output and the parameters at once.",
            "training": "A training step also holds the gradients of the input and of the "
                        "parameters.",
        }.get(part, "")
    if head == "backward":
        parts = path.split(".")
        if parts[-1] == "shape" or parts[1] == "grad_output_shape":
            return "A gradient has the shape of the tensor it is taken with respect to."
        if parts[1] == "grad_weight" and parts[-1] in ("mults", "adds"):
            return ("Each weight's gradient sums one product per output position (and per "
                    "sample of the batch).")
        return ""
    return ""
