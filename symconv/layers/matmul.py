"""Products of two tensors: ``torch.matmul`` (``@``) and ``torch.einsum``.

Both are merges (:mod:`symconv.layers.merge`): their operands may be batched
activations or constants.  Counts are those of the direct algorithm: each
output sums ``k`` products (``k`` multiplications, ``k - 1`` additions), so
``mults = MACs = outputs * k``.  FlopCounterMode counts them as ``bmm``/``mm``:
2 per MAC.

Examples
--------
>>> import sympy as sp
>>> from symconv.layers.merge import Operand
>>> q = Operand((sp.Integer(3), sp.Integer(49), sp.Integer(32)))   # (heads, tokens, dim)
>>> k_t = Operand((sp.Integer(3), sp.Integer(32), sp.Integer(49)))
>>> r = MatMul().analyze((q, k_t), sp.Symbol("B"))
>>> r.output_shape, r.macs
((3, 49, 49), 230496*B)
>>> Einsum("b h i d, b h j d -> b h i j").output_shape((q, q))
(3, 49, 49)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import LayerError
from symconv.layers.merge import BATCH_AXIS, Merge, Operand, broadcast
from symconv.report import Backward, GradientCost, LayerReport, Memory
from symconv.symbols import is_number
from symconv.window import product

ZERO = sp.Integer(0)
ONE = sp.Integer(1)


def _product_report(merge: Merge, operands: Sequence[Operand], out: Operand, macs_full: sp.Expr,
                    reduced: sp.Expr, batch: sp.Expr, conditions: tuple[sp.Basic, ...]
                    ) -> LayerReport:
    """Report of a product whose full-shape MACs and reduction length ``reduced`` are known."""
    at = {BATCH_AXIS: batch}
    macs = sp.sympify(macs_full).xreplace(at)
    outputs = out.elements(batch)
    adds = outputs * (reduced - 1)
    ins = [o.elements(batch) for o in operands]
    counts = OpCounts("matmul", macs, macs, adds, ZERO, sp.Add(*ins), outputs, batch=batch)
    return LayerReport(
        layer=repr(merge), kind="matmul", input_shape=operands[0].shape, output_shape=out.shape,
        batch=batch if out.batched else ONE, weight_params=ZERO, bias_params=ZERO, mults=macs,
        adds=adds, macs=macs, conventions=conventions(counts),
        memory=Memory(input=sp.Add(*ins), output=outputs, grad_input=sp.Add(*ins)),
        backward=Backward(out.shape, GradientCost(operands[0].shape, 2 * macs, 2 * macs - sp.Add(
            *ins), "a product for each input's gradient")),
        conditions=conditions,
    )


class MatMul(Merge):
    """``a @ b`` with torch's broadcasting of the leading (batch) axes; both at least 2-d."""

    kind = "matmul"

    def output(self, operands: Sequence[Operand]) -> tuple[Operand, tuple[sp.Basic, ...]]:
        a, b = self._pair(operands)
        out, conditions = self._out(a, b)
        return out, conditions

    @staticmethod
    def _pair(operands: Sequence[Operand]) -> tuple[Operand, Operand]:
        if len(operands) != 2:
            raise LayerError("matmul needs two tensors")
        a, b = operands
        if len(a.full_shape) < 2 or len(b.full_shape) < 2:
            raise LayerError("matmul of a vector is not modelled (both operands at least 2-d)")
        return a, b

    @staticmethod
    def _out(a: Operand, b: Operand) -> tuple[Operand, tuple[sp.Basic, ...]]:
        fa, fb = a.full_shape, b.full_shape
        conditions: list[sp.Basic] = []
        k, k2 = fa[-1], fb[-2]
        diff = sp.expand(k - k2)
        if is_number(diff) and diff != 0:
            raise LayerError(f"matmul: inner sizes {k} and {k2} differ")
        if not is_number(diff):
            conditions.append(sp.Eq(k, k2))
        lead, more = broadcast([Operand(fa[:-2], False), Operand(fb[:-2], False)])
        full = (*lead.shape, fa[-2], fb[-1])
        if full and full[0] == BATCH_AXIS:
            return Operand(full[1:], True), (*conditions, *more)
        if a.batched or b.batched:
            raise LayerError("matmul: the batch axis does not lead the result")
        return Operand(full, False), (*conditions, *more)

    def analyze(self, operands: Sequence[Operand], batch: sp.Expr) -> LayerReport:
        a, b = self._pair(operands)
        out, conditions = self._out(a, b)
        k = a.full_shape[-1]
        full = out.full_shape
        return _product_report(self, operands, out, product(full) * k, k, batch, conditions)


_LETTERS = re.compile(r"[A-Za-z]")


class Einsum(Merge):
    """``torch.einsum(equation, a, b)`` of two tensors, explicit output (``->``), letters only.

    Every combination of index values is one product: MACs are the product of
    all index sizes; each output sums the products over the contracted indices.
    """

    kind = "matmul"

    def __init__(self, equation: str) -> None:
        if not isinstance(equation, str) or "->" not in equation or "." in equation:
            raise LayerError(f"einsum {equation!r}: only explicit '->' equations of letters")
        left, right = equation.replace(" ", "").split("->")
        self.inputs = tuple(left.split(","))
        self.result = right
        if len(self.inputs) != 2 or not all(_LETTERS.fullmatch(c) for t in (*self.inputs, right)
                                            for c in t):
            raise LayerError(f"einsum {equation!r}: two operands, letters only")
        self.equation = equation

    def extra_repr(self) -> str:
        return repr(self.equation)

    def _sizes(self, operands: Sequence[Operand]) -> tuple[dict[str, sp.Expr], tuple[sp.Basic, ...]]:
        if len(operands) != 2:
            raise LayerError("einsum of two tensors only")
        sizes: dict[str, sp.Expr] = {}
        conditions: list[sp.Basic] = []
        for letters, op in zip(self.inputs, operands):
            full = op.full_shape
            if len(letters) != len(full):
                raise LayerError(f"einsum {self.equation!r}: {letters} for a tensor of {len(full)} axes")
            for letter, size in zip(letters, full):
                old = sizes.get(letter)
                if old is None or old == 1:
                    sizes[letter] = size
                elif size != 1 and size != old:
                    diff = sp.expand(old - size)
                    if BATCH_AXIS in (old, size) or (is_number(diff) and diff != 0):
                        raise LayerError(f"einsum {self.equation!r}: index {letter} is {old} and {size}")
                    conditions.append(sp.Eq(old, size))
        if any(c not in sizes for c in self.result):
            raise LayerError(f"einsum {self.equation!r}: an output index is not an input index")
        return sizes, tuple(conditions)

    def output(self, operands: Sequence[Operand]) -> tuple[Operand, tuple[sp.Basic, ...]]:
        sizes, conditions = self._sizes(operands)
        full = tuple(sizes[c] for c in self.result)
        if BATCH_AXIS in full:
            if full[0] != BATCH_AXIS:
                raise LayerError(f"einsum {self.equation!r}: the batch axis must lead the output")
            return Operand(full[1:], True), conditions
        if any(o.batched for o in operands):
            raise LayerError(f"einsum {self.equation!r} sums over the batch axis: not modelled")
        return Operand(full, False), conditions

    def analyze(self, operands: Sequence[Operand], batch: sp.Expr) -> LayerReport:
        sizes, _ = self._sizes(operands)
        out, conditions = self.output(operands)
        contracted = product(n for c, n in sizes.items() if c not in self.result)
        return _product_report(self, operands, out, product(sizes.values()), contracted, batch,
                               conditions)


__all__ = ["MatMul", "Einsum"]
