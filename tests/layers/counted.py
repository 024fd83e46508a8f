"""Brute-force oracles for the layers of issue 12: the algorithm run on counting numbers.

Each oracle computes its layer with :class:`Num` values, plain Python floats
that count every operation done on them: ``+``/``-`` are additions, ``*`` and
``/`` multiplications, :func:`cmp_max`/:func:`cmp_min` comparisons, and
:func:`exp`, :func:`sqrt`, :func:`log`, :func:`sigmoid`, :func:`erf` one
evaluation each.  No formula is written here: the counts are whatever the
loops do.  The tests compare the values with torch (so the loop *is* the layer)
and the counts with symconv's report.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

import numpy as np

COUNT: Counter[str] = Counter()


def reset() -> Counter[str]:
    COUNT.clear()
    return COUNT


class Num:
    """A float that counts the arithmetic done with it."""

    __slots__ = ("v",)

    def __init__(self, v: float) -> None:
        self.v = float(v)

    @staticmethod
    def _v(o: Any) -> float:
        return o.v if isinstance(o, Num) else float(o)

    def __add__(self, o: Any) -> Num:
        COUNT["adds"] += 1
        return Num(self.v + self._v(o))

    __radd__ = __add__

    def __sub__(self, o: Any) -> Num:
        COUNT["adds"] += 1
        return Num(self.v - self._v(o))

    def __rsub__(self, o: Any) -> Num:
        COUNT["adds"] += 1
        return Num(self._v(o) - self.v)

    def __mul__(self, o: Any) -> Num:
        COUNT["mults"] += 1
        return Num(self.v * self._v(o))

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Num:
        COUNT["mults"] += 1  # a division counts as one multiplication
        return Num(self.v / self._v(o))

    def __rtruediv__(self, o: Any) -> Num:
        COUNT["mults"] += 1
        return Num(self._v(o) / self.v)

    def __neg__(self) -> Num:
        return Num(-self.v)  # a sign flip is not arithmetic


def cmp_max(a: Any, b: Any) -> Num:
    COUNT["comparisons"] += 1
    return Num(max(Num._v(a), Num._v(b)))  # a Num even when the constant wins


def cmp_min(a: Any, b: Any) -> Num:
    COUNT["comparisons"] += 1
    return Num(min(Num._v(a), Num._v(b)))


def _evaluation(fn: Any) -> Any:
    def counted(x: Any) -> Num:
        COUNT["evaluations"] += 1
        return Num(fn(Num._v(x)))
    return counted


exp, sqrt, log = _evaluation(math.exp), _evaluation(math.sqrt), _evaluation(math.log)
rsqrt = _evaluation(lambda v: 1 / math.sqrt(v))
erf = _evaluation(math.erf)
sigmoid = _evaluation(lambda v: 1 / (1 + math.exp(-v)))
tanh = _evaluation(math.tanh)


def wrap(a: np.ndarray) -> np.ndarray:
    """An object array of :class:`Num`."""
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(a.shape):
        out[idx] = Num(a[idx])
    return out


def value(a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape)
    for idx in np.ndindex(a.shape):
        item = a[idx]
        out[idx] = item.v if isinstance(item, Num) else item
    return out


def total(items: list[Any]) -> Any:
    """Sum accumulated from the first term: ``n - 1`` additions."""
    acc = items[0]
    for item in items[1:]:
        acc = acc + item
    return acc


# -- activations ---------------------------------------------------------------------

def relu6(x: Any) -> Any:
    return cmp_min(cmp_max(x, 0.0), 6.0)


def silu(x: Any) -> Any:
    return x * sigmoid(x)


def hardsigmoid(x: Any) -> Any:
    return relu6(x + 3.0) / 6.0


def hardswish(x: Any) -> Any:
    return x * relu6(x + 3.0) / 6.0


def gelu(x: Any) -> Any:
    # x * Phi(x), Phi evaluated once (symconv counts GELU as one evaluation)
    COUNT["evaluations"] += 1
    v = Num._v(x)
    return Num(v * 0.5 * (1 + math.erf(v / math.sqrt(2))))


def elementwise(fn: Any, x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(x.shape):
        out[idx] = fn(x[idx])
    return out


# -- reductions along the last axis -----------------------------------------------------

def rows_of(x: np.ndarray, axis: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    moved = np.moveaxis(x, axis, -1)
    return moved, list(np.ndindex(moved.shape[:-1]))


def softmax(x: np.ndarray, axis: int, log_: bool = False) -> np.ndarray:
    moved, rows = rows_of(x, axis)
    out = np.empty(moved.shape, dtype=object)
    for r in rows:
        row = list(moved[r])
        top = row[0]
        for v in row[1:]:
            top = cmp_max(top, v)
        shifted = [v - top for v in row]
        exps = [exp(v) for v in shifted]
        s = total(exps)
        if log_:
            ls = log(s)
            out[r] = [v - ls for v in shifted]
        else:
            out[r] = [e / s for e in exps]
    return np.moveaxis(out, -1, axis)


def reduce(x: np.ndarray, axes: tuple[int, ...], op: str) -> np.ndarray:
    keep = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, keep + list(axes))
    flat = moved.reshape(moved.shape[:len(keep)] + (-1,))
    out = np.empty(flat.shape[:-1], dtype=object)
    for idx in np.ndindex(out.shape):
        items = list(flat[idx])
        if op == "amax":
            acc = items[0]
            for v in items[1:]:
                acc = cmp_max(acc, v)
            out[idx] = acc
        else:
            s = total(items)
            out[idx] = s / len(items) if op == "mean" else s
    return out


def normalize_groups(groups: list[list[Any]]) -> list[list[Any]]:
    """Two-pass mean and variance, ``rsqrt(var + eps)``, as symconv.layers.norm states."""
    out = []
    for g in groups:
        m = len(g)
        mean = total(g) / m
        centred = [v - mean for v in g]
        var = total([c * c for c in centred]) / m
        rstd = rsqrt(var + 1e-5)
        out.append([c * rstd for c in centred])
    return out


def layer_norm(x: np.ndarray, k: int, weight: np.ndarray | None, bias: np.ndarray | None
               ) -> np.ndarray:
    lead, tail = x.shape[:-k], x.shape[-k:]
    flat = x.reshape((-1, int(np.prod(tail))))
    normed = normalize_groups([list(row) for row in flat])
    out = np.empty(flat.shape, dtype=object)
    w = None if weight is None else weight.reshape(-1)
    b = None if bias is None else bias.reshape(-1)
    for i, row in enumerate(normed):
        for j, v in enumerate(row):
            if w is not None:
                v = v * float(w[j])
            if b is not None:
                v = v + float(b[j])
            out[i, j] = v
    return out.reshape((*lead, *tail))


def group_norm(x: np.ndarray, groups: int, weight: np.ndarray | None, bias: np.ndarray | None
               ) -> np.ndarray:
    n, c = x.shape[:2]
    per = c // groups
    out = np.empty(x.shape, dtype=object)
    for s in range(n):
        for g in range(groups):
            block = x[s, g * per:(g + 1) * per]
            normed = normalize_groups([list(block.reshape(-1))])[0]
            arr = np.array(normed, dtype=object).reshape(block.shape)
            for ch in range(per):
                for idx in np.ndindex(arr.shape[1:]):
                    v = arr[(ch, *idx)]
                    if weight is not None:
                        v = v * float(weight[g * per + ch]) + float(bias[g * per + ch])
                    out[(s, g * per + ch, *idx)] = v
    return out


# -- products -----------------------------------------------------------------------------

def einsum(equation: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    left, out_letters = equation.replace(" ", "").split("->")
    la, lb = left.split(",")
    sizes = {**dict(zip(la, a.shape)), **dict(zip(lb, b.shape))}
    contracted = [c for c in sizes if c not in out_letters]
    out = np.empty(tuple(sizes[c] for c in out_letters), dtype=object)
    for idx in np.ndindex(out.shape):
        at = dict(zip(out_letters, idx))
        terms = []
        for rest in itertools.product(*(range(sizes[c]) for c in contracted)):
            at.update(zip(contracted, rest))
            terms.append(a[tuple(at[c] for c in la)] * b[tuple(at[c] for c in lb)])
        out[idx] = total(terms)
    return out


def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """``x @ W^T + b`` on the last axis."""
    out = np.empty((*x.shape[:-1], weight.shape[0]), dtype=object)
    for idx in np.ndindex(x.shape[:-1]):
        for o in range(weight.shape[0]):
            s = total([x[(*idx, i)] * float(weight[o, i]) for i in range(weight.shape[1])])
            out[(*idx, o)] = s + float(bias[o]) if bias is not None else s
    return out


# -- resampling ---------------------------------------------------------------------------

def _source(o: int, n_in: int, n_out: int) -> float:
    return max((o + 0.5) * n_in / n_out - 0.5, 0.0)  # align_corners=False


def bilinear(x: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    """``a + t*(b - a)`` along w for two rows, then along h: 3 interpolations per output."""
    n, c, h, w = x.shape
    out = np.empty((n, c, *out_hw), dtype=object)

    def lerp(a: Any, b: Any, t: float) -> Any:
        return a + t * (b - a)

    for s, ch, i, j in np.ndindex(out.shape):
        y, xx = _source(i, h, out_hw[0]), _source(j, w, out_hw[1])
        y0, x0 = int(y), int(xx)
        y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
        ty, tx = y - y0, xx - x0
        top = lerp(x[s, ch, y0, x0], x[s, ch, y0, x1], tx)
        bottom = lerp(x[s, ch, y1, x0], x[s, ch, y1, x1], tx)
        out[s, ch, i, j] = lerp(top, bottom, ty)
    return out


def nearest(x: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    n, c, h, w = x.shape
    out = np.empty((n, c, *out_hw), dtype=object)
    for s, ch, i, j in np.ndindex(out.shape):
        out[s, ch, i, j] = x[s, ch, (i * h) // out_hw[0], (j * w) // out_hw[1]]  # a copy
    return out
