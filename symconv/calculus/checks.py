"""Independent numeric checks that answer-key steps run on a concrete instance.

The oracles are the explicit-loop references of :mod:`symconv.oracles.bruteforce`
(no formula in them) and, where PyTorch is installed, torch autograd.  Arrays
are small integer-valued float64 tensors, so every comparison is exact.

Examples
--------
>>> import numpy as np
>>> c = array_check("sum", "numpy", np.ones(2), np.ones(2))
>>> c.passed, c.observed
(True, [1, 1])
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import sympy as sp

from symconv.solution import Check


def as_sympy(a: Any) -> Any:
    """An array as a SymPy ``Array`` of exact numbers (integers when integral)."""
    arr = np.asarray(a, dtype=float)
    if np.all(arr == np.rint(arr)):
        data = np.rint(arr).astype(np.int64)
        if data.ndim == 0:
            return sp.Integer(int(data))
        return sp.Array(data.tolist())
    if arr.ndim == 0:
        return sp.Float(float(arr))
    return sp.Array(arr.tolist())


#: Arrays larger than this are shown in a check by a checksum (all entries are compared).
SHOWN = 36


def array_check(name: str, oracle: str, expected: Any, observed: Any,
                exact: bool = True, detail: str = "") -> Check:
    """A :class:`~symconv.solution.Check` comparing two arrays (exactly, or to 1e-12)."""
    e, o = np.asarray(expected, dtype=float), np.asarray(observed, dtype=float)
    same = e.shape == o.shape and (np.array_equal(e, o) if exact else np.allclose(e, o,
                                                                                 atol=1e-12))
    if e.size > SHOWN:  # a key prints checks in small print: show a checksum, compare all
        detail = (detail + "; " if detail else "") + (
            f"all {e.size} entries compared; shown: the sum of their absolute values")
        return Check(name, oracle, as_sympy(np.abs(e).sum()), as_sympy(np.abs(o).sum()),
                     bool(same), detail)
    return Check(name, oracle, as_sympy(e), as_sympy(o), bool(same), detail)


#: Whether checks may use torch (answer keys built with ``--no-torch`` turn it off).
_TORCH_CHECKS: ContextVar[bool] = ContextVar("symconv_torch_checks", default=True)


@contextmanager
def torch_checks(enabled: bool) -> Iterator[None]:
    """Allow or forbid torch in the checks run inside the ``with`` block.

    >>> with torch_checks(False):
    ...     torch_or_none() is None
    True
    """
    token = _TORCH_CHECKS.set(enabled)
    try:
        yield
    finally:
        _TORCH_CHECKS.reset(token)


def torch_or_none() -> Any:
    """The torch module, or None when it is not installed or turned off (loops only then)."""
    if not _TORCH_CHECKS.get():
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def small_ints(rng: np.random.Generator, shape: tuple[int, ...], bound: int = 3) -> np.ndarray:
    """Integer-valued float64 array in ``[-bound, bound]`` (sums of products stay exact)."""
    return rng.integers(-bound, bound + 1, size=shape).astype(np.float64)


#: Largest instance (multiply-accumulates of one forward pass) checked by explicit loops.
LOOP_BUDGET = 20_000


def loop_cost(layer: Any, input_shape: Any, batch: Any = 1) -> float:
    """Multiply-accumulates of one forward pass (what the loop oracles would run)."""
    from symconv.window import product

    out = layer.output_shape(tuple(input_shape))
    per = layer.in_channels / layer.groups * product(layer.kernel_size)
    return float(sp.sympify(batch * out[0] * product(out[1:]) * per))


def small_copy(layer: Any, input_shape: Any) -> tuple[Any, tuple[int, ...]]:
    """A small instance of a numeric conv layer: same kernel, stride, padding, dilation, groups.

    Channels become ``groups`` (one per group) and each spatial size the smallest that fits
    two windows, so explicit-loop checks stay fast on layers of any size.
    """
    g = int(layer.groups)
    spatial = []
    for w, n in zip(layer.windows, tuple(input_shape)[1:]):
        need = int(w.span) + int(w.stride) - int(w.pad_left) - int(w.pad_right)
        spatial.append(max(1, min(int(n), need)))
    cls = type(layer)
    small = cls(g, g, layer.kernel_size, stride=layer.stride,
                padding=tuple(int(p) for p, _ in layer.padding), dilation=layer.dilation,
                groups=g, bias=layer.bias)
    return small, (g, *spatial)
