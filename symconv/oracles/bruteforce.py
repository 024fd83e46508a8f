"""Reference layers written as explicit loops that count every operation.

These are the oracles symconv's formulas are tested against, and the
"brute-force count" check of every answer key.  They are deliberately naive:
one Python loop level per index, one counter increment per arithmetic
operation, no formula anywhere.  They also return the computed tensor, so the
tests can check against torch that the counted algorithm *is* the layer.

Counting rules (the algorithm, stated once):

* a sum of ``n`` terms is accumulated from its first term: ``n - 1`` additions;
* zero padding is materialised, so products with padded zeros are computed;
* a scatter writes into a buffer whose untouched positions are empty: the
  first write to a position is a copy, later ones are additions;
* pooling visits only real input positions (padding is skipped, as torch does).

Examples
--------
>>> import numpy as np
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> w = np.ones((1, 1, 3, 3))
>>> y, ops = conv_nd(x, w, stride=(1, 1), padding=(0, 0))
>>> y.shape, ops.mults, ops.adds
((1, 1, 2, 2), 36, 32)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class OpCounter:
    """Running totals of the operations an oracle performed."""

    mults: int = 0
    adds: int = 0
    comparisons: int = 0

    @property
    def flops(self) -> int:
        return self.mults + self.adds


def _pad(x: np.ndarray, padding: tuple[int, ...]) -> np.ndarray:
    widths = [(0, 0), (0, 0)] + [(p, p) for p in padding]
    return np.pad(x, widths)


def conv_nd(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: tuple[int, ...] = (1, 1),
    padding: tuple[int, ...] = (0, 0),
    dilation: tuple[int, ...] | None = None,
    groups: int = 1,
) -> tuple[np.ndarray, OpCounter]:
    """Direct N-d convolution (cross-correlation, as torch) of ``x`` (B, C, *n) with ``w``."""
    ops = OpCounter()
    dims = x.ndim - 2
    dilation = dilation or (1,) * dims
    xp = _pad(x, padding)
    batch, c_in = x.shape[:2]
    c_out, c_in_g, *kernel = w.shape
    c_out_g = c_out // groups
    out_sizes = [
        (xp.shape[2 + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(dims)
    ]
    y = np.zeros((batch, c_out, *out_sizes))
    for b in range(batch):
        for co in range(c_out):
            g = co // c_out_g
            for pos in itertools.product(*(range(n) for n in out_sizes)):
                acc = None
                for ci in range(c_in_g):
                    for tap in itertools.product(*(range(k) for k in kernel)):
                        idx = tuple(pos[a] * stride[a] + tap[a] * dilation[a] for a in range(dims))
                        prod = w[(co, ci, *tap)] * xp[(b, g * c_in_g + ci, *idx)]
                        ops.mults += 1
                        if acc is None:
                            acc = prod
                        else:
                            acc = acc + prod
                            ops.adds += 1
                if bias is not None:
                    acc = acc + bias[co]
                    ops.adds += 1
                y[(b, co, *pos)] = acc
    return y, ops


def conv_transpose_nd(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: tuple[int, ...] = (1, 1),
    padding: tuple[int, ...] = (0, 0),
    output_padding: tuple[int, ...] | None = None,
    dilation: tuple[int, ...] | None = None,
    groups: int = 1,
) -> tuple[np.ndarray, OpCounter]:
    """Transposed convolution as a scatter of ``x`` (B, C_in, *n) through ``w`` (C_in, C_out/g, *k)."""
    ops = OpCounter()
    dims = x.ndim - 2
    dilation = dilation or (1,) * dims
    output_padding = output_padding or (0,) * dims
    batch, c_in, *n = x.shape
    _, c_out_g, *kernel = w.shape
    c_in_g = c_in // groups
    full = [(n[a] - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1 + output_padding[a]
            for a in range(dims)]
    buf = np.zeros((batch, c_out_g * groups, *full))
    written = np.zeros(buf.shape, dtype=bool)
    for b in range(batch):
        for ci in range(c_in):
            g = ci // c_in_g
            for pos in itertools.product(*(range(s) for s in n)):
                for co in range(c_out_g):
                    for tap in itertools.product(*(range(k) for k in kernel)):
                        idx = (b, g * c_out_g + co,
                               *(pos[a] * stride[a] + tap[a] * dilation[a] for a in range(dims)))
                        prod = x[(b, ci, *pos)] * w[(ci, co, *tap)]
                        ops.mults += 1
                        if written[idx]:
                            buf[idx] += prod
                            ops.adds += 1
                        else:
                            buf[idx] = prod
                            written[idx] = True
    crop = tuple(slice(padding[a], full[a] - padding[a]) for a in range(dims))
    y = buf[(slice(None), slice(None), *crop)].copy()
    if bias is not None:
        y = y + bias.reshape(1, -1, *([1] * dims))
        ops.adds += y.size
    return y, ops


def _windows(x: np.ndarray, kernel, stride, padding, dilation, ceil_mode):
    """Yield (batch, channel, output position, real input indices of the window)."""
    dims = x.ndim - 2
    n = x.shape[2:]
    sizes = []
    for a in range(dims):
        span = dilation[a] * (kernel[a] - 1) + 1
        free = n[a] + 2 * padding[a] - span
        out = (-(-free // stride[a]) if ceil_mode else free // stride[a]) + 1
        if ceil_mode and (out - 1) * stride[a] >= n[a] + padding[a]:
            out -= 1
        sizes.append(out)
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            for pos in itertools.product(*(range(s) for s in sizes)):
                idx = []
                for tap in itertools.product(*(range(k) for k in kernel)):
                    p = tuple(pos[a] * stride[a] - padding[a] + tap[a] * dilation[a]
                              for a in range(dims))
                    if all(0 <= p[a] < n[a] for a in range(dims)):
                        idx.append(p)
                yield b, c, pos, idx, sizes


def max_pool_nd(x, kernel, stride=None, padding=None, dilation=None, ceil_mode=False):
    """Max pooling over real positions: ``m - 1`` comparisons for ``m`` values."""
    dims = x.ndim - 2
    stride = stride or kernel
    padding = padding or (0,) * dims
    dilation = dilation or (1,) * dims
    ops = OpCounter()
    y: Any = None
    for b, c, pos, idx, sizes in _windows(x, kernel, stride, padding, dilation, ceil_mode):
        if y is None:
            y = np.zeros((x.shape[0], x.shape[1], *sizes))
        if not idx:  # the window sees only padding: torch outputs -inf, no comparison
            y[(b, c, *pos)] = -np.inf
            continue
        best = x[(b, c, *idx[0])]
        for p in idx[1:]:
            ops.comparisons += 1
            if x[(b, c, *p)] > best:
                best = x[(b, c, *p)]
        y[(b, c, *pos)] = best
    return y, ops


def avg_pool_nd(x, kernel, stride=None, padding=None, ceil_mode=False, count_include_pad=True):
    """Average pooling: sum of the real values (``m - 1`` adds) times 1/divisor (one mult)."""
    dims = x.ndim - 2
    stride = stride or kernel
    padding = padding or (0,) * dims
    ops = OpCounter()
    y: Any = None
    n = x.shape[2:]
    for b, c, pos, idx, sizes in _windows(x, kernel, stride, padding, (1,) * dims, ceil_mode):
        if y is None:
            y = np.zeros((x.shape[0], x.shape[1], *sizes))
        total = x[(b, c, *idx[0])]
        for p in idx[1:]:
            total = total + x[(b, c, *p)]
            ops.adds += 1
        if count_include_pad:  # torch: window clipped to the padded input
            divisor = 1
            for a in range(dims):
                start = pos[a] * stride[a] - padding[a]
                end = min(start + kernel[a], n[a] + padding[a])
                divisor *= end - start
        else:
            divisor = len(idx)
        y[(b, c, *pos)] = total * (1.0 / divisor)
        ops.mults += 1
    return y, ops


def linear(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None = None):
    """``x @ w.T + bias`` for ``x`` of shape (rows, in), one loop per index."""
    ops = OpCounter()
    rows, n_in = x.shape
    n_out = w.shape[0]
    y = np.zeros((rows, n_out))
    for r in range(rows):
        for o in range(n_out):
            acc = x[r, 0] * w[o, 0]
            ops.mults += 1
            for i in range(1, n_in):
                acc = acc + x[r, i] * w[o, i]
                ops.mults += 1
                ops.adds += 1
            if bias is not None:
                acc = acc + bias[o]
                ops.adds += 1
            y[r, o] = acc
    return y, ops


def conv_grad_weight(x, grad_out, kernel, stride, padding, dilation=None, groups=1):
    """grad_weight of a conv: each weight sums ``batch x positions`` products."""
    ops = OpCounter()
    dims = x.ndim - 2
    dilation = dilation or (1,) * dims
    xp = _pad(x, padding)
    batch, c_in = x.shape[:2]
    _, c_out, *out_sizes = grad_out.shape
    c_in_g, c_out_g = c_in // groups, c_out // groups
    gw = np.zeros((c_out, c_in_g, *kernel))
    for co in range(c_out):
        g = co // c_out_g
        for ci in range(c_in_g):
            for tap in itertools.product(*(range(k) for k in kernel)):
                acc = None
                for b in range(batch):
                    for pos in itertools.product(*(range(s) for s in out_sizes)):
                        idx = tuple(pos[a] * stride[a] + tap[a] * dilation[a] for a in range(dims))
                        prod = grad_out[(b, co, *pos)] * xp[(b, g * c_in_g + ci, *idx)]
                        ops.mults += 1
                        if acc is None:
                            acc = prod
                        else:
                            acc = acc + prod
                            ops.adds += 1
                gw[(co, ci, *tap)] = acc
    return gw, ops
