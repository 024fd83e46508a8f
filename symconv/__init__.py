"""symconv: symbolic derivation engine for convolutional-network arithmetic.

>>> import symconv
>>> r = symconv.analyze(symconv.Conv2d(64, 128, 3, padding=1), (64, 256, 256))
>>> r.output_shape, r.params
((128, 256, 256), 73856)
"""

from symconv.analyze import analyze
from symconv.grading import grade
from symconv.layers import *  # noqa: F403 - the torch.nn-like vocabulary
from symconv.layers import __all__ as _layer_names
from symconv.network import Concat, NetworkReport, Residual, Sequential, from_torch
from symconv.report import LayerReport
from symconv.symbols import sym, symbols

__version__ = "0.1.0"

__all__ = ["analyze", "LayerReport", "sym", "symbols", *_layer_names,
           "Sequential", "Residual", "Concat", "from_torch", "NetworkReport", "grade"]
