"""symconv: symbolic derivation engine for convolutional-network arithmetic.

>>> import symconv
>>> r = symconv.analyze(symconv.Conv2d(64, 128, 3, padding=1), (64, 256, 256))
>>> r.output_shape, r.params
((128, 256, 256), 73856)
"""

from symconv.analyze import analyze
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
from symconv.grading import grade
from symconv.layers import *  # noqa: F403 - the torch.nn-like vocabulary
from symconv.layers import __all__ as _layer_names
from symconv.network import Concat, NetworkReport, Residual, Sequential, from_torch
from symconv.report import LayerReport
from symconv.symbols import sym, symbols
from symconv.validity import InvalidLayer, LayerError, UnknownSymbol

__version__ = "0.1.0"

__all__ = ["analyze", "LayerReport", "sym", "symbols", *_layer_names,
           "Sequential", "Residual", "Concat", "from_torch", "NetworkReport", "grade",
           "conv_backward", "pool_backward", "gradient_variance", "compose", "compose_kernels",
           "decompose", "mlp_symmetry", "solve_filter_1d", "transposed_conv_scatter",
           "padded_convolution", "stack_receptive_field", "InvalidLayer", "LayerError",
           "UnknownSymbol", "summary"]
