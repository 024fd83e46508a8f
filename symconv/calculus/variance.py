"""Variance of the weight gradient of a convolution, derived by rules of expectation.

Assumptions (the seed's): the inputs ``x`` and the upstream gradients ``dy`` are
independent of each other, each made of independent entries with mean 0 and
variances ``sigma_x**2`` and ``sigma_g**2``; zero padding is the constant 0.
Starting from the *derived* gradient sum
``dL/dw[f,c,t] = sum_{b,o} dy[b,f,o] * x[b, G(f)+c, o*s + t*d - p]``:

* ``E[dL/dw] = sum E[dy] E[x] = 0`` (linearity, independence, zero mean);
* ``Var = E[(dL/dw)^2]`` is a double sum in which every cross term has a
  zero-mean factor, so only ``b = b'``, ``o = o'`` survive, each contributing
  ``sigma_g^2 sigma_x^2`` if its input tap is a real position and 0 if it reads
  padding (:mod:`symconv.calculus.expectation`);
* the remaining sum is a count: batch x output positions whose tap ``t`` lands
  on the input.  Without padding every tap does, and for one ``n x n`` channel,
  a ``k x k`` kernel and stride 1 that is ``(n-k+1)^2 sigma_x^2 sigma_g^2``.

Examples
--------
>>> from symconv import Conv2d
>>> v = gradient_variance(Conv2d(1, 1, "k"), (1, "n", "n"))
>>> v.variance
sigma_g**2*sigma_x**2*(-k + n + 1)**2
>>> v.std
sigma_g*sigma_x*(-k + n + 1)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.backward import ConvBackward, conv_backward
from symconv.calculus.expectation import (
    Expect,
    Model,
    independence,
    indicator_counts,
    linearity,
    moments,
    square,
)
from symconv.calculus.indexing import flatten_sums, resolve_deltas
from symconv.exprmap import substitution
from symconv.symbols import Value, to_expr


@dataclass(frozen=True)
class MonteCarlo:
    """Sampled variance of each weight-gradient tap against the derived one."""

    samples: int
    expected: np.ndarray
    estimate: np.ndarray
    stderr: np.ndarray
    z: float

    @property
    def passed(self) -> bool:
        """Every tap within ``z`` standard errors of the derived variance."""
        return bool(np.all(np.abs(self.estimate - self.expected) <= self.z * self.stderr))


@dataclass(frozen=True)
class GradientVariance:
    """``Var(dL/dW)`` derived for one layer; see the module docstring."""

    backward: ConvBackward
    sigma_x: sp.Expr
    sigma_g: sp.Expr
    gradient: sp.Expr
    mean_stages: tuple[sp.Expr, ...]
    square_stages: tuple[sp.Expr, ...]
    variance: sp.Expr
    std: sp.Expr

    @property
    def taps(self) -> tuple[sp.Symbol, ...]:
        """The kernel-tap indices the variance may depend on (through padding)."""
        return self.backward.free["w"][2:]

    def per_tap(self, values: Mapping[str, Any] | None = None) -> np.ndarray:
        """The variance of every tap of the kernel as a float array (``values``: numbers)."""
        table = substitution(dict(values or {}), self.variance.free_symbols)
        var = self.variance.xreplace(table)
        ks = [int(k.xreplace(substitution(dict(values or {}), k.free_symbols)))
              for k in self.backward.layer.kernel_size]
        out = np.zeros(ks)
        for tap in itertools.product(*(range(k) for k in ks)):
            v = var.xreplace(dict(zip(self.taps, map(sp.Integer, tap))))
            out[tap] = float(v)
        return out

    def monte_carlo(self, samples: int = 4000, seed: int = 0, sigma_x: float = 1.0,
                    sigma_g: float = 1.0, z: float = 4.0) -> MonteCarlo:
        """Sample ``x`` and ``dy`` (Gaussian), compute ``dL/dw`` by explicit tap loops."""
        layer, bw = self.backward.layer, self.backward
        rng = np.random.default_rng(seed)
        shape_x = tuple(int(v) for v in (bw.batch, *bw.input_shape))
        shape_y = tuple(int(v) for v in bw.shapes["dy"])
        x = rng.normal(0.0, sigma_x, size=(samples, *shape_x))
        dy = rng.normal(0.0, sigma_g, size=(samples, *shape_y))
        grads = _grad_weight_f0c0(layer, x, dy)
        sq = grads**2  # the mean is known to be 0
        expected = self.per_tap({self.sigma_x.name: sp.nsimplify(sigma_x),
                                 self.sigma_g.name: sp.nsimplify(sigma_g)})
        return MonteCarlo(samples, expected, sq.mean(axis=0),
                          sq.std(axis=0, ddof=1) / np.sqrt(samples), z)

    def steps(self, monte_carlo: bool = True) -> list[Any]:
        """Answer-key steps (see :mod:`symconv.calculus.variance_steps`)."""
        from symconv.calculus.variance_steps import variance_steps
        from symconv.display.steps import Steps

        return Steps(variance_steps(self, monte_carlo=monte_carlo), title="Gradient variance")

    def _repr_html_(self) -> str:
        from symconv.display.variance import variance_html

        return variance_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.variance import variance_latex

        return variance_latex(self)

    def __str__(self) -> str:
        from symconv.display.variance import variance_text

        return variance_text(self)

    __repr__ = __str__


def _grad_weight_f0c0(layer: Any, x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """``dL/dw[0, 0, t]`` for every tap and sample: one strided slice per tap."""
    dims = x.ndim - 3
    pads = [int(p) for p, _ in layer.padding]
    xp = np.pad(x[:, :, 0], [(0, 0), (0, 0)] + [(p, int(q)) for p, (_, q) in
                                                zip(pads, layer.padding)])
    out_sizes = dy.shape[3:]
    ks = [int(k) for k in layer.kernel_size]
    grads = np.zeros((x.shape[0], *ks))
    for tap in itertools.product(*(range(k) for k in ks)):
        idx = tuple(slice(t * int(d), t * int(d) + int(s) * (o - 1) + 1, int(s))
                    for t, d, s, o in zip(tap, layer.dilation, layer.stride, out_sizes))
        patch = xp[(slice(None), slice(None), *idx)]
        at: tuple[Any, ...] = (slice(None), *tap)
        grads[at] = np.sum(patch * dy[:, :, 0], axis=tuple(range(1, dims + 2)))
    return grads


def gradient_variance(layer: Any, input_shape: Any, batch: Value = 1,
                      sigma_x: Value = "sigma_x", sigma_g: Value = "sigma_g") -> GradientVariance:
    """Derive ``Var(dL/dW)`` of a ``Conv1d/2d/3d`` under the module's assumptions.

    Parameters
    ----------
    layer : a symconv convolution (numbers or symbols)
    input_shape : per-sample ``(c_i, *spatial)``
    batch : batch size (number or symbol name)
    sigma_x, sigma_g : standard deviations of the inputs and upstream gradients
    """
    bw = conv_backward(layer, input_shape, batch)
    sx, sg = to_expr(sigma_x, "sigma_x"), to_expr(sigma_g, "sigma_g")
    model = Model({"x": sx**2, "dy": sg**2}, bw.shapes)
    G = bw.grad_weight.rhs
    ranges = {v: (sp.Integer(0), n - 1) for v, n in zip(bw.free["w"], bw.shapes["w"])}
    # E[G]: the three rules, in order, kept for the steps.
    m1 = linearity(G, model)
    m2 = independence(m1, model)
    m3 = moments(m2, model, ranges)
    mean = sp.simplify(m3.doit())
    if mean != 0:
        raise AssertionError(f"the derived mean is {mean}, not 0")  # the model says it is 0
    # E[G^2]: square as a double sum, then the same rules and the deltas they leave.
    sq = square(G)
    second = tuple(v for v in sq.variables if v.name.endswith("'"))
    s1 = linearity(sq, model)
    s2 = independence(s1, model)
    s3 = moments(s2, model, ranges)
    s4 = resolve_deltas(flatten_sums(s3), ranges, model.shapes, prefer=second)
    split = indicator_counts(s4)
    if split is None:
        raise NotImplementedError(f"cannot count the terms of {s4}")
    const, counts = split
    closed = sp.Mul(const, *counts)
    variance, std = _variance_and_std(const, counts)
    return GradientVariance(
        backward=bw, sigma_x=sx, sigma_g=sg, gradient=G,
        mean_stages=(Expect(G), m1, m2, m3, mean),
        square_stages=(Expect(sp.Pow(G, 2, evaluate=False)), sq, s1, s2, s3, s4, closed),
        variance=variance, std=std,
    )


def _variance_and_std(const: sp.Expr, counts: list[sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
    """``const * prod(counts)`` and its square root, counts being non-negative.

    Equal counts are grouped (``(n-k+1)**2``) so the root is ``n-k+1``, not ``|n-k+1|``:
    a count of terms is never negative.
    """
    grouped: dict[sp.Expr, int] = {}
    for c in counts:
        grouped[c] = grouped.get(c, 0) + 1
    var, std = const, sp.sqrt(const)
    for c, m in grouped.items():
        pos = sp.Dummy("count", positive=True)
        var = var * c**m
        std = std * sp.sqrt(pos**m).xreplace({pos: c})
    return var, std


__all__ = ["GradientVariance", "MonteCarlo", "gradient_variance"]
