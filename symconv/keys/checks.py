"""Checks of a layer question: the quantities it asks for, on numbers that respect it.

Every numeric answer in a key is checked by oracles that share no formula
with the engine, and a question shows the checks of *its* quantities only:

* **explicit loops** (:mod:`symconv.oracles.bruteforce`) count every
  multiplication, addition and comparison on random integer tensors, and give
  the output shape;
* **torch** (when installed) gives the output shape, the parameters,
  FlopCounterMode's FLOPs, the element counts of the tensors a forward pass and
  a training step hold, and, through autograd, the shapes of the gradients;
  large instances run on the ``meta`` device (shapes and FLOPs without data).

The numbers are the question's own when it gives them.  The loops then run on
them when they fit in :data:`BRUTE_LIMIT` operations, otherwise on a smaller
instance with the same kernel, stride, padding and dilation (and the check line
says which).  A symbolic question is checked on a random instance whose every
output axis has at least two positions (no degenerate ``h = 4`` with ``k = 6``) and
whose windows all read real inputs (padding at most half the kernel, stride at most
its span, a pooling window at least 2 wide: no ``p = 2`` with ``k = 2``).
A check that fails is reported as failed, never as passed.

Examples
--------
>>> import sympy as sp
>>> from symconv.symbols import sym
>>> h, k = sym("h"), sym("k")
>>> compare_formulas(h - k + 1, sp.floor((h - k) / 1) + 1, ())[:40]
'The formulas agree: SymPy simplifies the'
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from symconv.keys.instance import CHECK_RANGES, as_int_values, draw, numeric_spec, roles
from symconv.solution import Check

#: Most operations the explicit loops may perform for one check (keeps keys fast).
BRUTE_LIMIT = 60_000
#: Above this many elements torch checks run on the meta device (no data).
META_ELEMENTS = 2_000_000
_SHRINK = {"channels", "features", "size", "batch", "other"}
#: Check names each asked quantity is checked by (the oracles' own names).
CHECKED_BY = {
    "output_shape": ("output shape",),
    "params": ("parameters",), "weight_params": ("weights",), "bias_params": ("biases",),
    "mults": ("multiplications", "multiplications (FLOPs / 2)"),
    "macs": ("multiply-accumulates (FLOPs / 2)",),
    "adds": ("additions",), "flops": ("multiplications + additions",),
    "comparisons": ("comparisons",),
    "memory.input": ("input elements",), "memory.output": ("output elements",),
    "memory.weight": ("weight elements",), "memory.bias": ("bias elements",),
    "memory.forward": ("forward-pass elements",), "memory.training": ("training-step elements",),
    "backward.grad_output_shape": ("output-gradient shape",),
    "backward.grad_input.shape": ("input-gradient shape",),
    "backward.grad_weight.shape": ("weight-gradient shape",),
    "backward.grad_bias.shape": ("bias-gradient shape",),
    "backward.grad_weight.mults": ("weight-gradient multiplications",),
    "backward.grad_weight.adds": ("weight-gradient additions",),
}


def wanted(asks: list[str]) -> set[str]:
    """Names of the checks that check the asked quantities."""
    out: set[str] = set()
    for path in asks:
        key = path.replace(".bytes", "")
        if key.startswith("output_shape"):
            key = "output_shape"
        out |= set(CHECKED_BY.get(key, ()))
        if ".bytes" in path:
            out |= {n + " (bytes)" for n in CHECKED_BY.get(key, ())}
    return out


def rng_for(q: Any, salt: str = "") -> random.Random:
    """A generator seeded by the question, so keys are reproducible."""
    return random.Random(zlib.crc32(f"{q.path.name}:{q.id}:{salt}".encode()))


def describe(values: dict[str, Any]) -> str:
    """``$C_{in} = 2$, $H = 6$``: an instance in the question's notation."""
    from symconv.notation.latex import latex
    from symconv.symbols import sym

    return ", ".join(f"${latex(sym(k))} = {latex(v)}$" for k, v in values.items())


def _ops(report: Any, asks: list[str] | None = None) -> int:
    total = report.mults + report.adds + report.comparisons
    if report.backward is not None and report.backward.grad_weight is not None and (
            asks is None or any("grad_weight" in a for a in asks)):
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


def _fair(q: Any, values: dict[str, int]) -> bool:
    """A valid instance a reader finds natural: every output axis has at least two
    positions, and every window reads real inputs (padding at most half the kernel's span,
    a stride no longer than the span, so no window lies in the padding alone)."""
    if not q.kind_handler.instance_ok(q, values):
        return False
    try:
        layer, report, _, _ = _numeric_layer(q, values)
    except ValueError:
        return False
    pooling = getattr(layer, "kind", "") == "pool"
    for window in getattr(layer, "windows", None) or ():
        span = int(window.dilation) * (int(window.kernel) - 1) + 1
        if pooling and span < 2:
            return False  # a 1-wide pooling window copies its input
        if 2 * max(int(window.pad_left), int(window.pad_right)) > span - 1 or \
                int(window.stride) > span:
            return False
    spatial = report.output_shape[1:] if len(report.output_shape) > 1 else ()
    return all(int(n) >= 2 for n in spatial)


def check_instance(q: Any) -> tuple[dict[str, int], str]:
    """(values, description): the question's numbers (description ""), or a random instance."""
    if q.values:
        return as_int_values(q.values), ""
    r = instance_roles(q)
    rng = rng_for(q, "instance")
    for _ in range(400):
        values = draw(rng, r, CHECK_RANGES)
        if _fair(q, values):
            return values, "a random instance " + describe(values)
    raise q.error("layer", "no valid small instance found to check the formulas on")


def smaller_instance(q: Any, values: dict[str, int]) -> dict[str, int] | None:
    """Fewer channels, smaller maps, same kernel/stride/padding/dilation; loops fit the budget."""
    from symconv.keys.kinds.layer import layer_report

    r = instance_roles(q)
    fixed = {n: v for n, v in values.items() if r.get(n) not in _SHRINK}
    rng = rng_for(q, "scaled")
    ranges = dict(CHECK_RANGES)
    for attempt in range(400):
        grow = attempt // 100  # widen the sizes if small ones do not fit the kernel
        ranges["size"] = (4 + 4 * grow, 9 + 8 * grow)
        small = draw(rng, r, ranges, fixed)
        small = {n: min(v, values[n]) if n in values and r.get(n) in _SHRINK else v
                 for n, v in small.items()}
        if not _fair(q, small):
            continue
        _, rep = layer_report(q)
        if _ops(_substituted(q, rep, small), list(q.data["ask"])) <= BRUTE_LIMIT:
            return small
    return None


def _substituted(q: Any, report: Any, values: dict[str, int]) -> Any:
    """The symbolic report with ``where`` expressions and then the values put in."""
    from symconv.exprmap import map_exprs
    from symconv.keys.kinds.layer import where_table

    where = where_table(q)
    rep = map_exprs(report, lambda e: e.xreplace(where)) if where else report
    return rep.subs(values)


def _numeric_layer(q: Any, values: dict[str, int]) -> tuple[Any, Any, Any, dict[str, int]]:
    """(layer, report, torch spec, all values) with where-symbols evaluated too."""
    from symconv.keys.kinds.layer import layer_report, with_where

    full = with_where(q, values)
    spec = numeric_spec(q.data["layer"], full)
    shape = numeric_spec(q.data["input"], full)
    batch = numeric_spec(q.data.get("batch", 1), full)
    layer, report = layer_report(q, spec, shape, batch)
    return layer, report, spec, full


def _shown(check: Check, q: Any) -> Check:
    """A shape check shown in the question's axis order (batch first, as torch has it)."""
    from dataclasses import replace

    from symconv.notation.layout import arrange

    if "shape" not in check.name or not isinstance(check.expected, tuple):
        return check
    kind = "weight" if "weight" in check.name else "activation"

    def a(shape: Any) -> Any:
        if not isinstance(shape, tuple) or not shape:
            return shape
        if kind == "weight":
            return arrange(shape, q.notation, kind="weight") if len(shape) > 2 else shape
        return arrange(shape[1:], q.notation, batch=shape[0])

    return replace(check, expected=a(check.expected), observed=a(check.observed))


def layer_checks(q: Any, use_torch: bool) -> list[Check]:
    """Explicit-loop (and torch) checks of the quantities a layer question asks for."""
    from symconv.keys.kinds.layer import layer_report

    asks = list(q.data["ask"])
    names = wanted(asks)
    _, sym_report = layer_report(q)
    values, instance = check_instance(q)
    expected = _substituted(q, sym_report, values)
    checks: list[Check] = []
    loops_on, loops_instance = values, instance
    if _ops(expected, asks) > BRUTE_LIMIT:
        found = smaller_instance(q, values)
        loops_on = found if found is not None else {}
        loops_instance = ("a smaller instance " + describe(found) +
                          " (same kernel, stride and padding)") if found else ""
    loop_names = names & {"output shape", "multiplications", "additions", "comparisons",
                          "multiplications + additions", "weight-gradient multiplications",
                          "weight-gradient additions", "parameters", "weights", "biases",
                          "input elements", "output elements", "weight elements",
                          "bias elements", "forward-pass elements", "training-step elements"}
    if loops_on and loop_names:
        from symconv.keys.bruteforce_checks import bruteforce_layer

        layer, _, _, _ = _numeric_layer(q, loops_on)
        found_checks = bruteforce_layer(layer, _substituted(q, sym_report, loops_on),
                                        "explicit loops", rng_for(q, "data"),
                                        grad_weight=any("grad_weight" in a for a in asks))
        checks += [_with(c, loops_instance) for c in found_checks if c.name in loop_names]
    if use_torch:
        from symconv.keys.torch_checks import torch_layer

        layer_n, _, spec, _ = _numeric_layer(q, values)
        found_checks = torch_layer(spec, layer_n, expected, "torch")
        checks += [_with(c, instance) for c in found_checks if c.name in names]
    return [_shown(c, q) for c in checks]


def _with(check: Check, instance: str) -> Check:
    from dataclasses import replace

    return replace(check, instance=instance)


def natural_point(point: Mapping[Any, Any], roles: Mapping[str, str]) -> bool:
    """Whether a point reads as a real layer: per axis, padding at most half the kernel, a
    stride no longer than the kernel, the padded input at least the kernel.

    Symbols go with the axis their suffix names (``p_h`` with ``k_h`` and ``h``); a symbol
    without a suffix goes with every axis.

    >>> from symconv.symbols import sym
    >>> r = {"h": "size", "k_h": "kernel", "p_h": "padding", "s_h": "stride"}
    >>> natural_point({sym("h"): 8, sym("k_h"): 3, sym("p_h"): 1, sym("s_h"): 2}, r)
    True
    >>> natural_point({sym("h"): 1, sym("k_h"): 2, sym("p_h"): 4, sym("s_h"): 3}, r)
    False
    """
    by_role: dict[str, dict[str, int]] = {}
    for s, v in point.items():
        by_role.setdefault(roles.get(str(s), "other"), {})[str(s)] = int(v)

    def axis(name: str) -> str:
        return name.split("_", 1)[1] if "_" in name else ""

    def same_axis(name: str, role: str) -> list[int]:
        group = by_role.get(role, {})
        mine = [v for n, v in group.items() if axis(n) in ("", axis(name)) or
                n == axis(name) or name == axis(n)]
        return mine or list(group.values())

    for name, p in by_role.get("padding", {}).items():
        if any(2 * p > k - 1 for k in same_axis(name, "kernel")):
            return False
    for name, st in by_role.get("stride", {}).items():
        if any(st > k for k in same_axis(name, "kernel")):
            return False
    for name, n in by_role.get("size", {}).items():
        if any(k > n for k in same_axis(name, "kernel")):
            return False
    return True


def compare_formulas(engine: sp.Expr, user: sp.Expr, conditions: Any, trials: int = 300,
                     roles: Mapping[str, str] | None = None) -> str:
    """A sentence saying whether a user's formula equals the engine's, with a counterexample.

    Equality is first tried symbolically; otherwise both are evaluated exactly
    at random valid integer points (conditions of the layer respected); of the points
    where they differ, the one with the smallest numbers is shown, preferring (with
    ``roles``, symbol name -> role) one that reads as a real layer (:func:`natural_point`).
    """
    from symconv.notation.latex import latex

    if sp.simplify(engine - user) == 0:
        return "The formulas agree: SymPy simplifies their difference to 0."
    free = sorted(engine.free_symbols | user.free_symbols, key=lambda s: s.name)
    rng = random.Random(zlib.crc32(str(engine).encode()))
    tested = 0
    smallest: tuple[int, dict[sp.Symbol, sp.Integer], Any, Any] | None = None
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
            size = sum(int(v) for v in point.values())
            if roles is not None and not natural_point(point, roles):
                size += 1000  # a point no layer would have: shown only if nothing else
            if smallest is None or size < smallest[0]:
                smallest = (size, point, a, b)  # the smallest counterexample reads best
        if tested >= trials:
            break
    if smallest is not None:
        _, point, a, b = smallest
        where = ", ".join(f"${latex(s)} = {v}$" for s, v in point.items())
        return (f"This formula is **not** the derived one: at {where} the derivation gives "
                f"${latex(a)}$ but the formula gives ${latex(b)}$.")
    return (f"The formulas agree at all {tested} random valid instances tried (exact integer "
            "arithmetic).")


def array(rng: random.Random, shape: tuple[int, ...]) -> np.ndarray:
    """Random small integers as float64 (exact arithmetic in the loops)."""
    size = int(np.prod(shape)) if shape else 1
    return np.array([rng.randint(-3, 3) for _ in range(size)], dtype=float).reshape(shape)
