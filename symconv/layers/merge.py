"""Operations on several tensors: element-wise arithmetic with broadcasting, concatenation.

A network graph (:mod:`symconv.network.graph`) passes these layers one
:class:`Operand` per input tensor.  An operand is *batched* (its shape is per
sample, the batch axis left out, as everywhere in symconv) or not (a
parameter or a constant such as a position embedding, whose shape is the
whole tensor).  Broadcasting follows torch: shapes are aligned on the right,
the batch axis included, and a size 1 stretches.

Counts: one addition (``add``, ``sub``) or multiplication (``mul``, ``div``:
a division is counted as one multiplication) per output element;
concatenation is a copy, no arithmetic.

Examples
--------
>>> import sympy as sp
>>> gate, x = Operand((sp.Integer(8), sp.Integer(1), sp.Integer(1))), Operand(
...     (sp.Integer(8), sp.Symbol("h"), sp.Symbol("w")))
>>> Mul().analyze((gate, x), sp.Symbol("B")).mults
8*B*h*w
>>> Cat(1).output_shape((x, x))
(16, h, w)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

from symconv.counting import OpCounts, conventions
from symconv.layers.base import LayerError
from symconv.layers.dims import torch_axis
from symconv.report import Backward, GradientCost, LayerReport, Memory, Shape
from symconv.symbols import is_number
from symconv.window import product, total

ZERO = sp.Integer(0)
ONE = sp.Integer(1)
#: Stands for the batch axis while shapes are aligned for broadcasting.
BATCH_AXIS = sp.Dummy("batch")


@dataclass(frozen=True)
class Operand:
    """One input tensor of a merge: its shape and whether it has the batch axis."""

    shape: Shape
    batched: bool = True

    @property
    def full_shape(self) -> Shape:
        """The shape with the batch axis (as :data:`BATCH_AXIS`) when batched."""
        return (BATCH_AXIS, *self.shape) if self.batched else tuple(self.shape)

    def elements(self, batch: sp.Expr) -> sp.Expr:
        """Elements of the whole tensor (the batch included when batched)."""
        return (batch if self.batched else ONE) * product(self.shape)


def broadcast(operands: Sequence[Operand]) -> tuple[Operand, tuple[sp.Basic, ...]]:
    """The broadcast result of ``operands`` and the conditions symbolic sizes need.

    Two sizes agree when equal or when one is 1; symbolic sizes that may
    differ give a condition ``Eq(a, b)`` (no broadcasting is assumed there).

    >>> h = sp.Symbol("h")
    >>> broadcast([Operand((sp.Integer(3), h)), Operand((sp.Integer(3), sp.Integer(5)))])
    (Operand(shape=(3, h), batched=True), (Eq(h, 5),))
    """
    fulls = [o.full_shape for o in operands]
    rank = max(len(f) for f in fulls)
    out: list[sp.Expr] = []
    conditions: list[sp.Basic] = []
    for axis in range(rank):
        sizes = [f[axis - rank + len(f)] for f in fulls if axis - rank + len(f) >= 0]
        size = sizes[0]
        for other in sizes[1:]:
            size = _agree(size, other, fulls, conditions)
        out.append(size)
    batched = any(o.batched for o in operands)
    if batched:
        if out[0] != BATCH_AXIS:
            raise LayerError(f"shapes {_show(fulls)} do not broadcast with the batch axis first")
        return Operand(tuple(out[1:]), True), tuple(conditions)
    return Operand(tuple(out), False), tuple(conditions)


def _agree(a: sp.Expr, b: sp.Expr, fulls: list[Shape], conditions: list[sp.Basic]) -> sp.Expr:
    if a == b or b == 1:
        return a
    if a == 1:
        return b
    if BATCH_AXIS in (a, b):
        raise LayerError(f"shapes {_show(fulls)} do not broadcast: size {b if a == BATCH_AXIS else a} "
                         "against the batch axis")
    diff = sp.expand(a - b)
    if is_number(diff):
        if diff == 0:
            return a
        same_rank = len({len(f) for f in fulls}) == 1
        what = "output shapes" if same_rank else "shapes"
        raise LayerError(f"{what} {_show(fulls)} differ" if same_rank else
                         f"{what} {_show(fulls)} do not broadcast")
    conditions.append(sp.Eq(a, b))
    return a


def _show(fulls: list[Shape]) -> str:
    shown = [tuple("B" if s == BATCH_AXIS else s for s in f) for f in fulls]
    return " and ".join(str(s[1:] if s and s[0] == "B" else s) for s in shown)


class Merge:
    """A layer with several input tensors (see the module docstring)."""

    kind: ClassVar[str] = "merge"

    def output_shape(self, operands: Sequence[Operand]) -> Shape:
        """Per-sample output shape (the whole shape when no operand is batched)."""
        return self.output(operands)[0].shape

    def output(self, operands: Sequence[Operand]) -> tuple[Operand, tuple[sp.Basic, ...]]:
        raise NotImplementedError

    def analyze(self, operands: Sequence[Operand], batch: sp.Expr) -> LayerReport:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        return ""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(vars(self).items()))))


class _Arithmetic(Merge):
    """``a op b`` element by element, with broadcasting."""

    op: ClassVar[str] = "add"
    #: True when the operation is a multiplication (``mul``, ``div``), else an addition.
    multiplicative: ClassVar[bool] = False

    def output(self, operands: Sequence[Operand]) -> tuple[Operand, tuple[sp.Basic, ...]]:
        if len(operands) < 2:
            raise LayerError(f"{self.op} needs two operands")
        return broadcast(operands)

    def analyze(self, operands: Sequence[Operand], batch: sp.Expr) -> LayerReport:
        out, conditions = self.output(operands)
        el = out.elements(batch)
        ins = [o.elements(batch) for o in operands]
        mults, adds = (el, ZERO) if self.multiplicative else (ZERO, el)
        counts = OpCounts("other", ZERO, mults, adds, ZERO, sp.Add(*ins), el, batch=batch)
        # Each input's gradient: dy (times the other operand for mul/div), summed over the
        # positions it was broadcast to.
        grads = [GradientCost(o.shape, el if self.multiplicative else ZERO, el - n,
                              "broadcast positions summed" if el != n else "")
                 for o, n in zip(operands, ins)]
        note = ("the output gradient goes to both inputs unchanged" if not self.multiplicative
                else "each input's gradient is dy times the other input")
        first = grads[0]
        return LayerReport(
            layer=self.op, kind=self.op, input_shape=operands[0].shape, output_shape=out.shape,
            batch=batch if out.batched else ONE, weight_params=ZERO, bias_params=ZERO,
            mults=mults, adds=adds, macs=ZERO, conventions=conventions(counts),
            memory=Memory(input=sp.Add(*ins), output=el, grad_input=sp.Add(*ins)),
            backward=Backward(out.shape, GradientCost(first.shape, sp.Add(*(g.mults for g in grads)),
                                                      sp.Add(*(g.adds for g in grads)), note)),
            conditions=conditions,
        )


class Add(_Arithmetic):
    """``a + b`` (``torch.add``, ``+``, ``+=``): one addition per output element."""

    op = "add"


class Sub(_Arithmetic):
    """``a - b``: one addition (a subtraction) per output element."""

    op = "sub"


class Mul(_Arithmetic):
    """``a * b`` (squeeze-excitation gates, layer scale): one multiplication per output element."""

    op = "mul"
    multiplicative = True


class Div(_Arithmetic):
    """``a / b``: one division, counted as a multiplication, per output element."""

    op = "div"
    multiplicative = True


class Cat(Merge):
    """``torch.cat(tensors, dim)``: a copy into one tensor, no arithmetic.

    ``dim`` counts the batch axis as 0, as in torch; every other axis must agree
    (symbolic sizes that may differ become conditions).
    """

    kind = "concat"

    def __init__(self, dim: int = 1) -> None:
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

    def output(self, operands: Sequence[Operand]) -> tuple[Operand, tuple[sp.Basic, ...]]:
        if not operands:
            raise LayerError("cat needs at least one tensor")
        batched = {o.batched for o in operands}
        if len(batched) != 1:
            raise LayerError("cat of batched and unbatched tensors is not modelled")
        fulls = [o.full_shape for o in operands]
        if len({len(f) for f in fulls}) != 1:
            raise LayerError(f"cat: tensors {_show(fulls)} have different numbers of axes")
        axis = torch_axis(self.dim, len(fulls[0]))
        if axis == 0 and operands[0].batched:
            raise LayerError("cat along the batch axis is not modelled")
        conditions: list[sp.Basic] = []
        for k, full in enumerate(fulls[1:], start=1):
            for a, (x, y) in enumerate(zip(full, fulls[0])):
                if a == axis or x == y:
                    continue
                diff = sp.expand(x - y)
                if is_number(diff):
                    if diff != 0:
                        raise LayerError(f"(branch {k} vs 0): shapes {_show([full, fulls[0]])} "
                                         f"differ outside dim {self.dim}")
                else:
                    conditions.append(sp.Eq(x, y))
        out = list(fulls[0])
        out[axis] = total([f[axis] for f in fulls])
        shape = tuple(out[1:]) if operands[0].batched else tuple(out)
        return Operand(shape, operands[0].batched), tuple(conditions)

    def analyze(self, operands: Sequence[Operand], batch: sp.Expr) -> LayerReport:
        out, conditions = self.output(operands)
        el = out.elements(batch)
        counts = OpCounts("other", ZERO, ZERO, ZERO, ZERO, el, el, batch=batch)
        return LayerReport(
            layer=f"cat({len(operands)} tensors, dim={self.dim})", kind=self.kind,
            input_shape=out.shape, output_shape=out.shape, batch=batch if out.batched else ONE,
            weight_params=ZERO, bias_params=ZERO, mults=ZERO, adds=ZERO, macs=ZERO,
            conventions=conventions(counts),
            memory=Memory(input=el, output=el, grad_input=el),
            backward=Backward(out.shape, GradientCost(out.shape, ZERO, ZERO,
                                                      f"the gradient is split along dim {self.dim}")),
            conditions=conditions,
        )


__all__ = ["Operand", "Merge", "Add", "Sub", "Mul", "Div", "Cat", "broadcast", "BATCH_AXIS"]
