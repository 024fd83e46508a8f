"""Gradients, composition and variance: derivations, not lookups.

* :func:`conv_backward`, :func:`pool_backward` -- backward index formulas derived
  from the forward definitions (SymPy sums), with evaluators on numpy arrays;
* :func:`gradient_variance` -- ``Var(dL/dW)`` by rules of expectation;
* :func:`compose`, :func:`compose_kernels`, :func:`decompose` -- two stacked
  convolutions as one, and the converse by factoring over Q;
* :func:`solve_filter_1d`, :func:`transposed_conv_scatter`,
  :func:`padded_convolution`, :func:`stack_receptive_field` -- worked numerics;
* :func:`mlp_symmetry` -- the ``d!`` / ``2^d d!`` hidden-unit symmetry.

Every result has a ``.steps()`` method returning answer-key steps
(:mod:`symconv.solution` objects).  See ``docs/gradients.md``.

>>> from symconv import Conv2d
>>> gradient_variance(Conv2d(1, 1, "k"), (1, "n", "n")).std
sigma_g*sigma_x*(-k + n + 1)
"""

from symconv.calculus.backward import ConvBackward, conv_backward
from symconv.calculus.compose import Composition, compose
from symconv.calculus.decompose import Decomposition, decompose
from symconv.calculus.kernels import compose_kernels, fold_bias, kernel_polynomial
from symconv.calculus.pooling_grad import PoolBackward, pool_backward
from symconv.calculus.recurrence import repeated_receptive_field
from symconv.calculus.symmetry import MLPSymmetry, mlp_symmetry
from symconv.calculus.variance import GradientVariance, MonteCarlo, gradient_variance
from symconv.calculus.worked import (
    Worked,
    padded_convolution,
    solve_filter_1d,
    stack_receptive_field,
    transposed_conv_scatter,
)

__all__ = [
    "ConvBackward", "conv_backward", "PoolBackward", "pool_backward",
    "GradientVariance", "MonteCarlo", "gradient_variance",
    "Composition", "compose", "compose_kernels", "fold_bias", "kernel_polynomial",
    "Decomposition", "decompose",
    "MLPSymmetry", "mlp_symmetry",
    "Worked", "solve_filter_1d", "transposed_conv_scatter", "padded_convolution",
    "stack_receptive_field", "repeated_receptive_field",
]
