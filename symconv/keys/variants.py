"""Variants: new valid numbers for every question (``symconv key --seed N``).

Each question keeps its structure and gets new values for its symbols,
drawn from the ranges in its ``vary`` table or, by default, from ranges
that suit the symbol's role (channels, spatial size, kernel, stride...).
A draw is kept only if the question's kind accepts the instance (the layer
fits its input, ...); otherwise another is drawn.  The same seed always
gives the same variant.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "layer", "text": "?",
...     "layer": {"type": "Conv2d", "in_channels": "c_i", "out_channels": "c_o",
...               "kernel_size": "k"}, "input": ["c_i", "h", "h"], "ask": ["params"],
...     "values": {"c_i": 3, "c_o": 8, "k": 3, "h": 32}}, 0)
>>> v = variant_question(q, 7)
>>> sorted(v.values) == sorted(q.values) and v.values != q.values
True
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sympy as sp

from symconv.keys.instance import roles

#: Default ranges for question-sheet numbers, by role.
SHEET_RANGES = {
    "channels": [1, 3, 8, 16, 32, 64, 128],
    "features": [10, 100, 256, 512, 1000],
    "kernel": [1, 2, 3, 4, 5, 7],
    "stride": [1, 2, 3],
    "padding": [0, 1, 2, 3],
    "dilation": [1, 2],
    "groups": [1],
    "output_padding": [0],
    "size": [16, 28, 32, 48, 64, 96, 128, 224, 256],
    "batch": [1, 8, 16, 32, 64],
    "other": [1, 2, 3, 4, 5, 6, 8],
}


def _choices(q: Any, name: str, role: str) -> list[int]:
    vary = q.get("vary", dict, {})
    if name in vary:
        spec = vary[name]
        if (isinstance(spec, list) and len(spec) == 2 and all(isinstance(v, int) for v in spec)
                and spec[0] <= spec[1]):
            return list(range(spec[0], spec[1] + 1))
        if isinstance(spec, list) and spec and all(isinstance(v, int) for v in spec):
            return list(spec)
        raise q.error(f"vary.{name}", "expected [low, high] or a list of integers")
    return SHEET_RANGES.get(role, SHEET_RANGES["other"])


def vary_values(q: Any, rng: random.Random,
                ok: Callable[[Any, dict[str, Any]], bool]) -> dict[str, Any] | None:
    """New ``values`` for ``q`` (same names), valid by ``ok``; None if it has no values."""
    if not q.values:
        return None
    data = q.data
    r = roles(data.get("layer", {}), data.get("input", []), data.get("batch"),
              layers=data.get("layers", []) if isinstance(data.get("layers"), list) else [])
    fixed = {n for n in q.values if n not in q.get("vary", dict, {}) and n not in r}
    for _ in range(500):
        values = {n: (v if n in fixed else rng.choice(_choices(q, n, r.get(n, "other"))))
                  for n, v in q.values.items()}
        if values != dict(q.values) and ok(q, values):
            return {"values": {k: int(v) if sp.sympify(v).is_Integer else str(v)
                               for k, v in values.items()}}
    return None


def variant_question(q: Any, seed: int) -> Any:
    """The question with new numbers for ``seed`` (itself when it has nothing to vary)."""
    from symconv.keys.questions import parse_values

    rng = random.Random(zlib.crc32(f"{seed}:{q.path.name}:{q.id}".encode()))
    change = q.kind_handler.vary(q, rng)
    if not change:
        return q
    # A student's claimed answers and notes about them belong to the original numbers.
    data = {k: v for k, v in {**q.data, **change}.items() if k not in ("claimed", "note")}
    values = parse_values(q.path, q.id, data.get("values", {}))
    new = replace(q, data=data, values=values)
    for attr in ("solution", "expected"):
        new.__dict__.pop(attr, None)  # cached on the original's copy
    return new


def variant_assignment(assignment: Any, seed: int) -> Any:
    """Every question of ``assignment`` with new numbers for ``seed``."""
    return replace(assignment, questions=tuple(variant_question(q, seed)
                                               for q in assignment.questions))
