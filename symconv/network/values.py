"""Plain values in a traced forward pass: sizes, shapes, conditions, tuples.

A traced torch forward computes with sizes (``n, c, h, w = x.shape``,
``h // 16``, ``h == 224``) as well as tensors.  In a symconv graph these are
SymPy expressions, so they stay exact and symbolic: ``h // 16`` is
``floor(h/16)``, ``h == 224`` is ``Eq(h, 224)``, and ``torch._assert`` of a
condition that is not decided becomes a validity condition of the report.
The batch size reads as :data:`~symconv.layers.merge.BATCH_AXIS`, a marker
that may only be passed back as the batch axis of a new shape.

Examples
--------
>>> h = sp.Symbol("h", positive=True, integer=True)
>>> arithmetic("floordiv", h, 16), arithmetic("eq", h, 224), arithmetic("eq", 224, 224)
(floor(h/16), Eq(h, 224), True)
"""

from __future__ import annotations

import operator
from typing import Any

import sympy as sp

from symconv.layers.base import LayerError
from symconv.layers.merge import BATCH_AXIS

_RELATIONS = {"eq": sp.Eq, "ne": sp.Ne, "lt": sp.Lt, "le": sp.Le, "gt": sp.Gt, "ge": sp.Ge}
_PLAIN = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "neg": operator.neg, "pow": operator.pow,
    **{k: getattr(operator, k) for k in _RELATIONS},
}


def is_plain(value: Any) -> bool:
    """A number, SymPy expression or boolean (not a tensor)."""
    return isinstance(value, bool | int | float | sp.Basic)


def arithmetic(op: str, *args: Any) -> Any:
    """``op`` (an :mod:`operator` name) on sizes: Python numbers stay Python, else SymPy."""
    if any(a is BATCH_AXIS for a in args) and op not in ("eq", "ne"):
        raise LayerError(f"arithmetic with the batch size ({op}) is not modelled")
    if all(isinstance(a, bool | int | float) for a in args):
        return _PLAIN[op](*args)
    values = [sp.sympify(a) for a in args]
    if op in _RELATIONS:
        rel = _RELATIONS[op](*values)
        return bool(rel) if rel in (sp.true, sp.false) else rel
    if op == "floordiv":
        return sp.floor(values[0] / values[1])
    if op == "mod":
        return sp.Mod(values[0], values[1])
    if op == "neg":
        return -values[0]
    return _PLAIN[op](*values)


def known_bool(value: Any) -> bool | None:
    """True or False when decided, None for a symbolic condition."""
    if isinstance(value, bool):
        return value
    if value in (sp.true, sp.false):
        return bool(value)
    if isinstance(value, sp.Basic):
        simplified = sp.simplify(value) if not value.free_symbols else value
        if simplified in (sp.true, sp.false):
            return bool(simplified)
        return None
    return bool(value)


def as_size(value: Any, what: str) -> sp.Expr:
    """A size argument (``view(n, c, h*w)``) as a SymPy integer expression."""
    if value is BATCH_AXIS:
        return BATCH_AXIS
    if isinstance(value, bool) or not isinstance(value, int | sp.Basic):
        raise LayerError(f"{what}: {value!r} is not a size")
    return sp.sympify(value)
