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


def array_check(name: str, oracle: str, expected: Any, observed: Any,
                exact: bool = True, detail: str = "") -> Check:
    """A :class:`~symconv.solution.Check` comparing two arrays (exactly, or to 1e-12)."""
    e, o = np.asarray(expected, dtype=float), np.asarray(observed, dtype=float)
    same = e.shape == o.shape and (np.array_equal(e, o) if exact else np.allclose(e, o,
                                                                                 atol=1e-12))
    return Check(name, oracle, as_sympy(e), as_sympy(o), bool(same), detail)


def torch_or_none() -> Any:
    """The torch module, or None when it is not installed (checks then use loops only)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def small_ints(rng: np.random.Generator, shape: tuple[int, ...], bound: int = 3) -> np.ndarray:
    """Integer-valued float64 array in ``[-bound, bound]`` (sums of products stay exact)."""
    return rng.integers(-bound, bound + 1, size=shape).astype(np.float64)
