"""Checks that run on a question's instance: explicit loops and torch.

Every numeric answer in a key is checked by oracles that share no formula
with the engine:

* **brute force** — the explicit-loop layers of
  :mod:`symconv.oracles.bruteforce` count every multiplication, addition and
  comparison on random integer tensors.  When the instance is too large to
  loop over, a *scaled-down instance of the same formula* (fewer channels,
  smaller maps; same kernel, stride, padding, dilation) is used and the check
  says so;
* **torch** (when installed) — the torch.nn layer gives the output shape, the
  parameter count, FlopCounterMode's FLOPs and, through autograd, the shapes
  of the gradients; large instances run on the ``meta`` device (shapes and
  FLOPs without data).

A symbolic question is checked on a random small instance.  A check that
fails is reported as failed, never as passed.

Examples
--------
>>> import sympy as sp
>>> from symconv.symbols import sym
>>> h, k = sym("h"), sym("k")
>>> compare_formulas(h - k + 1, sp.floor((h - k) / 1) + 1, ())[:40]
'The two formulas are identical (SymPy si'
"""

from __future__ import annotations

import random
import zlib
from typing import Any

import numpy as np
import sympy as sp

from symconv.keys.instance import CHECK_RANGES, as_int_values, draw, numeric_spec, roles
from symconv.solution import Check

#: Most operations the explicit loops may perform for one check (keeps keys fast).
BRUTE_LIMIT = 25_000
#: Above this many elements torch checks run on the meta device (no data).
META_ELEMENTS = 2_000_000
_SHRINK = {"channels", "features", "size", "batch", "other"}


def rng_for(q: Any, salt: str = "") -> random.Random:
    """A generator seeded by the question, so keys are reproducible."""
    return random.Random(zlib.crc32(f"{q.path.name}:{q.id}:{salt}".encode()))


def _fmt(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def _ops(report: Any) -> int:
    total = report.mults + report.adds + report.comparisons
    if report.backward is not None and report.backward.grad_weight is not None:
        total += report.backward.grad_weight.mults + report.backward.grad_weight.adds
    return int(total) if sp.sympify(total).is_Integer else BRUTE_LIMIT + 1


def instance_roles(q: Any) -> dict[str, str]:
    """Roles of the symbols an instance needs (``where``-defined ones are computed)."""
    from symconv.keys.kinds.layer import layer_report, where_table

    where = where_table(q)
    r = roles(q.data["layer"], q.data["input"], q.data.get("batch"))
    _, report = layer_report(q)
    free = {s.name for s in report.free_symbols}
    for e in where.values():
        free |= {s.name for s in e.free_symbols}
    r.update({n: "other" for n in free if n not in r})
    for s in where:
        r.pop(s.name, None)
    return r


def check_instance(q: Any) -> tuple[dict[str, int], str]:
    """(values, description): the question's numbers, or a random small instance."""

    if q.values:
        return as_int_values(q.values), "the question's instance"
    r = instance_roles(q)
    kind = q.kind_handler
    rng = rng_for(q, "instance")
    for _ in range(200):
        values = draw(rng, r, CHECK_RANGES)
        if kind.instance_ok(q, values):
            return values, "a random instance"
    raise q.error("layer", "no valid small instance found to check the formulas on")


def scaled_instance(q: Any, values: dict[str, int]) -> dict[str, int] | None:
    """Smaller channels/sizes, same kernel/stride/padding/dilation, small enough to loop."""
    from symconv.keys.kinds.layer import layer_report

    r = instance_roles(q)
    fixed = {n: v for n, v in values.items() if r.get(n) not in _SHRINK}
    rng = rng_for(q, "scaled")
    for _ in range(300):
        small = draw(rng, r, CHECK_RANGES, fixed)
        if not q.kind_handler.instance_ok(q, small):
            continue
        _, rep = layer_report(q)
        if _ops(_substituted(q, rep, small)) <= BRUTE_LIMIT:
            return small
    return None


def _substituted(q: Any, report: Any, values: dict[str, int]) -> Any:
    """The symbolic report with ``where`` expressions and then the values put in."""
    from symconv.keys.kinds.layer import where_table

    where = where_table(q)
    from symconv.exprmap import map_exprs

    rep = map_exprs(report, lambda e: e.xreplace(where)) if where else report
    return rep.subs(values)


def _numeric_layer(q: Any, values: dict[str, int]) -> tuple[Any, Any, Any, dict[str, int]]:
    """(layer, input shape, batch, all values) with where-symbols evaluated too."""
    from symconv.keys.kinds.layer import layer_report, with_where

    full = with_where(q, values)
    spec = numeric_spec(q.data["layer"], full)
    shape = numeric_spec(q.data["input"], full)
    batch = numeric_spec(q.data.get("batch", 1), full)
    layer, report = layer_report(q, spec, shape, batch)
    return layer, report, spec, full


def layer_checks(q: Any, use_torch: bool) -> list[Check]:
    """Brute-force (and torch) checks of a layer question's formulas."""
    from symconv.keys.kinds.layer import layer_report

    _, sym_report = layer_report(q)
    values, where = check_instance(q)
    checks: list[Check] = []
    expected = _substituted(q, sym_report, values)
    small = values
    scaled = False
    if _ops(expected) > BRUTE_LIMIT:
        found = scaled_instance(q, values)
        if found is not None:
            small, scaled = found, True
    layer, _, _, full_small = _numeric_layer(q, small)
    label = f"explicit loops on {where if not scaled else 'a scaled-down instance'}"
    label += f" ({_fmt(full_small)})"
    if scaled:
        label += " of the same formula: the question's instance is too large to loop over"
    if _ops(_substituted(q, sym_report, small)) <= BRUTE_LIMIT:
        from symconv.keys.bruteforce_checks import bruteforce_layer

        checks += bruteforce_layer(layer, _substituted(q, sym_report, small), label,
                                   rng_for(q, "data"))
    if use_torch:
        from symconv.keys.torch_checks import torch_layer

        layer_n, _, spec, full = _numeric_layer(q, values)
        checks += torch_layer(spec, layer_n, expected, f"torch on {where} ({_fmt(full)})")
    return checks


def compare_formulas(engine: sp.Expr, user: sp.Expr, conditions: Any, trials: int = 300) -> str:
    """A sentence saying whether a user's formula equals the engine's, with a counterexample.

    Equality is first tried symbolically; otherwise both are evaluated exactly
    at random valid integer points (conditions of the layer respected).
    """
    if sp.simplify(engine - user) == 0:
        return "The two formulas are identical (SymPy simplifies their difference to 0)."
    free = sorted(engine.free_symbols | user.free_symbols, key=lambda s: s.name)
    rng = random.Random(zlib.crc32(str(engine).encode()))
    tested = 0
    for _ in range(trials * 5):
        point = {s: sp.Integer(rng.randint(0 if s.is_nonnegative and not s.is_positive else 1,
                                           12)) for s in free}
        if any(sp.sympify(c).xreplace(point) is sp.false for c in conditions):
            continue
        try:
            a, b = engine.xreplace(point), user.xreplace(point)
        except ZeroDivisionError:
            continue
        if not (a.is_number and b.is_number) or a.has(sp.zoo, sp.nan):
            continue
        tested += 1
        if sp.simplify(a - b) != 0:
            where = ", ".join(f"${sp.latex(s)} = {v}$" for s, v in point.items())
            return (f"The formula is **not** the derived one: at {where} the derivation gives "
                    f"${sp.latex(a)}$ but the formula gives ${sp.latex(b)}$.")
        if tested >= trials:
            break
    return (f"The formula agrees with the derivation at all {tested} random valid instances "
            "tried (exact integer arithmetic).")


def array(rng: random.Random, shape: tuple[int, ...]) -> np.ndarray:
    """Random small integers as float64 (exact arithmetic in the loops)."""
    size = int(np.prod(shape)) if shape else 1
    return np.array([rng.randint(-3, 3) for _ in range(size)], dtype=float).reshape(shape)
