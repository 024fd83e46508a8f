"""symconv: symbolic derivation engine for convolutional-network arithmetic.

>>> import symconv
>>> r = symconv.analyze(symconv.Conv2d(64, 128, 3, padding=1), (64, 256, 256))
>>> r.output_shape, r.params
((128, 256, 256), 73856)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from symconv.analyze import analyze
from symconv.grading import grade
from symconv.layers import *  # noqa: F403 - the torch.nn-like vocabulary
from symconv.layers import __all__ as _layer_names
from symconv.report import LayerReport
from symconv.symbols import sym, symbols
from symconv.validity import InvalidLayer, LayerError, UnknownSymbol

if TYPE_CHECKING:
    from symconv.calculus import (
        compose,
        compose_kernels,
        conv_backward,
        decompose,
        gradient_variance,
        mlp_symmetry,
        padded_convolution,
        pool_backward,
        solve_filter_1d,
        stack_receptive_field,
        transposed_conv_scatter,
    )
    from symconv.display.summary import summary
    from symconv.network import Concat, NetworkReport, Residual, Sequential
    from symconv.network.from_torch import from_torch

__version__ = "0.1.0"

#: Names offered here that are imported on first use, by module: the calculus brings
#: numpy (a fifth of a second), the networks and displays a twentieth more, and
#: ``symconv grade`` (with every worker it forks) needs none of them.
_LAZY = {
    **dict.fromkeys(("conv_backward", "pool_backward", "gradient_variance", "compose",
                     "compose_kernels", "decompose", "mlp_symmetry", "solve_filter_1d",
                     "transposed_conv_scatter", "padded_convolution",
                     "stack_receptive_field"), "symconv.calculus"),
    **dict.fromkeys(("Concat", "NetworkReport", "Residual", "Sequential", "from_torch"),
                    "symconv.network"),
    "summary": "symconv.display.summary",
}

__all__ = ["analyze", "LayerReport", "sym", "symbols", *_layer_names,
           "Sequential", "Residual", "Concat", "from_torch", "NetworkReport", "grade",
           "conv_backward", "pool_backward", "gradient_variance", "compose", "compose_kernels",
           "decompose", "mlp_symmetry", "solve_filter_1d", "transposed_conv_scatter",
           "padded_convolution", "stack_receptive_field", "InvalidLayer", "LayerError",
           "UnknownSymbol", "summary"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symconv' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups do not come here again
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
